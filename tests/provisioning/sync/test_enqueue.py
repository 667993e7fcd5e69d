"""A utility run whose task the broker refuses fails at once and frees its directory."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from configurations.models import Directory
from provisioning.models import SyncRun, SyncRunError
from provisioning.sync.runs import active_run, run_request
from provisioning.sync.tasks import run_enqueue
from scimbridge.celery import app

UTILS = "/admin/provisioning/syncrun/utilities/"


def _closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def unreachable_broker() -> Iterator[str]:
    """Publish tasks (not eager) to a Redis URL that refuses connections."""
    url = f"redis://127.0.0.1:{_closed_port()}/14"
    saved = {key: app.conf[key] for key in ("task_always_eager", "broker_url")}
    app.conf.update(task_always_eager=False, broker_url=url)
    # Celery caches its connection and producer pools on first use (an eager task uses them
    # too), bound to the broker URL of that time. It has no public way to drop them; its own
    # after-fork reset does exactly that, so call it before and after (tests only).
    app._after_fork()
    try:
        yield url
    finally:
        app.conf.update(saved)
        app._after_fork()


class TestFailedEnqueue:
    """The run row is committed before the message is sent; a refused send must not leak it."""

    def test_run_fails_with_the_error_and_the_directory_is_free(
        self,
        unreachable_broker: str,
        directory: Directory,
        django_capture_on_commit_callbacks: Any,
    ) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            run = run_enqueue(directory=directory, kind=SyncRun.Kind.SYNC)
        run.refresh_from_db()
        assert run.status == SyncRun.Status.FAILED
        assert run.finished_at is not None
        assert "could not be queued" in run.message
        assert "Connection refused" in run.message
        error = SyncRunError.objects.get(run=run)
        assert error.object_type == "run"
        assert error.message == run.message
        assert active_run(directory=directory) is None
        # The lock is free now, not after SYNC_QUEUED_STALE_SECONDS.
        assert run_request(directory=directory, kind=SyncRun.Kind.SYNC).status == "queued"

    def test_admin_says_the_run_failed(
        self, unreachable_broker: str, transactional_db: object, admin_client: Client
    ) -> None:
        """Committed for real: the view's on_commit publish fails inside the request."""
        from configurations.models import JiraSite
        from configurations.services import directory_get_or_create

        site = JiraSite(name="jira", base_url="http://127.0.0.1:9", timeout=2)
        site.set_secret("site-pat-secret")
        site.save()
        directory = directory_get_or_create(name="Okta users", jira_site=site)
        response = admin_client.post(f"{UTILS}{directory.pk}/sync/", follow=True)
        assert response.status_code == 200
        assert "could not be queued" in response.content.decode()
        run = SyncRun.objects.get(directory=directory)
        assert run.status == SyncRun.Status.FAILED
        assert active_run(directory=directory) is None
