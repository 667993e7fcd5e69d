"""Running a utility run: take it over, call its service, sort Jira errors, record the outcome."""

from __future__ import annotations

import logging
from collections.abc import Callable

from jiraclient import JiraClient, JiraForbidden, JiraTransient, JiraUnauthorized
from jiraclient.sites import client_for_site

from .clear import tables_clear
from .directory_sync import directory_sync
from .drift import drift_check
from .last_login import LastLoginUnavailable, last_login_sync
from .models import SyncRun
from .reconcile import directory_reconcile
from .remove import directory_remove
from .runs import RunContext, RunLost, empty_counters, run_begin, run_requeue
from .takeover import Keepalive

logger = logging.getLogger("scimbridge.sync")

Progress = Callable[[RunContext], None]


def _needs_jira(kind: str) -> bool:
    return kind != SyncRun.Kind.CLEAR_TABLES


def run_execute(
    *, run_id: int, progress: Progress | None = None, keepalive: bool = False
) -> SyncRun | None:
    """Execute a queued run to its end; None when there was nothing to do (already handled).

    Transient Jira errors (after the client's own retries) put the run back in the queue and
    propagate as ``JiraTransient`` so the caller can retry later; authentication errors
    stop the run cleanly (retrying would only lock the account); anything else fails it.
    ``keepalive`` (Celery workers, committed rows only) beats from a thread, so a redelivered
    task can tell a dead owner within SYNC_TAKEOVER_GRACE_SECONDS (takeover.py).
    """
    run = run_begin(run_id=run_id, keepalive=keepalive)
    if run is None:
        return None
    # A retried or taken-over run keeps counting where its earlier attempt stopped.
    ctx = RunContext(run=run, progress=progress, counters=empty_counters(run.counters))
    if keepalive:
        ctx.keepalive = Keepalive(run_id=run.pk, owner=run.owner)
        ctx.keepalive.start()
    client: JiraClient | None = None
    try:
        if _needs_jira(run.kind):
            client = client_for_site(run.directory.jira_site)
        message = _dispatch(ctx, client)
    except RunLost:
        logger.warning("Run %s was taken over by another worker; stopping", run.pk)
        return run
    except (JiraUnauthorized, JiraForbidden) as exc:
        ctx.error("run", run.directory.jira_site.base_url, str(exc))
        ctx.finish(
            SyncRun.Status.FAILED,
            "Jira refused scimbridge's credentials or permissions; the run stopped. Check the "
            f"Jira site's token or password and that the account is a Jira administrator. ({exc})",
        )
        return ctx.run
    except LastLoginUnavailable as exc:
        ctx.finish(SyncRun.Status.FAILED, str(exc))
        return ctx.run
    except JiraTransient as exc:
        ctx.beat(force=True)
        run_requeue(run=run, message=f"Jira is unavailable; retrying later. ({exc})")
        raise
    except Exception as exc:
        logger.exception("Run %s failed", run.pk)
        ctx.finish(SyncRun.Status.FAILED, f"Stopped by an unexpected error: {exc!r}")
        return ctx.run
    finally:
        if ctx.keepalive is not None:
            ctx.keepalive.stop()
        if client is not None:
            client.close()
    ctx.finish(SyncRun.Status.SUCCEEDED, message)
    return ctx.run


def _dispatch(ctx: RunContext, client: JiraClient | None) -> str:
    kind = ctx.run.kind
    if kind == SyncRun.Kind.CLEAR_TABLES:
        return tables_clear(ctx)
    assert client is not None  # every other kind talks to Jira
    if kind == SyncRun.Kind.SYNC:
        return directory_sync(ctx, client)
    if kind == SyncRun.Kind.REMOVE_DIRECTORY:
        return directory_remove(ctx, client)
    if kind == SyncRun.Kind.LAST_LOGIN:
        return last_login_sync(ctx, client)
    if kind == SyncRun.Kind.DRIFT:
        return drift_check(ctx, client)
    if kind == SyncRun.Kind.RECONCILE:
        return directory_reconcile(ctx, client)
    raise ValueError(f"Unknown run kind {kind!r}")
