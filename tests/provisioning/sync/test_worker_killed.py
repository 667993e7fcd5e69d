"""A real Celery worker killed mid-sync (whole, or its pool child): the run completes alone.

Short windows are set through the worker's environment: keepalive every 0.5 s, a grace of
2 s, a stale window of 5 s and a Redis visibility timeout of 6 s swept every second.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator

import pytest
from celery import Celery
from django.db import connection

from configurations.models import Directory
from provisioning.sync.models import SyncRun
from provisioning.sync.runs import run_request
from provisioning.sync.takeover import Owner
from tests.fakejira import FakeJira
from tests.processes import require_redis

from .conftest import assert_mirrors_jira, seed_site
from .test_celery_worker import ROOT, _database_url

REDIS_URL = os.environ.get("REDIS_TAKEOVER_URL", "redis://127.0.0.1:6379/12")
WINDOWS = {
    "SYNC_HEARTBEAT_SECONDS": "0.5",
    "SYNC_TAKEOVER_GRACE_SECONDS": "2",
    "SYNC_STALE_SECONDS": "5",
    "CELERY_VISIBILITY_TIMEOUT": "6",
    "CELERY_UNACKED_RESTORE_INTERVAL": "1",
    "SYNC_PAGE_SIZE": "100",
    "SYNC_BATCH_SIZE": "100",
}
USERS = 2000


class Workers:
    """Celery worker subprocesses on one queue of their own, against the test database."""

    def __init__(self) -> None:
        """A fresh queue; no worker yet."""
        self.queue = f"scimbridge-takeover-{uuid.uuid4().hex[:8]}"
        self.started: list[subprocess.Popen[bytes]] = []

    def start(self, pool: str) -> subprocess.Popen[bytes]:
        """Start one worker (``solo`` or a one-child ``prefork``)."""
        env = {
            **os.environ,
            **WINDOWS,
            "DJANGO_SETTINGS_MODULE": "scimbridge.settings_test",
            "CELERY_BROKER_URL": REDIS_URL,
            "DATABASE_URL": _database_url(),
        }
        name = f"{self.queue}-{len(self.started)}@%h"
        worker = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [
                *(sys.executable, "-m", "celery", "-A", "scimbridge", "worker", f"--pool={pool}"),
                *("--concurrency=1", "--without-mingle", "--without-gossip", "--loglevel=WARNING"),
                *("-Q", self.queue, "-n", name),
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.started.append(worker)
        return worker

    def stop_all(self) -> None:
        """SIGTERM every worker still alive (its whole group), then SIGKILL stragglers."""
        for worker in self.started:
            if worker.poll() is None:
                os.killpg(worker.pid, signal.SIGTERM)
        for worker in self.started:
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait()


@pytest.fixture
def workers(transactional_db: object) -> Iterator[Workers]:
    """Workers started by the test, all stopped afterwards."""
    if connection.vendor != "postgresql":
        pytest.skip("The worker needs committed data in a database it can open: PostgreSQL only.")
    require_redis(REDIS_URL)
    pool = Workers()
    try:
        yield pool
    finally:
        pool.stop_all()


def _wait(run: SyncRun, until: Callable[[SyncRun], bool], timeout: float) -> SyncRun:
    """Poll the run's row until ``until`` holds; fail with its state after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if until(run):
            return run
        time.sleep(0.05)
    pytest.fail(f"run {run.pk}: {run.status} {run.phase!r} {run.counters} {run.message!r}")


def _start_mid_sync(
    workers: Workers,
    pool: str,
    fake_jira_factory: Callable[..., FakeJira],
    make_directory: Callable[..., Directory],
) -> tuple[FakeJira, Directory, SyncRun, subprocess.Popen[bytes]]:
    """A sync on a slow fake Jira, running in a worker, a quarter through its users."""
    fake = fake_jira_factory("10.3.2")
    seed_site(fake, users=USERS, groups=20, per_group=50)
    # 20 user pages of 100 at 0.25 s each: the kill lands well inside the user phase.
    fake.delay("GET", "/rest/api/2/user/list", 0.25)
    directory = make_directory(fake)
    worker = workers.start(pool)
    run = run_request(directory=directory, kind=SyncRun.Kind.SYNC)
    producer = Celery("scimbridge-takeover-producer", broker=REDIS_URL, set_as_current=False)
    producer.send_task("provisioning.tasks.execute_run", args=[run.pk], queue=workers.queue)
    producer.close()
    _wait(run, lambda r: r.counters.get("users", {}).get("seen", 0) >= USERS // 4, 60)
    assert run.status == SyncRun.Status.RUNNING
    return fake, directory, run, worker


def _complete_after_kill(run: SyncRun, killed_owner: str, killed_at: float) -> dict[str, float]:
    """Wait for the takeover and the end; the seconds each took after the kill."""
    _wait(run, lambda r: r.owner != killed_owner or not r.is_active, 30)
    takeover = time.monotonic() - killed_at
    _wait(run, lambda r: not r.is_active, 45)
    done = time.monotonic() - killed_at
    sys.stdout.write(
        f"\nrun {run.pk}: taken over after {takeover:.1f} s, done after {done:.1f} s\n"
    )
    return {"takeover": takeover, "done": done}


def test_pool_child_killed_mid_sync_is_taken_over(
    workers: Workers,
    fake_jira_factory: Callable[..., FakeJira],
    make_directory: Callable[..., Directory],
) -> None:
    """SIGKILL of the prefork child: Celery redelivers, the new child takes the run over."""
    fake, directory, run, worker = _start_mid_sync(
        workers, "prefork", fake_jira_factory, make_directory
    )
    owner = Owner.parse(run.owner)
    assert owner is not None
    assert owner.pid != worker.pid, "the run should execute in the pool child"
    seen_at_kill = run.counters["users"]["seen"]
    os.kill(owner.pid, signal.SIGKILL)
    times = _complete_after_kill(run, str(owner), time.monotonic())
    assert run.status == SyncRun.Status.SUCCEEDED, run.message
    assert run.attempts >= 2
    assert seen_at_kill < USERS
    assert times["takeover"] < 15
    assert_mirrors_jira(fake, directory)


def test_whole_worker_killed_mid_sync_is_taken_over_by_the_next_worker(
    workers: Workers,
    fake_jira_factory: Callable[..., FakeJira],
    make_directory: Callable[..., Directory],
) -> None:
    """SIGKILL of the whole worker: Redis hands the unacked message to the restarted worker."""
    fake, directory, run, worker = _start_mid_sync(
        workers, "solo", fake_jira_factory, make_directory
    )
    killed_owner = run.owner
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait()
    killed_at = time.monotonic()
    workers.start("solo")  # the supervisor's restart
    times = _complete_after_kill(run, killed_owner, killed_at)
    assert run.status == SyncRun.Status.SUCCEEDED, run.message
    assert run.attempts >= 2
    assert times["takeover"] < 30
    assert_mirrors_jira(fake, directory)
