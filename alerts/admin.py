"""Admin pages: where alerts go, and the alerts sent."""

from __future__ import annotations

from django.contrib import admin

from .models import AlertChannel, AlertSent


@admin.register(AlertChannel)
class AlertChannelAdmin(admin.ModelAdmin):
    """Email addresses and webhooks, per Jira site or for every site."""

    list_display = ("__str__", "emails", "webhook_url", "enabled")
    list_filter = ("enabled", "jira_site")


@admin.register(AlertSent)
class AlertSentAdmin(admin.ModelAdmin):
    """The last message of each condition and the repeats held back since."""

    list_display = ("subject", "condition", "last_sent_at", "suppressed")
    search_fields = ("subject", "condition")

    def has_add_permission(self, request: object) -> bool:
        """Alerts are sent by scimbridge, never written by hand."""
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        """Read-only."""
        return False
