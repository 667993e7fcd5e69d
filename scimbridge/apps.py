"""App configuration of the project package itself: owner-only local files."""

from django.apps import AppConfig


class ScimbridgeConfig(AppConfig):
    """The project: settings, URLs, Celery, health check, local state."""

    name = "scimbridge"
    verbose_name = "scimbridge"

    def ready(self) -> None:
        """Make the SQLite database owner-only whenever a connection opens it."""
        from django.db.backends.signals import connection_created

        from .localfiles import protect_sqlite

        connection_created.connect(protect_sqlite, dispatch_uid="scimbridge-owner-only-sqlite")
