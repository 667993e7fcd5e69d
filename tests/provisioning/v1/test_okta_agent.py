"""Okta's on-premises provisioning agent (SCIM 1.1) replayed against a fake Jira.

Every write goes through the Jira write-through (the write-through tests' fixtures), so the
replay asserts what Jira ends up holding, not only what the SCIM API answers.
"""

from __future__ import annotations

from typing import Any

import pytest

from auditlog.models import AuditEntry, Operation
from auditlog.services import audit_log_set_enabled
from provisioning.models import ScimUser
from tests.fakejira import FakeJira
from tests.provisioning.conftest import ScimClient

# jira_applier is autouse where imported: every write of these tests goes to the fake Jira.
from tests.provisioning.writethrough.conftest import (
    MakeIdp,
    jira_applier,  # noqa: F401
)

from .conftest import CORE, assert_v1_error, group11, user11, v1_client

pytestmark = pytest.mark.django_db

MEMBERSHIP = "/rest/api/2/group/user"


@pytest.fixture
def agent(idp: ScimClient) -> ScimClient:
    """The agent: a 1.1 client of an IdP whose DELETE disables users."""
    return v1_client(idp.token)


def lookup(agent: ScimClient, user_name: str) -> dict[str, Any]:
    """The agent's lookup before a create."""
    response = agent.get("Users", filter=f'userName eq "{user_name}"', startIndex=1, count=100)
    assert response.status_code == 200, response.content
    return response.json()


def test_replay(agent: ScimClient, jira: FakeJira) -> None:
    # Connection test, then the configuration document.
    users = agent.get("Users", startIndex=1, count=2)
    groups = agent.get("Groups", startIndex=1, count=100)
    config = agent.get("ServiceProviderConfigs")
    assert (users.status_code, groups.status_code, config.status_code) == (200, 200, 200)
    assert users.json()["totalResults"] == groups.json()["totalResults"] == 0
    assert config.json()["patch"]["supported"] is True

    # Lookup, create.
    assert lookup(agent, "dana.scully@fbi.gov")["totalResults"] == 0
    response = agent.post("Users", user11("dana.scully@fbi.gov"))
    assert response.status_code == 201, response.content
    dana = response.json()
    jira_user = jira.user("dana.scully@fbi.gov")
    assert jira_user is not None
    assert (jira_user.email, jira_user.display_name, jira_user.active) == (
        "dana.scully@fbi.gov",
        "Dana Scully",
        True,
    )
    assert jira_user.password == "t1meMach1ne!"
    assert lookup(agent, "dana.scully@fbi.gov")["Resources"][0]["id"] == dana["id"]
    assert agent.get(f"Users/{dana['id']}").json()["userName"] == "dana.scully@fbi.gov"

    # PUT update (the agent sends the whole user).
    body = {
        **user11("dana.scully@fbi.gov"),
        "displayName": "Dana Katherine Scully",
        "emails": [{"primary": True, "value": "scully@fbi.gov", "type": "work"}],
    }
    body.pop("password")
    response = agent.put(f"Users/{dana['id']}", body)
    assert response.status_code == 200, response.content
    jira_user = jira.user("dana.scully@fbi.gov")
    assert (jira_user.display_name, jira_user.email) == ("Dana Katherine Scully", "scully@fbi.gov")

    # Deactivate, reactivate, deactivate: booleans as Okta sends them, and as strings.
    for active, expected in ((False, False), ("true", True), ("false", False)):
        response = agent.patch(
            f"Users/{dana['id']}", {"schemas": [CORE], "id": dana["id"], "active": active}
        )
        assert response.status_code == 200, response.content
        assert response.json()["active"] is expected
        assert jira.user("dana.scully@fbi.gov").active is expected
    agent.patch(f"Users/{dana['id']}", {"schemas": [CORE], "id": dana["id"], "active": True})

    # Group push: create empty, then full member lists.
    fox = agent.post("Users", user11("fox.mulder")).json()
    response = agent.post("Groups", {"schemas": [CORE], "displayName": "X-Files", "members": []})
    assert response.status_code == 201, response.content
    group = response.json()
    assert jira.group("X-Files") is not None
    assert jira.members("X-Files") == set()

    url = f"Groups/{group['id']}"
    full = {
        "schemas": [CORE],
        "id": group["id"],
        "displayName": "X-Files",
        "members": [
            {"value": dana["id"], "display": "dana.scully@fbi.gov"},
            {"value": fox["id"], "display": "fox.mulder"},
        ],
    }
    assert agent.patch(url, full).status_code == 204
    assert jira.members("X-Files") == {"dana.scully@fbi.gov", "fox.mulder"}

    # The same full list again: nothing to do in Jira.
    jira.clear_requests()
    assert agent.patch(url, full).status_code == 204
    assert jira.requests(path=MEMBERSHIP) == []

    # Removal marked "operation": "delete"; the unchanged name is no rename.
    full["members"][1]["operation"] = "delete"
    assert agent.patch(url, full).status_code == 204
    assert jira.members("X-Files") == {"dana.scully@fbi.gov"}
    assert [r.method for r in jira.requests(path=MEMBERSHIP)] == ["DELETE"]
    assert jira.group("X-Files") is not None
    assert agent.get(url).json()["members"] == [
        {"value": dana["id"], "type": "User", "display": "dana.scully@fbi.gov"}
    ]

    # Unlink the group, then delete the user (this IdP disables rather than deletes).
    assert agent.delete(url).status_code == 204
    assert jira.group("X-Files") is None
    assert agent.delete(f"Users/{dana['id']}").status_code == 204
    assert_v1_error(agent.get(f"Users/{dana['id']}"), 404)
    assert jira.user("dana.scully@fbi.gov").active is False
    assert lookup(agent, "dana.scully@fbi.gov")["totalResults"] == 0


def test_create_with_members_and_hard_delete(make_idp: MakeIdp, jira: FakeJira) -> None:
    """With "delete users" on, a 1.1 DELETE deletes the Jira user."""
    idp, _ = make_idp("deleting", delete_users=True)
    agent = v1_client(idp.token)
    ids = [agent.post("Users", user11(name)).json()["id"] for name in ("ann", "bob")]

    response = agent.post("Groups", group11("Staff", *ids))

    assert response.status_code == 201, response.content
    assert jira.members("Staff") == {"ann", "bob"}
    assert agent.delete(f"Users/{ids[0]}").status_code == 204
    assert jira.user("ann") is None
    assert jira.members("Staff") == {"bob"}
    assert not ScimUser.objects.filter(pk=ids[0]).exists()


def test_a_v2_patch_of_a_v1_user_reaches_jira(
    agent: ScimClient, idp: ScimClient, jira: FakeJira
) -> None:
    created = agent.post("Users", user11("walter.skinner")).json()

    idp.patch_ops(
        f"Users/{created['id']}", {"op": "replace", "path": "displayName", "value": "AD Skinner"}
    )

    assert jira.user("walter.skinner").display_name == "AD Skinner"
    assert agent.get(f"Users/{created['id']}").json()["displayName"] == "AD Skinner"


class TestJiraFailures:
    """Jira's refusals and outages reach the agent as 1.1 errors; the tables stay unchanged."""

    def test_jira_down_is_503(self, agent: ScimClient, jira: FakeJira) -> None:
        jira.stop()

        response = agent.post("Users", user11("ann"))

        detail = assert_v1_error(response, 503)
        # The site's name (often Jira's host name) stays in the server log.
        assert "Jira site" in detail
        assert "fake jira" not in detail
        assert response["Retry-After"]
        assert not ScimUser.objects.exists()

    def test_jira_5xx_on_patch_is_503(self, agent: ScimClient, jira: FakeJira) -> None:
        created = agent.post("Users", user11("bea")).json()
        jira.fail("PUT", "/rest/api/2/user", status=502)

        response = agent.patch(f"Users/{created['id']}", {"displayName": "Bea B"})

        assert_v1_error(response, 503)
        assert agent.get(f"Users/{created['id']}").json()["displayName"] == "Bea Test"

    def test_existing_jira_user_is_409(self, agent: ScimClient, jira: FakeJira) -> None:
        jira.seed_user("cat")
        assert_v1_error(agent.post("Users", user11("cat")), 409)


def test_audit_log(agent: ScimClient, jira: FakeJira) -> None:
    """1.1 requests are recorded like 2.0 ones, with the Jira calls they made."""
    audit_log_set_enabled(enabled=True)

    created = agent.post("Users", user11("dana.scully")).json()
    agent.get("Users", filter='userName eq "dana.scully"')
    agent.get("Users/nope")

    entries = list(AuditEntry.objects.order_by("created_at", "id"))
    assert [(e.method, e.path, e.status, e.operation) for e in entries] == [
        ("POST", "/scim/v1/Users", 201, Operation.CREATE),
        ("GET", "/scim/v1/Users", 200, Operation.LIST),
        ("GET", "/scim/v1/Users/nope", 404, Operation.READ),
    ]
    create = entries[0]
    assert (create.resource_type, create.resource_id) == ("User", created["id"])
    assert create.configuration_name == "idp"
    assert create.jira_call_count >= 1
    assert "t1meMach1ne!" not in create.request_body
