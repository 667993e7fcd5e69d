"""`manage.py auditlog enable|disable|status|export|clear|prune`."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any, TextIO

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from auditlog import export, selectors, services
from auditlog.models import AuditEntry
from configurations.models import ScimConfiguration

# export's filter options: (option, FilterSet parameter, help). The same parameters as the
# admin page's URL, so `--status-class 4xx` means what `?status_class=4xx` means.
FILTER_OPTIONS = (
    ("--since", "created_after", "Entries at or after this time (ISO 8601: 2026-05-01T08:00)."),
    ("--until", "created_before", "Entries at or before this time (ISO 8601)."),
    ("--configuration", "configuration", "SCIM configuration name."),
    ("--method", "method", "HTTP method: GET, POST, PUT, PATCH or DELETE."),
    ("--status-class", "status_class", "2xx, 3xx, 4xx or 5xx."),
    ("--status", "status", "Exact HTTP status, e.g. 409."),
    ("--operation", "operation", "create, read, list, search, replace, patch, delete, ..."),
    ("--resource-type", "resource_type", "User, Group, ServiceProviderConfig, Schema, ..."),
    ("--resource-id", "resource_id", "SCIM resource id."),
    ("--request-id", "request_id", "X-Request-Id of one request."),
    ("--search", "q", "Text in the request or response body (case-insensitive)."),
)


class _Verbatim:
    """Writes to a command's stdout without the line ending it would add."""

    def __init__(self, out: TextIO) -> None:
        self.out = out

    def write(self, text: str) -> None:
        """Write text as it is."""
        self.out.write(text, ending="")  # type: ignore[call-arg]


class Command(BaseCommand):
    """Switch the audit log, export it to CSV, clear or prune it."""

    help = "Turn the SCIM audit log on or off, export it to CSV, clear it or prune old entries."

    def add_arguments(self, parser: ArgumentParser) -> None:
        """Declare the sub-commands and their options."""
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("enable", help="Record every SCIM request from now on.")
        sub.add_parser("disable", help="Stop recording SCIM requests.")
        sub.add_parser("status", help="Show whether recording is on, and the entry count.")

        exporting = sub.add_parser("export", help="Write matching entries to a CSV file.")
        exporting.add_argument("--out", required=True, help="CSV file to write; - for stdout.")
        exporting.add_argument(
            "--limit",
            type=int,
            default=None,
            help="Most entries to write, newest first (default: AUDITLOG_EXPORT_LIMIT).",
        )
        for option, parameter, text in FILTER_OPTIONS:
            exporting.add_argument(option, dest=f"filter_{parameter}", help=text)

        clear = sub.add_parser("clear", help="Delete every entry.")
        clear.add_argument("--yes", action="store_true", help="Confirm the deletion.")

        prune = sub.add_parser("prune", help="Delete entries older than the retention.")
        prune.add_argument(
            "--days",
            type=int,
            default=None,
            help="Delete entries older than this many days (default: the configured retention).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        """Run the sub-command."""
        action = options["action"]
        if action in {"enable", "disable"}:
            enabled = action == "enable"
            services.audit_log_set_enabled(enabled=enabled)
            self.stdout.write(f"Recording of SCIM requests is {'on' if enabled else 'off'}.")
        elif action == "status":
            current = selectors.audit_settings_get()
            days = current.effective_retention_days
            self.stdout.write(
                f"Recording is {'on' if current.enabled else 'off'}; "
                f"{AuditEntry.objects.count()} entries; bodies cut at "
                f"{current.effective_max_body_bytes} bytes; retention "
                f"{f'{days} days' if days else 'forever'}."
            )
        elif action == "export":
            self._export(options)
        elif action == "clear":
            if not options["yes"]:
                raise CommandError(
                    f"This deletes all {AuditEntry.objects.count()} entries; "
                    "run again with --yes to confirm."
                )
            self.stdout.write(f"Deleted {services.entries_clear()} entries.")
        elif action == "prune":
            days = options["days"]
            if days is not None and days < 1:
                raise CommandError("--days must be at least 1.")
            deleted = services.entries_prune(older_than_days=days)
            self.stdout.write(f"Deleted {deleted} entries older than the retention.")

    def _filter_data(self, options: dict[str, Any]) -> dict[str, str]:
        data = {
            parameter: options[f"filter_{parameter}"]
            for _, parameter, _ in FILTER_OPTIONS
            if options.get(f"filter_{parameter}") is not None
        }
        if "configuration" in data:
            name = data["configuration"]
            pk = ScimConfiguration.objects.filter(name=name).values_list("pk", flat=True).first()
            if pk is None:
                raise CommandError(f"No SCIM configuration named {name!r}.")
            data["configuration"] = str(pk)
        return data

    def _export(self, options: dict[str, Any]) -> None:
        filterset = selectors.entries_filter(self._filter_data(options))
        if filterset.is_bound and not filterset.is_valid():
            problems = "; ".join(
                f"{name}: {' '.join(errors)}" for name, errors in filterset.errors.items()
            )
            raise CommandError(f"Invalid filter: {problems}")
        limit = options["limit"] if options["limit"] is not None else settings.AUDITLOG_EXPORT_LIMIT
        if limit < 1:
            raise CommandError("--limit must be at least 1.")
        if options["out"] == "-":
            export.write_csv(filterset.qs, limit=limit, out=_Verbatim(self.stdout))
            return
        path = Path(options["out"])
        with path.open("w", newline="", encoding="utf-8") as out:
            written = export.write_csv(filterset.qs, limit=limit, out=out)
        self.stdout.write(f"Wrote {written} entries to {path}.")
