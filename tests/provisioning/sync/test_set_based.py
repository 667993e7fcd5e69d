"""Sync's set-based writes: concurrent member reads, no per-member query, fresh statistics."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from configurations.models import Directory
from provisioning.models import ScimMembership
from provisioning.sync import statistics
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
        any(q["sql"].startswith("ANALYZE") for q in ctx.captured_queries)
        for ctx in (first, second)
    ]
    assert analyzed == [connection.vendor == "postgresql", False]
