"""App configuration of configurations."""

from django.apps import AppConfig


class ConfigurationsConfig(AppConfig):
    """Jira sites, directories and SCIM configurations."""

    name = "configurations"
    verbose_name = "Setup"
