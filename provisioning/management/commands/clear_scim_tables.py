"""``manage.py clear_scim_tables NAME --yes``: delete the directory's SCIM rows (a run)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from provisioning.models import SyncRun
from provisioning.sync.remove import directory_counts

from ._runner import directory_named, report, run_in_process


class Command(BaseCommand):
    """Delete the directory's rows from the SCIM tables; Jira is not changed."""

    help = "Delete the directory's rows from the SCIM tables; Jira is not changed."

    def add_arguments(self, parser: CommandParser) -> None:
        """The directory name and the confirmation flag."""
        parser.add_argument("name", help="Directory name.")
        parser.add_argument("--yes", action="store_true", help="Confirm; nothing happens without.")

    def handle(self, *args: Any, **options: Any) -> None:
        """Refuse without --yes (naming what would go), else run and print the statistics."""
        directory = directory_named(options["name"])
        if not options["yes"]:
            counts = directory_counts(directory=directory)
            raise CommandError(
                f"This would delete {counts['users']} user(s), {counts['groups']} group(s) and "
                f"{counts['memberships']} membership(s) of {directory}"
                " in the SCIM tables. Add --yes to confirm."
            )
        run = run_in_process(directory, SyncRun.Kind.CLEAR_TABLES, self.stderr._out)
        self.stdout.write(report(run))
