"""App configuration of provisioning."""

from django.apps import AppConfig


class ProvisioningConfig(AppConfig):
    """The SCIM API and its write-through to Jira."""

    name = "provisioning"
    verbose_name = "Provisioning"

    def ready(self) -> None:
        """Register the system checks of the directory utilities (takeover windows)."""
        from .sync import checks  # noqa: F401 - registers on import
