"""Many members in one write: Jira's one-user calls issued concurrently, still all-or-nothing."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from jiraclient.observers import JiraCall, add_observer, remove_observer
from provisioning.models import ScimMembership, ScimUser
from tests.fakejira import FakeJira
from tests.provisioning.conftest import ScimClient, assert_scim_error

from .conftest import members_op
from .test_groups import group_body, make_users

pytestmark = pytest.mark.django_db

MEMBER = "/rest/api/2/group/user"
NAMES = [f"m{i:02d}" for i in range(24)]


@pytest.fixture
def member_threads() -> Any:
    """The names of the threads that sent member calls."""
    seen: set[str] = set()
    lock = threading.Lock()

    def observe(call: JiraCall) -> None:
        if call.path.endswith("/group/user"):
            with lock:
                seen.add(threading.current_thread().name)

    add_observer(observe)
    yield seen
    remove_observer(observe)


def test_post_groups_members_sent_concurrently(
    idp: ScimClient, jira: FakeJira, settings: Any, member_threads: set[str]
) -> None:
    settings.JIRA_MEMBER_WRITE_CONCURRENCY = 4
    ids = make_users(idp, *NAMES)
    jira.delay("POST", MEMBER, 0.02)  # long enough for calls to overlap

    response = idp.post("Groups", group_body("Crowd", *ids))

    assert response.status_code == 201, response.content
    assert jira.members("Crowd") == set(NAMES)
    assert len(response.json()["members"]) == len(NAMES)
    assert ScimMembership.objects.filter(jira_confirmed_at__isnull=False).count() == len(NAMES)
    workers = {name for name in member_threads if name.startswith("scimbridge-jira")}
    assert 1 < len(workers) <= 4  # several threads, never more than the setting


def test_concurrency_one_sends_from_the_request_thread(
    idp: ScimClient, jira: FakeJira, settings: Any, member_threads: set[str]
) -> None:
    settings.JIRA_MEMBER_WRITE_CONCURRENCY = 1
    ids = make_users(idp, *NAMES[:5])
    response = idp.post("Groups", group_body("Serial", *ids))
    assert response.status_code == 201, response.content
    assert jira.members("Serial") == set(NAMES[:5])
    assert not any(name.startswith("scimbridge-jira") for name in member_threads)


def test_failure_rolls_back_and_the_retry_converges(
    idp: ScimClient, jira: FakeJira, settings: Any
) -> None:
    settings.JIRA_MEMBER_WRITE_CONCURRENCY = 4
    settings.JIRA_BLIP_ATTEMPTS = 1  # the failure reaches the IdP
    ids = make_users(idp, *NAMES)
    group = idp.create_group("Flaky")
    jira.fail("POST", MEMBER, skip=6)  # six calls get through, every later one fails

    body = assert_scim_error(idp.patch_ops(f"Groups/{group['id']}", members_op("add", *ids)), 503)

    assert "to Jira group 'Flaky'" in body["detail"]
    applied = jira.members("Flaky")
    assert 0 < len(applied) < len(NAMES)  # Jira holds part of it...
    assert not ScimMembership.objects.exists()  # ...the tables none of it
    # The first failure stopped the calls not yet started.
    assert len(jira.requests("POST", MEMBER)) < len(NAMES) * 4

    jira.faults.clear()
    retry = idp.patch_ops(f"Groups/{group['id']}", members_op("add", *ids))

    assert retry.status_code == 204, retry.content
    assert jira.members("Flaky") == set(NAMES)
    assert ScimMembership.objects.count() == len(NAMES)


def test_unlinked_member_refuses_before_any_call(
    idp: ScimClient, jira: FakeJira, settings: Any
) -> None:
    settings.JIRA_MEMBER_WRITE_CONCURRENCY = 4
    ids = make_users(idp, *NAMES[:6])
    group = idp.create_group("Checked")
    ScimUser.objects.filter(user_name=NAMES[5]).update(jira_user_key=None)
    jira.clear_requests()

    response = idp.patch_ops(f"Groups/{group['id']}", members_op("add", *ids))

    assert_scim_error(response, 409)
    assert jira.requests("POST", MEMBER) == []
    assert jira.members("Checked") == set()


def test_blip_rerun_repeats_only_what_failed(
    idp: ScimClient, jira: FakeJira, settings: Any
) -> None:
    settings.JIRA_MEMBER_WRITE_CONCURRENCY = 4
    ids = make_users(idp, *NAMES[:12])
    group = idp.create_group("Blip")
    jira.clear_requests()
    jira.fail("POST", MEMBER, skip=3, count=8)  # past the client's own retries for some

    response = idp.patch_ops(f"Groups/{group['id']}", members_op("add", *ids))

    assert response.status_code == 204, response.content
    assert jira.members("Blip") == set(NAMES[:12])
    # Each member's call succeeded once: no call was repeated after it had succeeded.
    succeeded = [r for r in jira.requests("POST", MEMBER) if r.status < 300]
    assert len(succeeded) == 12
