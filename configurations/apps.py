"""App configuration of configurations."""

from django.apps import AppConfig


class ConfigurationsConfig(AppConfig):
    """Jira sites, directories and SCIM configurations."""

    name = "configurations"
    verbose_name = "Setup"

    def ready(self) -> None:
        """Register the system checks (a warning when the credentials key is derived)."""
        from . import checks  # noqa: F401 - registers on import
