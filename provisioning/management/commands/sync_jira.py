"""``manage.py sync_jira --directory NAME``: Sync Users & Groups with a progress line."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from provisioning.sync.commands import directory_named, report, run_in_process
from provisioning.sync.models import SyncRun


class Command(BaseCommand):
    """Map the Jira site's users, groups and memberships into the directory (Jira only read)."""

    help = "Sync Users & Groups: map existing Jira users, groups and memberships into a directory."

    def add_arguments(self, parser: CommandParser) -> None:
        """``--directory NAME``."""
        parser.add_argument("--directory", required=True, help="Directory name.")

    def handle(self, *args: Any, **options: Any) -> None:
        """Run in this process and print the statistics."""
        directory = directory_named(options["directory"])
        run = run_in_process(directory, SyncRun.Kind.SYNC, self.stderr._out)
        self.stdout.write(report(run))
