"""Sync's set-based writes: concurrent member reads, no per-member query, fresh statistics."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from configurations.models import Directory
from provisioning.models import ScimMembership, ScimUser, ScimUserValue
from provisioning.sync import statistics, users
from provisioning.sync.engine import run_execute
from provisioning.sync.models import SyncRun
from provisioning.sync.runs import run_request
from tests.fakejira import FakeJira

from .conftest import assert_mirrors_jira, run_now, seed_site

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(fake_jira: FakeJira, make_directory: Callable[..., Directory]) -> Directory:
    seed_site(fake_jira, users=120, groups=12, per_group=30)
    return make_directory(fake_jira)


@pytest.mark.parametrize("width", [1, 4])
def test_memberships_match_jira_at_any_read_concurrency(
    fake_jira: FakeJira, site: Directory, settings: Any, width: int
) -> None:
    settings.SYNC_JIRA_READ_CONCURRENCY = width
    run = run_now(site)
    assert run.status == "succeeded", run.message
    assert run.counters["memberships"]["created"] == 12 * 30
    assert_mirrors_jira(fake_jira, site)
    # Jira changes on both sides; the next run writes only the difference.
    with fake_jira.state.lock:  # no HTTP
        state = fake_jira.state
        leaver = state.require_user(username="user00080")
        state.remove_member(state.require_group("group-003"), leaver)
    fake_jira.add_member("group-007", "user00001")
    again = run_now(site)
    assert again.counters["memberships"]["created"] == 1
    assert again.counters["memberships"]["removed"] == 1
    assert_mirrors_jira(fake_jira, site)


def test_membership_queries_do_not_grow_with_members(
    fake_jira: FakeJira, site: Directory, settings: Any
) -> None:
    """A no-change run asks the database the same whether groups hold 30 or 90 members."""
    settings.SYNC_JIRA_READ_CONCURRENCY = 1
    run_now(site)
    with CaptureQueriesContext(connection) as small:
        run_now(site)
    for g in range(12):
        for j in range(30, 90):
            fake_jira.add_member(f"group-{g:03d}", f"user{(g * 25 + j) % 120 + 1:05d}")
    run_now(site)
    with CaptureQueriesContext(connection) as large:
        run_now(site)
    assert ScimMembership.objects.count() > 12 * 60
    membership_queries = [
        len([q for q in ctx.captured_queries if "scimmembership" in q["sql"].lower()])
        for ctx in (small, large)
    ]
    assert membership_queries[0] == membership_queries[1]


def test_large_run_analyzes_on_postgresql(
    fake_jira: FakeJira, site: Directory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(statistics, "ANALYZE_AFTER_ROWS", 100)
    with CaptureQueriesContext(connection) as first:
        run_now(site)
    with CaptureQueriesContext(connection) as second:  # nothing written: no ANALYZE
        run_now(site)
    analyzed = [
        any(q["sql"].startswith("ANALYZE") for q in ctx.captured_queries) for ctx in (first, second)
    ]
    assert analyzed == [connection.vendor == "postgresql", False]


WRITES = ("insert into", "update ", "delete from", "for update")


def test_a_run_that_changes_nothing_writes_nothing(fake_jira: FakeJira, site: Directory) -> None:
    """The rerun compares in Python against a plain read: no lock, insert, update or delete."""
    run_now(site)
    with CaptureQueriesContext(connection) as rerun:
        again = run_now(site)
    assert again.counters["users"]["seen"] == 120
    written = [
        q["sql"]
        for q in rerun.captured_queries
        if "scimuser" in q["sql"].lower() or "scimmembership" in q["sql"].lower()
        if any(word in q["sql"].lower() for word in WRITES)
    ]
    assert written == []


def test_a_scim_create_racing_the_insert_is_reported_and_the_others_land(
    fake_jira: FakeJira, site: Directory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A row SCIM created after the batch's read fails that user alone, with its reason."""
    original = users.triage

    def racing(*args: Any, **kwargs: Any) -> Any:
        to_lock = original(*args, **kwargs)
        if not ScimUser.objects.filter(user_name="USER00007").exists():
            ScimUser.objects.create(directory=site, user_name="USER00007")
        return to_lock

    monkeypatch.setattr(users, "triage", racing)
    run = run_now(site)
    assert run.status == "succeeded", run.message
    assert run.counters["users"]["created"] == 119
    assert run.counters["users"]["failed"] == 1
    error = run.errors.get()
    assert (error.object_name, "a SCIM write raced it" in error.message) == ("user00007", True)
    racer = ScimUser.objects.get(directory=site, user_name="USER00007")
    assert racer.jira_user_key is None
    # Every other user landed with its e-mail row; the next run links the SCIM row.
    assert ScimUserValue.objects.filter(user__directory=site).count() == 119
    monkeypatch.setattr(users, "triage", original)
    assert run_now(site).counters["users"]["linked"] == 1
    assert_mirrors_jira(fake_jira, site)


def test_sync_commits_do_not_wait_for_the_disk_until_the_final_status(site: Directory) -> None:
    """PostgreSQL: the batches commit asynchronously; the run's final status flushes them all."""
    if connection.vendor != "postgresql":
        pytest.skip("synchronous_commit is PostgreSQL's")

    def setting() -> str:
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            return cursor.fetchone()[0]

    seen: list[str] = []
    run = run_request(directory=site, kind=SyncRun.Kind.SYNC)
    finished = run_execute(run_id=run.pk, progress=lambda ctx: seen.append(setting()))
    assert finished is not None
    assert finished.status == SyncRun.Status.SUCCEEDED
    assert "off" in seen[:-1]
    assert (seen[-1], setting()) == ("on", "on")  # finish() ran after the reset
