"""Celery tasks of the directory utilities: thin wrappers that take a run's primary key.

The task names are explicit and keep the names these tasks had when they lived in
provisioning/tasks.py, so messages already queued and the beat schedule still resolve.
provisioning/tasks.py imports this module so that Celery's autodiscovery registers them.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from django.db import transaction
from kombu.exceptions import OperationalError as BrokerUnavailable

from configurations.models import Directory
from jiraclient import JiraTransient

from .engine import run_execute
from .models import ScimCustomization, SyncRun
from .runs import (
    RETRY_BASE_SECONDS,
    RETRY_MAX_SECONDS,
    DirectoryBusy,
    run_fail_queued,
    run_fail_unqueued,
    run_request,
    stale_running_runs,
)

logger = logging.getLogger("scimbridge.sync")

MAX_RETRIES = 5


@shared_task(
    name="provisioning.tasks.execute_run", bind=True, max_retries=MAX_RETRIES, acks_late=True
)
def execute_run(self: Any, run_id: int) -> str | None:
    """Run a queued utility run (sync, remove, clear, last login); idempotent by run state.

    A redelivered message (a killed worker) or a re-queue of beat takes its run over when the
    previous owner is gone (takeover.py); otherwise it leaves the run to its live owner.
    """
    if (self.request.delivery_info or {}).get("redelivered"):
        logger.info("Run %s: message redelivered (a worker was lost)", run_id)
    try:
        # Eager tasks run inside the caller's transaction: no second connection may beat.
        run = run_execute(run_id=run_id, keepalive=not self.request.is_eager)
    except JiraTransient as exc:
        if self.request.retries >= self.max_retries:
            run_fail_queued(run_id=run_id, message=f"Jira stayed unavailable: {exc}")
            return "failed"
        countdown = exc.retry_after or min(
            RETRY_BASE_SECONDS * 2**self.request.retries, RETRY_MAX_SECONDS
        )
        raise self.retry(exc=exc, countdown=countdown) from exc
    return None if run is None else run.status


def run_enqueue(
    *,
    directory: Directory,
    kind: str,
    requested_by: str = "",
    options: dict[str, Any] | None = None,
) -> SyncRun:
    """Take the directory's lock with a queued run and start its task once committed.

    Raises ``DirectoryBusy`` when another run holds the directory. When the broker cannot
    take the message the run is failed at once (it would otherwise hold the lock, queued,
    until SYNC_QUEUED_STALE_SECONDS); the caller sees it in the run's status.
    """
    run = run_request(
        directory=directory, kind=kind, requested_by=requested_by, options=options
    )
    transaction.on_commit(lambda: _publish(run.pk))
    return run


def _publish(run_id: int) -> None:
    try:
        execute_run.delay(run_id)
    except BrokerUnavailable as exc:
        run_fail_unqueued(run_id=run_id, error=exc)


@shared_task(name="provisioning.tasks.refresh_last_login")
def refresh_last_login() -> int:
    """Keep last-login info current: queue a refresh for each directory that shows it (beat)."""
    queued = 0
    for customization in ScimCustomization.objects.filter(show_last_login=True).select_related(
        "directory"
    ):
        try:
            run_enqueue(directory=customization.directory, kind=SyncRun.Kind.LAST_LOGIN)
            queued += 1
        except DirectoryBusy:
            logger.info("Last-login refresh of %s skipped: busy", customization.directory)
    return queued


@shared_task(name="provisioning.tasks.scheduled_drift_check")
def scheduled_drift_check() -> int:
    """Queue a drift check of every directory an enabled configuration provisions (beat).

    Scheduled every DRIFT_CHECK_INTERVAL seconds when that is set; a busy directory (a sync
    or reconcile running) is skipped until the next round. The result is the directory's
    Drift page and the `drift` details of /healthz.
    """
    queued = 0
    directories = Directory.objects.filter(scim_configurations__enabled=True).distinct()
    for directory in directories.order_by("name"):
        try:
            run_enqueue(directory=directory, kind=SyncRun.Kind.DRIFT, requested_by="schedule")
            queued += 1
        except DirectoryBusy:
            logger.info("Scheduled drift check of %s skipped: busy", directory)
    return queued


@shared_task(name="provisioning.tasks.requeue_stale_runs")
def requeue_stale_runs() -> int:
    """Re-queue every running run whose owner is gone (beat), so it completes without an admin.

    The broker may have lost the message, or handed it out before the run looked stale; the
    new task takes the run over under the same rule, and a duplicate finds it owned and exits.
    """
    requeued = 0
    for run in stale_running_runs():
        logger.warning("Run %s: owner gone (%s); re-queued", run.pk, run.takeover_reason)
        _publish(run.pk)
        requeued += 1
    return requeued
