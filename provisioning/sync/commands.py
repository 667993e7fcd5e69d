"""What the utility commands share: find the directory, run in-process, draw a progress line.

The commands themselves (provisioning/management/commands/) are thin entry points on this.
"""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO

from django.core.management.base import BaseCommand, CommandError, CommandParser

from configurations.models import Directory
from jiraclient import JiraTransient

from .engine import run_execute
from .models import SyncRun
from .remove import directory_counts
from .runs import (
    COUNTER_NAMES,
    OBJECT_TYPES,
    DirectoryBusy,
    RunContext,
    empty_counters,
    run_request,
)


class ProgressLine:
    """A one-line progress display on stderr (redrawn in place on a terminal)."""

    def __init__(self, stream: TextIO | None = None) -> None:
        """Draw on ``stream`` (stderr by default)."""
        self.stream = stream or sys.stderr
        self.started = time.monotonic()
        self.tty = self.stream.isatty()
        self._last = ""

    def __call__(self, ctx: RunContext) -> None:
        """Show elapsed time, phase and the counters that moved."""
        parts = []
        for kind, values in ctx.counters.items():
            moved = ", ".join(f"{name} {value}" for name, value in values.items() if value)
            if moved:
                parts.append(f"{kind}: {moved}")
        elapsed = time.monotonic() - self.started
        line = f"[{elapsed:6.1f}s] {ctx.run.phase or ctx.run.status} | " + " | ".join(parts)
        if line == self._last:
            return
        self._last = line
        if self.tty:
            self.stream.write("\r\x1b[K" + line)
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def close(self) -> None:
        """End the line on a terminal."""
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()


def directory_named(name: str) -> Directory:
    """The directory with this name, or a CommandError."""
    try:
        return Directory.objects.select_related("jira_site").get(name=name)
    except Directory.DoesNotExist:
        raise CommandError(f"No directory named {name!r}.") from None


def run_in_process(
    directory: Directory,
    kind: str,
    stderr: TextIO | None = None,
    options: dict[str, Any] | None = None,
) -> SyncRun:
    """Take the directory's lock, run the utility here with a progress line; return the run."""
    try:
        run = run_request(
            directory=directory, kind=kind, requested_by="manage.py", options=options
        )
    except DirectoryBusy as busy:
        raise CommandError(f"{directory}: {busy} (run {busy.run.pk})") from None
    progress = ProgressLine(stderr)
    try:
        finished = run_execute(run_id=run.pk, progress=progress)
    except JiraTransient as exc:
        SyncRun.objects.filter(pk=run.pk, status__in=SyncRun.ACTIVE_STATUSES).update(
            status=SyncRun.Status.FAILED, message=f"Jira unavailable: {exc}"
        )
        raise CommandError(f"Jira is unavailable, run again later: {exc}") from exc
    finally:
        progress.close()
    if finished is None:
        raise CommandError(f"Run {run.pk} was taken by another worker.")
    return finished


def report(run: SyncRun) -> str:
    """The final counters and message; raises CommandError when the run failed."""
    lines = [f"{run.get_kind_display()} of {run.directory}: {run.get_status_display()}"]
    # In display order: PostgreSQL's jsonb does not keep the keys' order.
    counters = empty_counters(run.counters)
    for kind in OBJECT_TYPES:
        values = counters[kind]
        lines.append(f"  {kind}: " + ", ".join(f"{name} {values[name]}" for name in COUNTER_NAMES))
    if run.message:
        lines.append(run.message)
    errors = run.errors.count()
    if errors:
        lines.append(f"{errors} error(s); see the admin's run history (run {run.pk}).")
    text = "\n".join(lines)
    if run.status != SyncRun.Status.SUCCEEDED:
        raise CommandError(text)
    return text


class DestructiveDirectoryCommand(BaseCommand):
    """A utility that deletes a directory's data: refuses without --yes, naming what would go.

    Subclasses set ``kind`` (the run kind) and ``where`` (what is deleted from, in words), and
    may override ``preview`` (what would go) and ``run_options`` (what travels with the run).
    """

    kind: str
    where: str

    def add_arguments(self, parser: CommandParser) -> None:
        """The directory name and the confirmation flag."""
        parser.add_argument("name", help="Directory name.")
        parser.add_argument("--yes", action="store_true", help="Confirm; nothing happens without.")

    def preview(self, directory: Directory, options: dict[str, Any]) -> str:
        """What the run would delete, in words (printed when --yes is missing)."""
        counts = directory_counts(directory=directory)
        return (
            f"This would delete {counts['users']} user(s), {counts['groups']} group(s) and "
            f"{counts['memberships']} membership(s) of {directory} {self.where}."
        )

    def run_options(self, options: dict[str, Any]) -> dict[str, Any] | None:
        """The run's options (SyncRun.options) from the command line's."""
        return None

    def handle(self, *args: Any, **options: Any) -> None:
        """Refuse without --yes (naming what would go), else run and print the statistics."""
        directory = directory_named(options["name"])
        if not options["yes"]:
            raise CommandError(f"{self.preview(directory, options)} Add --yes to confirm.")
        run = run_in_process(directory, self.kind, self.stderr._out, self.run_options(options))
        self.stdout.write(report(run))
