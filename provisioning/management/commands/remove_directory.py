"""``manage.py remove_directory NAME --yes``: Remove Directory as a run with statistics."""

from __future__ import annotations

from provisioning.sync.commands import DestructiveDirectoryCommand
from provisioning.sync.models import SyncRun


class Command(DestructiveDirectoryCommand):
    """Delete the directory's users and groups in Jira and the SCIM tables (irreversible)."""

    help = "Delete the directory's users and groups in Jira and the SCIM tables (irreversible)."
    kind = SyncRun.Kind.REMOVE_DIRECTORY
    where = "in Jira and in the SCIM tables"
