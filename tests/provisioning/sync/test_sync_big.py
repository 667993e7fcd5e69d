"""Sync Users & Groups on 5,000 users / 200 groups / 20,000 memberships, per listing rule."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from configurations.models import Directory
from jiraclient import JiraTransient
from provisioning.sync.engine import run_execute
from provisioning.sync.models import SyncRun
from provisioning.sync.runs import run_request
from tests.fakejira import FakeJira

from .conftest import assert_mirrors_jira, run_now, seed_site, table_state

# (version, the listing endpoint that version is synced through)
VERSIONS = [
    ("9.12.4", "/rest/api/2/user/search"),
    ("10.0.1", "/rest/api/2/group/member"),
    ("10.3.2", "/rest/api/2/user/list"),
]


@pytest.mark.django_db(transaction=True)
class TestSyncBigSite:
    """One big site per version: full sync, idempotent rerun, interrupted run completed."""

    @pytest.mark.parametrize(("version", "listing"), VERSIONS)
    def test_full_rerun_and_interrupted(
        self,
        version: str,
        listing: str,
        fake_jira_factory: Callable[..., FakeJira],
        make_directory: Callable[..., Directory],
    ) -> None:
        """Interrupted by Jira mid-way, the retried run completes; a second run changes nothing."""
        fake = fake_jira_factory(version)
        seed_site(fake, users=5000, groups=200, per_group=100)
        directory = make_directory(fake)
        # Jira rate-limits the listing after a few pages, past the client's own retries.
        fake.rate_limit("GET", listing, retry_after=0, skip=3, count=4)

        run = run_request(directory=directory, kind=SyncRun.Kind.SYNC)
        with pytest.raises(JiraTransient):
            run_execute(run_id=run.pk)
        run.refresh_from_db()
        assert run.status == SyncRun.Status.QUEUED  # still holds the lock, waiting to retry
        assert run.counters["groups"]["created"] == 203  # committed before the interruption

        finished = run_execute(run_id=run.pk)  # the task's retry
        assert finished is not None
        assert finished.status == SyncRun.Status.SUCCEEDED, finished.message
        assert finished.attempts == 2
        assert_mirrors_jira(fake, directory)
        counters = finished.counters
        # Counted across both attempts: each user created once, some seen twice.
        assert counters["users"]["created"] == 5000
        assert counters["users"]["seen"] >= 5000
        assert counters["groups"]["created"] == 203
        assert counters["memberships"]["created"] == 20000
        assert counters["groups"]["failed"] == counters["users"]["failed"] == 0
        # The listing rule of the version was used (user/search is capped at 100 on 10.x).
        assert fake.requests("GET", listing)

        before = table_state(directory)
        again = run_now(directory)
        assert again.status == SyncRun.Status.SUCCEEDED
        for kind in ("users", "groups", "memberships"):
            for name in ("created", "linked", "updated", "removed", "failed"):
                assert again.counters[kind][name] == 0, (kind, name, again.counters)
        assert again.counters["users"]["seen"] == 5000
        assert table_state(directory) == before
        # Jira was only read.
        assert not [r for r in fake.requests() if r.method != "GET"]
