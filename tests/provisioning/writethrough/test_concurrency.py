"""Concurrent identical creates: one 201, the rest 409, one Jira object (PostgreSQL)."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections

from provisioning.models import JiraIntent, ScimGroup, ScimUser
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
