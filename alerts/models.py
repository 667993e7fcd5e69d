"""Where alerts go (per Jira site or for every site) and when each condition last fired."""

from __future__ import annotations

from django.db import models

from configurations.models import JiraSite


class AlertChannel(models.Model):
    """Recipients of alerts: for one Jira site's configurations, or (no site) for all."""

    jira_site = models.ForeignKey(
        JiraSite,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty: alerts of every site.",
    )
    emails = models.TextField(
        blank=True,
        help_text="Email addresses, one per line or comma-separated (Django's mail "
        "settings: EMAIL_HOST …).",
    )
    webhook_url = models.URLField(
        "Webhook URL",
        max_length=500,
        blank=True,
        help_text="Receives each alert as a JSON POST (e.g. a Slack or Teams incoming webhook "
        "relay, an incident tool).",
    )
    enabled = models.BooleanField(default=True)

    class Meta:
        verbose_name = "alert channel"

    def __str__(self) -> str:
        return f"Alerts for {self.jira_site or 'every site'}"

    @property
    def email_list(self) -> list[str]:
        """The addresses, trimmed."""
        return [e.strip() for e in self.emails.replace(",", "\n").splitlines() if e.strip()]


class AlertSent(models.Model):
    """The last time a condition was alerted: at most one message per condition per period."""

    condition = models.CharField(max_length=200, unique=True)
    subject = models.CharField(max_length=300)
    last_sent_at = models.DateTimeField()
    suppressed = models.PositiveIntegerField(
        default=0, help_text="Repeats not sent since the last message."
    )

    class Meta:
        ordering = ("-last_sent_at",)
        verbose_name = "sent alert"

    def __str__(self) -> str:
        return self.subject


class JiraSiteFailure(models.Model):
    """Since when SCIM writes to a Jira site keep failing (cleared by the next success)."""

    jira_site = models.OneToOneField(JiraSite, on_delete=models.CASCADE, related_name="+")
    failing_since = models.DateTimeField()
    last_failure_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.jira_site} failing since {self.failing_since}"
