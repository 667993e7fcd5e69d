"""The sync task through a real Celery worker on Redis (not in-process), watched from the admin."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from celery import Celery
from django.db import connection
from django.test import Client

from configurations.models import Directory
from provisioning.sync.models import SyncRun
from provisioning.sync.runs import run_request
from tests.fakejira import FakeJira
from tests.processes import require_redis, stop

from .conftest import assert_mirrors_jira, seed_site

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")
ROOT = Path(__file__).resolve().parents[3]


def _database_url() -> str:
    """pytest-django's test database, as a URL the worker's settings understand."""
    db = connection.settings_dict
    auth = quote(db.get("USER") or "")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"])
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{auth}@{host}:{port}/{db['NAME']}"


@pytest.fixture
def worker_queue(transactional_db: object) -> Iterator[str]:
    """A Celery worker subprocess on Redis, consuming a queue of its own, against the test DB."""
    if connection.vendor != "postgresql":
        pytest.skip("The worker needs committed data in a database it can open: PostgreSQL only.")
    require_redis(REDIS_URL)
    queue = f"scimbridge-sync-test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "scimbridge.settings_test",
        "CELERY_BROKER_URL": REDIS_URL,
        "DATABASE_URL": _database_url(),
    }
    worker = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "scimbridge",
            "worker",
            "--pool=solo",
            "--without-mingle",
            "--without-gossip",
            "--loglevel=WARNING",
            "-Q",
            queue,
            "-n",
            f"{queue}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        yield queue
    finally:
        stop(worker)


def _producer() -> Celery:
    """A client app publishing to Redis (this test process's own settings run tasks eagerly)."""
    # Not the current app: shared tasks of later tests must keep publishing through ours.
    return Celery("scimbridge-test-producer", broker=REDIS_URL, set_as_current=False)


def test_sync_through_worker_with_live_statistics(
    worker_queue: str,
    fake_jira_factory: Callable[..., FakeJira],
    make_directory: Callable[..., Directory],
    admin_client: Client,
) -> None:
    """The worker runs the task; the admin status endpoint shows it running, then done."""
    fake = fake_jira_factory("10.3.2")
    seed_site(fake, users=1500, groups=40, per_group=50)
    # Slow member pages a little so that progress can be watched while it runs.
    fake.delay("GET", "/rest/api/2/group/member", 0.02)
    directory = make_directory(fake)
    run = run_request(directory=directory, kind=SyncRun.Kind.SYNC)
    producer = _producer()
    producer.send_task("provisioning.tasks.execute_run", args=[run.pk], queue=worker_queue)

    seen_running = []
    deadline = time.monotonic() + 120
    status: dict[str, object] = {}
    while time.monotonic() < deadline:
        status = admin_client.get(f"/admin/provisioning/syncrun/{run.pk}/status.json").json()
        if status["status"] == "running":
            seen_running.append(status["counters"])
        if not status["active"]:
            break
        time.sleep(0.2)
    producer.close()
    assert status["status"] == "succeeded", status
    assert seen_running, "the statistics never showed the run in progress"
    assert any(sum(c["users"].values()) or sum(c["groups"].values()) for c in seen_running)
    assert status["counters"]["users"]["created"] == 1500
    assert_mirrors_jira(fake, directory)
