"""Rows of the deprovisioning circuit breaker: what was counted, and what was held."""

from __future__ import annotations

from django.db import models


class DeprovisionKind(models.TextChoices):
    """What a counted or held SCIM write deprovisions."""

    USER = "user", "User deactivation or deletion"
    GROUP = "group", "Group deletion"


class DeprovisionEvent(models.Model):
    """One applied deprovisioning, counted in the configuration's sliding window."""

    configuration = models.ForeignKey(
        "configurations.ScimConfiguration", on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=DeprovisionKind.choices)
    at = models.DateTimeField(db_index=True)

    class Meta:
        indexes = [models.Index(fields=["configuration", "kind", "at"], name="deprov_window")]

    def __str__(self) -> str:
        return f"{self.kind} at {self.at}"


class HeldRequest(models.Model):
    """A deprovisioning request refused while the configuration's deprovisioning is paused.

    Nothing of it was applied; the IdP retries it (503 + Retry-After) and it goes through
    once an admin resumes. One row per distinct request: retries raise `attempts`.
    """

    configuration = models.ForeignKey(
        "configurations.ScimConfiguration", on_delete=models.CASCADE, related_name="held_requests"
    )
    kind = models.CharField(max_length=10, choices=DeprovisionKind.choices)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    body = models.TextField(blank=True)
    fingerprint = models.CharField(max_length=64, editable=False)
    client_address = models.CharField(max_length=64, blank=True)
    credential = models.CharField(
        max_length=200, blank=True, help_text="Which credential sent it (its display prefix)."
    )
    summary = models.CharField(max_length=300, blank=True)
    first_held_at = models.DateTimeField()
    last_attempt_at = models.DateTimeField()
    attempts = models.PositiveIntegerField(default=1)
    released_at = models.DateTimeField(null=True, blank=True)
    released_by = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ("-first_held_at",)
        constraints = [
            models.UniqueConstraint(
                fields=["configuration", "fingerprint"],
                condition=models.Q(released_at__isnull=True),
                name="one_open_hold_per_request",
            )
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.path}"
