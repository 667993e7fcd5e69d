"""App configuration of alerts."""

from django.apps import AppConfig


class AlertsConfig(AppConfig):
    """Alerts by email and webhook: breaker tripped, Jira failing, tokens expiring, runs failed."""

    name = "alerts"
    verbose_name = "Alerts"
    default_auto_field = "django.db.models.BigAutoField"
