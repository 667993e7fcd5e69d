"""App configuration of auditlog."""

from django.apps import AppConfig


class AuditlogConfig(AppConfig):
    """SCIM audit log."""

    name = "auditlog"
    verbose_name = "SCIM audit log"
