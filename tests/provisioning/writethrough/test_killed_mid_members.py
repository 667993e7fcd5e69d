"""A gunicorn worker SIGKILLed in the middle of a many-member write; the IdP's retry converges.

Real processes: gunicorn with the shipped configuration serves the SCIM API, the fake Jira
(in this process) answers each member call after 20 ms, and the worker is killed with
SIGKILL once Jira has applied part of the members — the state a gunicorn timeout or an
out-of-memory kill leaves. The IdP then replays its request; Jira must end up holding
exactly the intended members, and the SCIM tables the same, with no intent left over.
PostgreSQL only: the group's intent is committed before its POST on a connection of its own,
which SQLite's single writer cannot do (jira-writethrough.md "Interrupted writes").
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from configurations.models import Directory
from configurations.services import scim_configuration_create
from provisioning.models import JiraIntent, ScimGroup, ScimMembership, ScimUser
from tests.fakejira import FakeJira
from tests.processes import stop
from tests.provisioning.sync.conftest import run_now, site_for
from tests.test_serving import Served, _free_port, _wait_until_serving, start_gunicorn

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.slow,  # real processes (~15 s on a quiet machine); PostgreSQL only: runs once
    pytest.mark.skipif(
        connection.vendor == "sqlite",
        reason="SQLite has one writer: the intent cannot be committed apart (documented)",
    ),
]

ROOT = Path(__file__).resolve().parents[3]
MEMBER = "/rest/api/2/group/user"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
MEMBERS = 240


@pytest.fixture
def jira(fake_jira_factory: Any) -> FakeJira:
    fake = fake_jira_factory("10.3.2")
    fake.seed_users(MEMBERS)
    return fake


@pytest.fixture
def directory(transactional_db: Any, jira: FakeJira) -> Directory:
    """The Jira users mapped by a sync (linked rows, as the IdP's users would be)."""
    directory = Directory.objects.create(name="Okta users", jira_site=site_for(jira))
    assert run_now(directory).status == "succeeded"
    return directory


@pytest.fixture
def server(directory: Directory, tmp_path: Path) -> Iterator[tuple[Served, subprocess.Popen]]:
    _, credentials = scim_configuration_create(name="okta", directory=directory)
    port = _free_port()
    process = start_gunicorn(tmp_path, port, JIRA_MEMBER_WRITE_CONCURRENCY="4")
    try:
        _wait_until_serving(process, port)
        yield Served(port=port, token=credentials.token), process
    finally:
        stop(process, sig=signal.SIGINT, timeout=15, ok=(0, -signal.SIGINT))


def _worker_pid(master: subprocess.Popen) -> int:
    children = Path(f"/proc/{master.pid}/task/{master.pid}/children").read_text().split()
    assert len(children) == 1, children
    return int(children[0])


def _send_and_kill(
    server: tuple[Served, subprocess.Popen], jira: FakeJira, method: str, path: str, body: Any
) -> None:
    """Send the request and SIGKILL the worker once Jira applied a third of the members."""
    served, master = server
    worker = _worker_pid(master)
    outcome: list[Any] = []

    def send() -> None:
        try:
            outcome.append(served.request(method, path, json.dumps(body), _headers())[0])
        except OSError as exc:  # the worker died under the request
            outcome.append(exc)

    sender = threading.Thread(target=send)
    sender.start()
    deadline = time.monotonic() + 30
    while len(jira.requests("POST", MEMBER)) < MEMBERS // 3:
        assert time.monotonic() < deadline, "Jira never saw the member calls"
        assert not outcome, outcome  # answered before the kill: nothing interrupted
        time.sleep(0.005)
    os.kill(worker, signal.SIGKILL)
    sender.join(timeout=15)
    assert outcome, "the request never ended"
    assert not isinstance(outcome[0], int), outcome  # no answer: the worker died
    _wait_until_serving(master, served.port)  # the master forked a new worker


def _headers() -> dict[str, str]:
    return {"Content-Type": "application/scim+json"}


def _refs() -> list[dict[str, str]]:
    return [{"value": str(pk)} for pk in ScimUser.objects.values_list("pk", flat=True)]


def test_writes_killed_mid_members_converge_on_retry(
    server: tuple[Served, subprocess.Popen], jira: FakeJira
) -> None:
    """One server for both shapes (a gunicorn boot costs seconds): POST /Groups, then PATCH."""
    served, _ = server
    status, _, content = served.request(
        "POST", "/scim/v2/Groups", json.dumps({"schemas": [GROUP_SCHEMA], "displayName": "Grow"}),
        _headers(),
    )
    assert status == 201, content
    grown = json.loads(content)["id"]
    jira.delay("POST", MEMBER, 0.02)
    intended = set(ScimUser.objects.values_list("user_name", flat=True))
    body = {"schemas": [GROUP_SCHEMA], "displayName": "Big push", "members": _refs()}

    # POST /Groups with every member, killed after the group and a third of the members.
    _send_and_kill(server, jira, "POST", "/scim/v2/Groups", body)

    assert 0 < len(jira.members("Big push")) < MEMBERS  # half-done in Jira...
    assert not ScimGroup.objects.filter(display_name="Big push").exists()  # ...not in the tables
    assert JiraIntent.objects.filter(jira_name="Big push").exists()  # committed before the POST

    status, _, content = served.request("POST", "/scim/v2/Groups", json.dumps(body), _headers())

    assert status == 201, content
    assert jira.members("Big push") == intended
    group = ScimGroup.objects.get(display_name="Big push")
    assert ScimMembership.objects.filter(group=group).count() == MEMBERS
    assert not JiraIntent.objects.exists()
    assert len(jira.requests("POST", "/rest/api/2/group")) == 2  # adopted, not re-created

    # PATCH adding every member to an existing group, killed the same way.
    jira.clear_requests()
    patch = {"schemas": [PATCH_SCHEMA],
             "Operations": [{"op": "add", "path": "members", "value": _refs()}]}

    _send_and_kill(server, jira, "PATCH", f"/scim/v2/Groups/{grown}", patch)

    assert 0 < len(jira.members("Grow")) < MEMBERS
    assert not ScimMembership.objects.filter(group_id=grown).exists()

    status, _, content = served.request(
        "PATCH", f"/scim/v2/Groups/{grown}", json.dumps(patch), _headers()
    )

    assert status in (200, 204), content
    assert jira.members("Grow") == intended
    assert ScimMembership.objects.filter(group_id=grown).count() == MEMBERS
