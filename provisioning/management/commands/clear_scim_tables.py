"""``manage.py clear_scim_tables NAME --yes``: delete the directory's SCIM rows (a run)."""

from __future__ import annotations

from provisioning.sync.commands import DestructiveDirectoryCommand
from provisioning.sync.models import SyncRun


class Command(DestructiveDirectoryCommand):
    """Delete the directory's rows from the SCIM tables; Jira is not changed."""

    help = "Delete the directory's rows from the SCIM tables; Jira is not changed."
    kind = SyncRun.Kind.CLEAR_TABLES
    where = "in the SCIM tables"
