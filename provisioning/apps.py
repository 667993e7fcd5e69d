"""App configuration of provisioning."""

from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


def _customization_changed(**kwargs: Any) -> None:
    from .sync.last_login import CUSTOMIZATIONS

    CUSTOMIZATIONS.invalidate()


def _directory_deleted(**kwargs: Any) -> None:
    # Its users went by cascade, which no user hook sees.
    from .list_cache import users_changed

    users_changed()


class ProvisioningConfig(AppConfig):
    """The SCIM API and its write-through to Jira."""

    name = "provisioning"
    verbose_name = "Provisioning"

    def ready(self) -> None:
        """Register the system checks; drop cached customizations and lists on changes."""
        from configurations.models import Directory

        from .sync import checks  # noqa: F401 - registers on import
        from .sync.models import ScimCustomization

        for signal in (post_save, post_delete):
            signal.connect(
                _customization_changed, sender=ScimCustomization, dispatch_uid="cache-custom"
            )
        post_delete.connect(_directory_deleted, sender=Directory, dispatch_uid="cache-user-lists")
