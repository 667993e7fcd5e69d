"""Concurrent writes (PostgreSQL): identical creates give one Jira object; DELETE vs add-member."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections

from provisioning.models import JiraIntent, ScimGroup, ScimMembership, ScimUser
from tests.fakejira import FakeJira
from tests.provisioning.conftest import GROUP_SCHEMA, ScimClient

from .conftest import MakeIdp, user_body

CONCURRENCY = 20

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor == "sqlite", reason="SQLite serialises writers: run on PostgreSQL"
    ),
]


def race(token: str, send: Callable[[ScimClient], Any]) -> tuple[Counter[int], list[Any]]:
    """Send the same request from CONCURRENCY threads at once, each with its own connection."""
    barrier = threading.Barrier(CONCURRENCY)
    responses: list[Any] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker() -> None:
        scim = ScimClient(token)
        try:
            barrier.wait(timeout=10)
            response = send(scim)
            with lock:
                responses.append(response)
        except BaseException as exc:  # reported below: a thread must not fail silently
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(CONCURRENCY)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return Counter(r.status_code for r in responses), responses


def test_identical_user_creates(make_idp: MakeIdp, jira: FakeJira) -> None:
    scim, configuration = make_idp(default_groups="staff")
    token = scim.token
    jira.delay("POST", "/rest/api/2/user", 0.05)  # widen the window the others wait in

    statuses, responses = race(token, lambda scim: scim.post("Users", user_body("racer")))

    assert statuses == Counter({201: 1, 409: CONCURRENCY - 1}), statuses
    conflict = next(r for r in responses if r.status_code == 409).json()
    assert conflict["scimType"] == "uniqueness"
    assert len(jira.requests("POST", "/rest/api/2/user")) == 1
    assert {u.name for u in jira.users.values()} == {jira.admin_username, "racer"}
    [row] = ScimUser.objects.all()
    assert row.jira_user_key == jira.user("racer").key
    assert jira.is_member("staff", "racer")
    assert not JiraIntent.objects.exists()
    assert row.directory_id == configuration.directory_id


def test_identical_group_creates(idp: ScimClient, jira: FakeJira) -> None:
    body = {"schemas": [GROUP_SCHEMA], "displayName": "Racing"}
    jira.delay("POST", "/rest/api/2/group", 0.05)

    statuses, _ = race(idp.token, lambda scim: scim.post("Groups", body))

    assert statuses == Counter({201: 1, 409: CONCURRENCY - 1}), statuses
    assert len(jira.requests("POST", "/rest/api/2/group")) == 1
    assert ScimGroup.objects.get().jira_group_name == "Racing"


def _both(token: str, first: Callable[[ScimClient], Any], second: Callable[[ScimClient], Any],
          gap: float) -> list[Any]:
    """Run `first`, then `second` `gap` seconds later, in two threads with own connections."""
    responses: list[Any] = [None, None]
    errors: list[BaseException] = []

    def worker(index: int, send: Callable[[ScimClient], Any], wait: float) -> None:
        try:
            time.sleep(wait)
            responses[index] = send(ScimClient(token))
        except BaseException as exc:  # reported below: a thread must not fail silently
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=worker, args=(0, first, 0.0)),
        threading.Thread(target=worker, args=(1, second, gap)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return responses


@pytest.mark.parametrize("delete_first", [True, False])
def test_delete_racing_add_member(idp: ScimClient, jira: FakeJira, delete_first: bool) -> None:
    """A DELETE of a user and its addition to a group at once: it never ends up a member."""
    user = idp.create_user("leaver", emails=[{"value": "leaver@example.com", "primary": True}])
    group = idp.create_group("Team")
    # Widen the window the first request holds its transaction open in (its Jira call).
    if delete_first:
        jira.delay("PUT", "/rest/api/2/user", 0.5)
    else:
        jira.delay("POST", "/rest/api/2/group/user", 0.5)

    def delete(scim: ScimClient) -> Any:
        return scim.delete(f"Users/{user['id']}")

    def add(scim: ScimClient) -> Any:
        operation = {"op": "add", "path": "members", "value": [{"value": user["id"]}]}
        return scim.patch_ops(f"Groups/{group['id']}", operation)

    responses = _both(idp.token, *((delete, add) if delete_first else (add, delete)), gap=0.2)

    deleted, added = responses if delete_first else responses[::-1]
    assert deleted.status_code == 204
    assert added.status_code in (204, 200, 400), added.content
    assert not ScimMembership.objects.filter(user_id=user["id"]).exists()
    assert not jira.is_member("Team", "leaver")
    assert ScimUser.objects.get(pk=user["id"]).is_hidden


def test_breaker_limit_holds_under_concurrent_deactivations(
    make_idp: MakeIdp, jira: FakeJira, wt_directory: Any
) -> None:
    """20 processes' worth of deactivations at once, limit 5: exactly 5 applied, never 6."""
    scim, _ = make_idp(max_deprovisions=5)
    keys = jira.seed_users(CONCURRENCY, prefix="racer")
    users = ScimUser.objects.bulk_create(
        ScimUser(
            directory=wt_directory,
            user_name=f"racer{n:05d}",
            active=True,
            resource={"userName": f"racer{n:05d}"},
            jira_user_key=key,
        )
        for n, key in enumerate(keys, start=1)
    )
    pending = iter(users)
    lock = threading.Lock()
    jira.delay("PUT", "/rest/api/2/user", 0.05)  # hold each transaction open a while

    def deactivate(scim: ScimClient) -> Any:
        with lock:
            user = next(pending)
        return scim.patch_ops(
            f"Users/{user.pk}", {"op": "replace", "path": "active", "value": False}
        )

    statuses, _ = race(scim.token, deactivate)

    assert statuses == Counter({200: 5, 503: CONCURRENCY - 5}), statuses
    assert sum(1 for u in jira.users.values() if u.name.startswith("racer") and u.active) == 15
