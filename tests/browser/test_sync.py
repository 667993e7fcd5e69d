"""Flow 5: Sync Users & Groups returns at once; the statistics update live until it finishes.

The run executes in a real Celery worker (a subprocess on Redis), as in production: this
needs PostgreSQL (the worker must open the test database) and Redis; elsewhere it is
skipped (on SQLite without a broker, tasks run inside the request, as `scripts/start`'s
embedded default did before it had a worker).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.db import connection
from playwright.sync_api import expect

from configurations.models import JiraSite
from configurations.services import directory_get_or_create
from provisioning.models import ScimUser
from tests.fakejira import FakeJira
from tests.processes import require_redis, stop

pytestmark = pytest.mark.browser

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")
ROOT = Path(__file__).resolve().parents[2]
USERS = 2000


def _database_url() -> str:
    """pytest-django's test database as a URL for the worker's settings."""
    db = connection.settings_dict
    auth = quote(db.get("USER") or "")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"])
    host, port = db.get("HOST") or "127.0.0.1", db.get("PORT") or 5432
    return f"postgres://{auth}@{host}:{port}/{db['NAME']}"


def _forget_broker_pools(app: Any) -> None:
    """Close every kombu connection and producer pool and drop them (kombu keeps them by
    broker URL, process-wide), then the app's own (the reset Celery does after a fork)."""
    import kombu.pools

    kombu.pools.reset()
    app._after_fork()


@pytest.fixture
def worker(transactional_db: Any) -> Iterator[None]:
    """A Celery worker on Redis against the test database; the live server publishes to it."""
    if connection.vendor != "postgresql":
        pytest.skip("The worker must open the test database: PostgreSQL only (see docstring).")
    require_redis(REDIS_URL)
    from scimbridge.celery import app

    queue = f"scimbridge-browser-{os.getpid()}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "scimbridge.settings_test",
        "CELERY_BROKER_URL": REDIS_URL,
        "DATABASE_URL": _database_url(),
    }
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "-m", "celery", "-A", "scimbridge", "worker", "--pool=solo",
         "--without-mingle", "--without-gossip", "--loglevel=WARNING", "-Q", queue,
         "-n", f"{queue}@%h"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    saved = {key: app.conf[key] for key in ("task_always_eager", "broker_url", "task_routes")}
    # Forget any connection pool an earlier test built for the default broker (a publish of
    # a flow before this one); then this process (the live server's thread) publishes to
    # the worker instead of running tasks inline.
    _forget_broker_pools(app)
    app.conf.update(
        task_always_eager=False,
        broker_url=REDIS_URL,
        task_routes={"provisioning.tasks.execute_run": {"queue": queue}},
    )
    try:
        yield
    finally:
        # Close the Redis connections and forget the pools built for Redis, so that later
        # tasks run inline again (an eager apply_async still takes a producer).
        _forget_broker_pools(app)
        app.conf.update(saved)
        stop(process)


def test_sync_returns_at_once_and_statistics_update_live(
    logged_in: Any, fake_jira_factory: Callable[..., FakeJira], worker: None, shot: Any
) -> None:
    """The page answers before the run ends; the same tab shows it running, then done."""
    fake = fake_jira_factory("10.3.2")
    fake.seed_users(USERS)
    for g in range(12):
        members = [f"user{(g * 97 + j) % USERS + 1:05d}" for j in range(50)]
        fake.seed_group(f"group-{g:03d}", members=members)
    # Member pages slow enough that the run lasts several of the page's 1 s polls (12
    # groups: 3 s at least): with 30 ms a fast machine ran it in one second, between two
    # polls, and "Running" was never shown.
    fake.delay("GET", "/rest/api/2/group/member", 0.25)
    site = JiraSite(name="Jira DC", base_url=fake.url, timeout=10)
    site.set_secret(fake.admin_token)
    site.save()
    directory = directory_get_or_create(name="Okta users", jira_site=site)

    page = logged_in
    page.goto(f"/admin/provisioning/syncrun/utilities/?directory={directory.pk}")
    started = time.monotonic()
    page.get_by_role("button", name="Sync Users & Groups").click()
    expect(page.locator("ul.messagelist")).to_contain_text(
        "Sync users & groups of Okta users started."
    )
    assert time.monotonic() - started < 10, "the page waited for the run"
    assert ScimUser.objects.filter(directory=directory).count() < USERS

    status = page.locator(f"#directory-{directory.pk} .run-status")
    expect(status).to_contain_text("Running", timeout=30_000)
    shot("05-sync-running")
    expect(status).to_contain_text("Succeeded", timeout=90_000)
    created = status.locator("tr", has_text="users").locator("td").nth(1)
    expect(created).to_have_text(str(USERS))
    row = page.locator(f"#directory-{directory.pk}")
    expect(row.locator("td.last-sync")).to_contain_text("Succeeded")
    expect(row.get_by_role("button", name="Sync Users & Groups")).to_be_enabled()
    shot("05-sync-finished")
    assert ScimUser.objects.filter(directory=directory).count() == USERS
