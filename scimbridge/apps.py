"""App configurations of the project package: owner-only local files, and Django's admin app
with scimbridge's own admin site (the SCIM home page as its index)."""

from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class ScimbridgeConfig(AppConfig):
    """The project: settings, URLs, Celery, health check, local state."""

    name = "scimbridge"
    verbose_name = "scimbridge"

    def ready(self) -> None:
        """Make the SQLite database owner-only whenever a connection opens it."""
        from django.db.backends.signals import connection_created

        from .localfiles import protect_sqlite

        connection_created.connect(protect_sqlite, dispatch_uid="scimbridge-owner-only-sqlite")


class ScimbridgeAdminConfig(admin_apps.AdminConfig):
    """`django.contrib.admin`, whose default site is scimbridge's."""

    # Named in INSTALLED_APPS; "scimbridge" alone must still pick ScimbridgeConfig.
    default = False

    default_site = "scimbridge.admin_site.ScimbridgeAdminSite"
