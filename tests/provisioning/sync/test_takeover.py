"""The takeover rule: a task takes a running run over only when its owner cannot be writing."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core import checks
from django.utils import timezone

from configurations.models import Directory
from provisioning.sync.engine import run_execute
from provisioning.sync.models import SyncRun
from provisioning.sync.runs import RunContext, RunLost, run_begin, run_request
from provisioning.sync.takeover import KEEPALIVE, PLAIN, Owner, host_identity, owner_gone
from provisioning.sync.tasks import requeue_stale_runs
from tests.fakejira import FakeJira

from .conftest import assert_mirrors_jira

pytestmark = pytest.mark.django_db
WINDOWS = {"SYNC_STALE_SECONDS": 300, "SYNC_TAKEOVER_GRACE_SECONDS": 15}


def _dead_pid() -> int:
    """The PID of a process that has exited and been reaped."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def _running(directory: Directory, *, owner: Owner | str, silent: float) -> SyncRun:
    """A run marked running by ``owner``, whose last heartbeat was ``silent`` seconds ago."""
    run = run_request(directory=directory, kind=SyncRun.Kind.SYNC)
    beat = timezone.now() - timedelta(seconds=silent)
    SyncRun.objects.filter(pk=run.pk).update(
        status=SyncRun.Status.RUNNING, started_at=beat, heartbeat_at=beat, owner=str(owner)
    )
    run.refresh_from_db()
    return run


@pytest.fixture
def directory(fake_jira: FakeJira, make_directory: Callable[..., Directory]) -> Directory:
    """A directory on a small fake Jira."""
    fake_jira.seed_users(5)
    fake_jira.seed_group("eng", members=["user00001", "user00002"])
    return make_directory(fake_jira)


@pytest.fixture(autouse=True)
def windows(settings: Any) -> None:
    """Fixed stale window and grace, whatever the environment says."""
    for name, value in WINDOWS.items():
        setattr(settings, name, value)


class TestRule:
    """owner_gone() for every kind of owner."""

    def test_live_owner_on_this_host_keeps_its_run(self, directory: Directory) -> None:
        run = _running(directory, owner=Owner.here(keepalive=True), silent=1)
        assert owner_gone(run, timezone.now()) is None
        assert run_begin(run_id=run.pk) is None

    def test_dead_process_on_this_host_is_taken_over_at_once(self, directory: Directory) -> None:
        dead = Owner(host_identity(), _dead_pid(), KEEPALIVE, "old")
        run = _running(directory, owner=dead, silent=0)
        assert "is gone" in owner_gone(run, timezone.now())
        taken = run_begin(run_id=run.pk)
        assert taken is not None
        assert taken.attempts == run.attempts + 1
        assert Owner.parse(taken.owner).pid == os.getpid()

    def test_zombie_counts_as_gone(self, directory: Directory) -> None:
        """A killed child not yet reaped by its parent exists only as a zombie."""
        child = subprocess.Popen([sys.executable, "-c", "pass"])
        stat = Path(f"/proc/{child.pid}/stat")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and stat.read_text().rpartition(")")[2].split()[0] != "Z":
            time.sleep(0.02)
        try:
            run = _running(directory, owner=Owner(host_identity(), child.pid, PLAIN, "z"), silent=0)
            assert owner_gone(run, timezone.now()) is not None
        finally:
            child.wait()

    def test_other_host_keepalive_owner_within_grace_keeps_its_run(
        self, directory: Directory
    ) -> None:
        run = _running(directory, owner=Owner("elsewhere/ns", 1, KEEPALIVE, "t"), silent=10)
        assert owner_gone(run, timezone.now()) is None

    def test_other_host_keepalive_owner_silent_past_grace_is_taken_over(
        self, directory: Directory
    ) -> None:
        run = _running(directory, owner=Owner("elsewhere/ns", 1, KEEPALIVE, "t"), silent=20)
        assert "keepalive stopped" in owner_gone(run, timezone.now())
        assert run_begin(run_id=run.pk) is not None

    def test_pid_of_another_host_is_not_checked(self, directory: Directory) -> None:
        """A PID means nothing on another machine (or container): only the heartbeat counts."""
        run = _running(directory, owner=Owner("elsewhere/ns", _dead_pid(), PLAIN, "t"), silent=20)
        assert owner_gone(run, timezone.now()) is None

    def test_owner_without_keepalive_waits_for_the_stale_window(
        self, directory: Directory
    ) -> None:
        """A command beats only with progress: a slow Jira call must not lose its run."""
        run = _running(directory, owner=Owner("elsewhere/ns", 1, PLAIN, "t"), silent=200)
        assert owner_gone(run, timezone.now()) is None
        SyncRun.objects.filter(pk=run.pk).update(
            heartbeat_at=timezone.now() - timedelta(seconds=301)
        )
        run.refresh_from_db()
        assert "no heartbeat" in owner_gone(run, timezone.now())

    def test_row_without_owner_waits_for_the_stale_window(self, directory: Directory) -> None:
        run = _running(directory, owner="", silent=200)
        assert owner_gone(run, timezone.now()) is None

    def test_old_owner_is_fenced_after_a_takeover(self, directory: Directory) -> None:
        """Once taken over, the previous owner's next heartbeat stops it; it cannot finish."""
        first = run_begin(run_id=run_request(directory=directory, kind=SyncRun.Kind.SYNC).pk)
        old = RunContext(run=first)
        SyncRun.objects.filter(pk=first.pk).update(
            heartbeat_at=timezone.now() - timedelta(seconds=301)
        )
        second = run_begin(run_id=first.pk)
        assert second is not None
        assert second.owner != first.owner
        with pytest.raises(RunLost):
            old.beat(force=True)
        old.finish(SyncRun.Status.FAILED, "should not land")
        second.refresh_from_db()
        assert second.status == SyncRun.Status.RUNNING


def test_beat_requeues_a_run_whose_owner_is_gone(
    fake_jira: FakeJira, directory: Directory, make_directory: Callable[..., Directory]
) -> None:
    """Beat's sweep re-queues the orphan (eager here), which takes it over and completes it."""
    dead = Owner(host_identity(), _dead_pid(), KEEPALIVE, "old")
    orphan = _running(directory, owner=dead, silent=0)
    orphan_attempts = orphan.attempts
    live = _running(
        make_directory(fake_jira, name="other"),
        owner=Owner.here(keepalive=True),
        silent=1,
    )
    assert requeue_stale_runs() == 1
    orphan.refresh_from_db()
    live.refresh_from_db()
    assert orphan.status == SyncRun.Status.SUCCEEDED
    assert orphan.attempts == orphan_attempts + 1
    assert live.status == SyncRun.Status.RUNNING
    assert_mirrors_jira(fake_jira, directory)
    assert run_execute(run_id=orphan.pk) is None


class TestWindowsAgree:
    """The system check ties the broker's visibility timeout to the stale window."""

    def _ids(self) -> set[str]:
        return {message.id for message in checks.run_checks(tags=[checks.Tags.compatibility])}

    def test_defaults_agree(self) -> None:
        assert not {"provisioning.E010", "provisioning.W011", "provisioning.E012"} & self._ids()

    def test_visibility_shorter_than_stale_window_is_an_error(self, settings: Any) -> None:
        settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 200}
        assert {"provisioning.E010", "provisioning.W011"} <= self._ids()

    def test_grace_of_less_than_two_heartbeats_is_an_error(self, settings: Any) -> None:
        settings.SYNC_HEARTBEAT_SECONDS = 10
        assert "provisioning.E012" in self._ids()


def test_beat_schedule_names_the_requeue_task() -> None:
    """The sweep is scheduled next to the last-login refresh, under its stable name."""
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["provisioning-requeue-stale-runs"]
    assert entry["task"] == requeue_stale_runs.name == "provisioning.tasks.requeue_stale_runs"
