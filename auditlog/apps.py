"""App configuration of auditlog."""

from django.apps import AppConfig


class AuditlogConfig(AppConfig):
    """SCIM audit log."""

    name = "auditlog"
    verbose_name = "SCIM audit log"

    def ready(self) -> None:
        """Collect the Jira calls of recorded requests and tag log records with the request id."""
        from jiraclient.observers import add_observer

        from .context import install_log_record_factory, record_jira_call

        add_observer(record_jira_call)
        install_log_record_factory()
