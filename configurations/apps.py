"""App configuration of configurations."""

from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


def _credentials_changed(**kwargs: Any) -> None:
    from .selectors import CREDENTIALS

    CREDENTIALS.invalidate()


class ConfigurationsConfig(AppConfig):
    """Jira sites, directories and SCIM configurations."""

    name = "configurations"
    verbose_name = "Setup"

    def ready(self) -> None:
        """Register the system checks; drop cached credentials when what they hold changes.

        A resolved credential carries its configuration, directory and Jira site: a save or
        delete of any of them (rotation, disabling, a new site URL) invalidates the cache.
        """
        from . import checks  # noqa: F401 - registers on import
        from .models import Directory, JiraSite, ScimConfiguration

        for model in (ScimConfiguration, Directory, JiraSite):
            for signal in (post_save, post_delete):
                signal.connect(_credentials_changed, sender=model, dispatch_uid=f"cache-{model}")
