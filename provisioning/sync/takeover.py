"""Who owns a running run, when another task may take it over, and the worker's keepalive.

The rule (docs/sync.md, "Takeover"): a task may take over a *running* run only when its
owner can no longer be writing to it —

* its heartbeat is older than ``SYNC_STALE_SECONDS`` (any owner, even a command), or
* the owner ran on this host (same hostname and PID namespace) and its process is gone, or
* the owner was a worker with a keepalive thread and that thread has been silent for
  ``SYNC_TAKEOVER_GRACE_SECONDS`` (several keepalive intervals).

Every write of a run's progress is fenced by the owner token, so the old owner stops at
its next beat if it ever comes back.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.utils import timezone

from .models import SyncRun

logger = logging.getLogger("scimbridge.sync")

# An owner with a keepalive thread (a Celery worker) or without (a command, an eager task).
KEEPALIVE = "keepalive"
PLAIN = "plain"


@cache
def host_identity() -> str:
    """This machine (and container): hostname plus PID namespace, so PIDs can be compared."""
    try:
        namespace = str(Path("/proc/self/ns/pid").readlink())
    except OSError:
        namespace = ""
    return f"{socket.gethostname()}/{namespace}"


@dataclass(frozen=True)
class Owner:
    """The process executing a run, as recorded in ``SyncRun.owner``."""

    host: str
    pid: int
    mode: str
    token: str

    def __str__(self) -> str:
        return f"{self.host};{self.pid};{self.mode};{self.token}"

    @classmethod
    def here(cls, *, keepalive: bool) -> Owner:
        """A new owner token for this process (one per attempt)."""
        mode = KEEPALIVE if keepalive else PLAIN
        return cls(host_identity(), os.getpid(), mode, uuid.uuid4().hex)

    @classmethod
    def parse(cls, value: str) -> Owner | None:
        """The owner recorded in a row; None for rows written before owners were recorded."""
        parts = value.split(";")
        if len(parts) < 4:
            return None
        try:
            pid = int(parts[-3])
        except ValueError:
            return None
        return cls(";".join(parts[:-3]), pid, parts[-2], parts[-1])


def process_alive(pid: int) -> bool:
    """Whether a process of this PID namespace exists and is not a zombie."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, under another user
    try:
        with Path(f"/proc/{pid}/stat").open() as stat:
            # "pid (comm) S ...": the state follows the last ")"; Z is a dead, unreaped child.
            return stat.read().rpartition(")")[2].split()[0] != "Z"
    except (OSError, IndexError):
        return True  # no /proc: os.kill said it exists


def owner_gone(run: SyncRun, now: datetime) -> str | None:
    """Why a running run's owner can no longer write to it, or None if it may be alive."""
    beat = run.heartbeat_at or run.started_at or run.created_at
    silent = now - beat
    if silent > timedelta(seconds=settings.SYNC_STALE_SECONDS):
        return f"no heartbeat for {silent.total_seconds():.0f} s"
    owner = Owner.parse(run.owner)
    if owner is None:
        return None
    if owner.host == host_identity() and not process_alive(owner.pid):
        return f"its process {owner.pid} is gone"
    if owner.mode == KEEPALIVE and silent > timedelta(
        seconds=settings.SYNC_TAKEOVER_GRACE_SECONDS
    ):
        return f"its keepalive stopped {silent.total_seconds():.1f} s ago"
    return None


class Keepalive(threading.Thread):
    """Writes a running run's heartbeat every SYNC_HEARTBEAT_SECONDS, even inside a slow call.

    Only used by Celery workers, where every row is committed: the thread has a database
    connection of its own. It stops, and flags ``lost``, when the row is no longer ours.
    """

    def __init__(self, *, run_id: int, owner: str) -> None:
        """Keep the run and the owner token that fences its writes."""
        super().__init__(name=f"sync-keepalive-{run_id}", daemon=True)
        self.run_id = run_id
        self.owner = owner
        self.lost = threading.Event()
        self._stop_event = threading.Event()

    def run(self) -> None:
        """Beat until stopped or the run is no longer ours."""
        try:
            while not self._stop_event.wait(settings.SYNC_HEARTBEAT_SECONDS):
                try:
                    updated = SyncRun.objects.filter(
                        pk=self.run_id, owner=self.owner, status=SyncRun.Status.RUNNING
                    ).update(heartbeat_at=timezone.now())
                except Exception:  # a database hiccup: the next beat may succeed
                    logger.warning("Run %s: keepalive failed", self.run_id, exc_info=True)
                    continue
                if not updated:
                    self.lost.set()
                    return
        finally:
            connection.close()

    def stop(self) -> None:
        """Stop beating and wait for the thread (it is between two short UPDATEs)."""
        self._stop_event.set()
        self.join(timeout=10)
