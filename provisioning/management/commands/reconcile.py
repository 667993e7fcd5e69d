"""`manage.py reconcile --directory NAME [--only KIND,...] [--dry-run] --yes`.

Applies what the SCIM tables intend to Jira through the write-through (docs/go-live.md);
`--dry-run` checks drift and prints what reconcile would do, changing nothing.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from provisioning.sync.commands import directory_named, report, run_in_process
from provisioning.sync.drift_models import DriftItem
from provisioning.sync.drift_report import differences
from provisioning.sync.models import SyncRun
from provisioning.sync.reconcile import RECONCILABLE, parse_kinds

ACTIONS = {
    DriftItem.Kind.MISSING_IN_JIRA: "create",
    DriftItem.Kind.ATTRIBUTE_DIFFERS: "update",
    DriftItem.Kind.MEMBERSHIP_MISSING: "add member",
    DriftItem.Kind.MEMBERSHIP_EXTRA: "remove member",
}


class Command(BaseCommand):
    """Reconcile a directory in this process with a progress line, or preview it."""

    help = "Apply what a directory's SCIM tables intend to Jira (through the write-through)."

    def add_arguments(self, parser: CommandParser) -> None:
        """Directory, kinds, dry run, confirmation."""
        parser.add_argument("--directory", required=True, help="Directory name.")
        parser.add_argument(
            "--only",
            default="",
            help=f"Comma-separated kinds to reconcile (default all): {', '.join(RECONCILABLE)}.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Check drift and print what would be done."
        )
        parser.add_argument("--yes", action="store_true", help="Confirm; nothing happens without.")

    def handle(self, *args: Any, **options: Any) -> None:
        """Preview (dry run), refuse without --yes, or reconcile and print the statistics."""
        try:
            kinds = parse_kinds(options["only"]) or list(RECONCILABLE)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        directory = directory_named(options["directory"])
        if options["dry_run"] or not options["yes"]:
            run = run_in_process(directory, SyncRun.Kind.DRIFT, self.stderr._out)
            if run.status != SyncRun.Status.SUCCEEDED:
                raise CommandError(f"The drift check failed: {run.message}")
            planned = 0
            for item in differences(run).filter(kind__in=kinds).iterator():
                if item.kind == DriftItem.Kind.MEMBERSHIP_EXTRA and item.user_id is None:
                    continue  # not a user of this directory: left alone
                planned += 1
                what = f" {item.attribute} {item.jira_value!r} -> {item.scim_value!r}"
                self.stdout.write(
                    f"would {ACTIONS[item.kind]} {item.object_type} {item.object_name}"
                    + (what if item.attribute else "")
                )
            self.stdout.write(f"{planned} change(s) would be applied to Jira; nothing was changed.")
            if not options["dry_run"]:
                raise CommandError("Add --yes to apply them (or --dry-run to only preview).")
            return
        run = run_in_process(directory, SyncRun.Kind.RECONCILE, self.stderr._out, {"only": kinds})
        self.stdout.write(report(run))
