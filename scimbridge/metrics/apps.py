"""App configuration of the metrics: the Jira client's observer."""

from django.apps import AppConfig


class MetricsConfig(AppConfig):
    """Prometheus metrics (docs/monitoring.md)."""

    name = "scimbridge.metrics"
    label = "metrics"
    verbose_name = "Metrics"

    def ready(self) -> None:
        """Feed the Jira series from every HTTP attempt of the Jira client."""
        from jiraclient.observers import add_observer

        from .jira import record_jira_call

        add_observer(record_jira_call)
