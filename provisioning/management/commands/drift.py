"""`manage.py drift --directory NAME [--json]`: compare the SCIM tables with Jira (read only).

Exit status: 0 no drift, 1 drift found, 2 the check could not run (docs/go-live.md).
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from provisioning.sync.commands import directory_named, run_in_process
from provisioning.sync.drift_models import DriftItem
from provisioning.sync.drift_report import differences, item_json, summary
from provisioning.sync.models import SyncRun


class Command(BaseCommand):
    """Run a drift check in this process and print the counts (and, with --json, every row)."""

    help = "Compare what a directory's SCIM tables intend with Jira's current state."

    def add_arguments(self, parser: CommandParser) -> None:
        """The directory and the output format."""
        parser.add_argument("--directory", required=True, help="Directory name.")
        parser.add_argument(
            "--json", action="store_true", help="Print the counts and every difference as JSON."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        """Check, print, and exit 0 (no drift), 1 (drift) or 2 (error)."""
        try:
            directory = directory_named(options["directory"])
            run = run_in_process(directory, SyncRun.Kind.DRIFT, self.stderr._out)
        except CommandError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        if run.status != SyncRun.Status.SUCCEEDED:
            raise CommandError(f"The drift check failed: {run.message}", returncode=2)
        data = summary(run)
        if options["json"]:
            data["differences"] = [item_json(item) for item in differences(run).iterator()]
            self.stdout.write(json.dumps(data, indent=2))
        else:
            self.stdout.write(
                f"Drift of {directory} measured {data['measured_at']} in {data['seconds']} s: "
                f"{data['total']} difference(s)"
            )
            for kind, label in DriftItem.Kind.choices:
                self.stdout.write(f"  {label}: {data['counts'][kind]}")
            if data["total"]:
                self.stdout.write(
                    f"See them in the admin's Drift page (run {run.pk}) or with --json."
                )
        if data["total"]:
            raise SystemExit(1)
