"""``manage.py sync_last_login --directory NAME``: read users' last login (Jira 11.3+)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from provisioning.sync.commands import directory_named, report, run_in_process
from provisioning.sync.models import SyncRun


class Command(BaseCommand):
    """Store Jira's lastLoginTime for the directory's users."""

    help = "Sync users last login info from Jira (Data Center 11.3+)."

    def add_arguments(self, parser: CommandParser) -> None:
        """``--directory NAME``."""
        parser.add_argument("--directory", required=True, help="Directory name.")

    def handle(self, *args: Any, **options: Any) -> None:
        """Run in this process and print the statistics."""
        directory = directory_named(options["directory"])
        run = run_in_process(directory, SyncRun.Kind.LAST_LOGIN, self.stderr._out)
        self.stdout.write(report(run))
