"""Runs: the per-directory lock (one active run row), heartbeats, counters and error rows."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from configurations.models import Directory
from scimbridge.metrics import series

from .models import SyncRun, SyncRunError
from .takeover import Keepalive, Owner, owner_gone

logger = logging.getLogger("scimbridge.sync")

# Error rows kept per run; past it only the counters grow (a broken site must not fill the DB).
MAX_ERROR_ROWS = 1000
# Counter names shown for each object type, in display order.
# "protected": protected users/groups left out (never mapped); "unmapped": rows dropped from
# the tables without touching Jira (now protected, out of the sync scope, or only unlinked by
# Remove Directory); "elsewhere": users another directory of the site already maps.
COUNTER_NAMES = (
    "seen",
    "created",
    "linked",
    "updated",
    "removed",
    "unmapped",
    "skipped",
    "protected",
    "elsewhere",
    "failed",
)
OBJECT_TYPES = ("users", "groups", "memberships")
# Seconds between two progress writes (and lock heartbeats) of a busy run.
BEAT_INTERVAL = 1.0
# Back-off between task retries after a transient Jira error, in seconds (doubles, capped);
# the broker's visibility timeout must exceed the cap (checks.py).
RETRY_BASE_SECONDS = 30
RETRY_MAX_SECONDS = 600


class DirectoryBusy(Exception):  # noqa: N818 - reads as a state, like Django's DoesNotExist
    """Another utility run holds the directory's lock."""

    def __init__(self, run: SyncRun) -> None:
        """Keep the run that holds the lock, so the UI can link to it."""
        super().__init__(f"{run.get_kind_display()} is already {run.status} on this directory.")
        self.run = run


class RunLost(Exception):  # noqa: N818 - a state, not an error of ours
    """The run row is no longer ours (taken over after a stale heartbeat, or deleted)."""


def _stale(run: SyncRun, now: Any) -> bool:
    """Whether an active run's worker is presumed dead (the takeover rule, takeover.py)."""
    if run.status == SyncRun.Status.RUNNING:
        return owner_gone(run, now) is not None
    return run.created_at < now - timedelta(seconds=settings.SYNC_QUEUED_STALE_SECONDS)


def run_request(
    *,
    directory: Directory,
    kind: str,
    requested_by: str = "",
    options: dict[str, Any] | None = None,
) -> SyncRun:
    """Queue a run, taking the directory's lock; ``DirectoryBusy`` if a live run holds it.

    The lock is the database's partial unique constraint on active runs, so it holds across
    any number of workers and web processes. A stale holder is marked abandoned and replaced.
    """
    for _ in range(2):
        try:
            with transaction.atomic():
                return SyncRun.objects.create(
                    directory=directory,
                    kind=kind,
                    requested_by=requested_by,
                    options=options or {},
                )
        except IntegrityError:
            holder = active_run(directory=directory)
            if holder is None:
                continue  # it finished between our insert and this read
            if not _stale(holder, timezone.now()):
                raise DirectoryBusy(holder) from None
            _abandon(holder)
    holder = active_run(directory=directory)
    if holder is not None:
        raise DirectoryBusy(holder)
    raise RuntimeError("Could not take the directory lock")  # pragma: no cover - a tight race


def _abandon(run: SyncRun) -> None:
    updated = SyncRun.objects.filter(pk=run.pk, status__in=SyncRun.ACTIVE_STATUSES).update(
        status=SyncRun.Status.ABANDONED,
        finished_at=timezone.now(),
        message="The worker stopped answering (no heartbeat); a later run took over.",
    )
    if updated:
        record_ended(SyncRun.objects.get(pk=run.pk))
        logger.warning(
            "Abandoned stale %s run %s of directory %s", run.kind, run.pk, run.directory_id
        )


def stale_running_runs() -> list[SyncRun]:
    """Running runs whose owner is gone, each with its ``takeover_reason`` (beat's sweep)."""
    now = timezone.now()
    found = []
    for run in SyncRun.objects.filter(status=SyncRun.Status.RUNNING).order_by("pk"):
        run.takeover_reason = owner_gone(run, now)
        if run.takeover_reason is not None:
            found.append(run)
    return found


def active_run(*, directory: Directory) -> SyncRun | None:
    """The run holding the directory's lock, if any."""
    return (
        SyncRun.objects.filter(directory=directory, status__in=SyncRun.ACTIVE_STATUSES)
        .order_by("-created_at")
        .first()
    )


def run_begin(*, run_id: int, keepalive: bool = False) -> SyncRun | None:
    """Mark a queued run running, owned by this process; None when there is nothing to do.

    A message delivered twice (late acks, a worker restart) finds its run finished or held by
    a live owner and returns None; a run whose owner is gone (takeover.py) is taken over.
    The row lock makes the check and the new owner one step: two tasks never both win.
    """
    with transaction.atomic():
        run = SyncRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None or not run.is_active:
            return None
        now = timezone.now()
        if run.status == SyncRun.Status.RUNNING:
            reason = owner_gone(run, now)
            if reason is None:
                return None
            logger.warning("Run %s: taking over from %s (%s)", run.pk, run.owner, reason)
        run.status = SyncRun.Status.RUNNING
        run.started_at = run.started_at or now
        run.heartbeat_at = now
        run.attempts += 1
        run.owner = str(Owner.here(keepalive=keepalive))
        run.save(update_fields=["status", "started_at", "heartbeat_at", "attempts", "owner"])
        return run


def empty_counters(start: dict[str, Any] | None = None) -> dict[str, dict[str, int]]:
    """Counters for every object type: zero, or carried on from an earlier attempt."""
    counters = {kind: dict.fromkeys(COUNTER_NAMES, 0) for kind in OBJECT_TYPES}
    for kind, values in (start or {}).items():
        if kind in counters and isinstance(values, dict):
            for name, value in values.items():
                if name in counters[kind] and isinstance(value, int):
                    counters[kind][name] = value
    return counters


@dataclass
class RunContext:
    """A running run: counters kept in memory and written with each heartbeat."""

    run: SyncRun
    progress: Callable[[RunContext], None] | None = None
    counters: dict[str, dict[str, int]] = field(default_factory=empty_counters)
    errors_recorded: int = 0
    keepalive: Keepalive | None = None
    _last_beat: float = 0.0

    def count(self, kind: str, name: str, amount: int = 1) -> None:
        """Add to one counter."""
        if amount:
            self.counters[kind][name] += amount

    def error(self, object_type: str, object_name: str, message: str) -> None:
        """Record an object the run could not handle (and count it as failed)."""
        plural = f"{object_type}s"
        if plural in self.counters:
            self.count(plural, "failed")
        logger.warning("Run %s: %s %s: %s", self.run.pk, object_type, object_name, message)
        if self.errors_recorded < MAX_ERROR_ROWS:
            SyncRunError.objects.create(
                run=self.run,
                object_type=object_type,
                object_name=object_name[:600],
                message=message,
            )
        self.errors_recorded += 1

    def note(self, object_type: str, object_name: str, message: str) -> None:
        """Record an object the run left alone on purpose (an error row, not counted failed)."""
        if self.errors_recorded < MAX_ERROR_ROWS:
            SyncRunError.objects.create(
                run=self.run,
                object_type=object_type,
                object_name=object_name[:600],
                message=message,
            )
        self.errors_recorded += 1

    def phase(self, text: str) -> None:
        """Name the step in progress (written at once)."""
        self.run.phase = text[:300]
        self.beat(force=True)

    def beat(self, *, force: bool = False) -> None:
        """Write counters and the heartbeat (at most once per BEAT_INTERVAL unless forced).

        Raises ``RunLost`` when another worker took the run over: this one must stop.
        """
        if self.keepalive is not None and self.keepalive.lost.is_set():
            raise RunLost(f"Run {self.run.pk} is no longer owned here")
        now_monotonic = time.monotonic()
        if not force and now_monotonic - self._last_beat < BEAT_INTERVAL:
            return
        self._last_beat = now_monotonic
        updated = _owned(self.run).update(
            counters=self.counters, phase=self.run.phase, heartbeat_at=timezone.now()
        )
        if not updated:
            raise RunLost(f"Run {self.run.pk} is no longer running here")
        if self.progress is not None:
            self.progress(self)

    def finish(self, status: str, message: str = "") -> None:
        """End the run and release the directory's lock."""
        _owned(self.run).update(
            status=status,
            counters=self.counters,
            phase="",
            message=message,
            finished_at=timezone.now(),
            heartbeat_at=timezone.now(),
        )
        self.run.refresh_from_db()
        if self.run.status == status:  # ours to the end (not taken over meanwhile)
            record_ended(self.run)
            if status == SyncRun.Status.FAILED:
                _alert_failed(self.run, message)
        if self.progress is not None:
            self.progress(self)


def _alert_failed(run: SyncRun, message: str) -> None:
    """A failed utility run (sync, remove, reconcile, …) alerts its site's channels."""
    from alerts.services import alert_run_failed

    directory = run.directory
    alert_run_failed(
        run_id=run.pk,
        kind=run.get_kind_display(),
        directory=directory.name,
        jira_site_id=directory.jira_site_id,
        message=message or "see the run's log",
        admin_path=reverse("admin:provisioning_syncrun_changelist"),
    )


def record_ended(run: SyncRun) -> None:
    """The run's end in the metrics: kind and status, duration, objects by outcome."""
    series.UTILITY_RUNS.labels(run.kind, run.status).inc()
    if run.started_at and run.finished_at:
        seconds = (run.finished_at - run.started_at).total_seconds()
        series.UTILITY_RUN_SECONDS.labels(run.kind).observe(max(seconds, 0.0))
    for object_type, outcomes in (run.counters or {}).items():
        for outcome, amount in (outcomes or {}).items():
            if amount:
                series.UTILITY_RUN_OBJECTS.labels(run.kind, object_type, outcome).inc(amount)


def run_requeue(*, run: SyncRun, message: str) -> None:
    """Put a running run back in the queue (a transient Jira error; the task retries)."""
    _owned(run).update(status=SyncRun.Status.QUEUED, message=message, phase="waiting to retry")


def _owned(run: SyncRun) -> Any:
    """The run's row while it is running and still ours: every progress write is fenced."""
    return SyncRun.objects.filter(pk=run.pk, status=SyncRun.Status.RUNNING, owner=run.owner)


def run_fail_queued(*, run_id: int, message: str) -> None:
    """Fail a queued run that will not be retried any more (retries exhausted)."""
    updated = SyncRun.objects.filter(pk=run_id, status__in=SyncRun.ACTIVE_STATUSES).update(
        status=SyncRun.Status.FAILED, message=message, finished_at=timezone.now(), phase=""
    )
    if updated:
        run = SyncRun.objects.select_related("directory").get(pk=run_id)
        record_ended(run)
        _alert_failed(run, message)


def run_fail_unqueued(*, run_id: int, error: Exception) -> None:
    """Fail a run whose task the broker refused, freeing the directory's lock at once."""
    message = f"The task could not be queued (broker unavailable): {error}"
    logger.error("Run %s: %s", run_id, message)
    with transaction.atomic():
        updated = SyncRun.objects.filter(pk=run_id, status=SyncRun.Status.QUEUED).update(
            status=SyncRun.Status.FAILED, message=message, finished_at=timezone.now(), phase=""
        )
        if updated:
            SyncRunError.objects.create(run_id=run_id, object_type="run", message=message)
            record_ended(SyncRun.objects.get(pk=run_id))
