"""The Okta on-premises provisioning agent (SCIM 1.1) replayed over HTTP against /scim/v1."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fakejira import FakeJira

from .client import CORE_1, IdpClient, expect, expect_error_v1
from .conftest import MakeIdp

pytestmark = pytest.mark.django_db(transaction=True)

MEMBERSHIP = "/rest/api/2/group/user"


@pytest.fixture
def agent(make_idp: MakeIdp) -> IdpClient:
    """The agent, as a 1.1 client of a configuration whose DELETE disables users."""
    agent = make_idp(
        "okta-opp",
        version="v1",
        user_agent="Okta Provisioning Agent replay",
        content_type="application/json",
    )
    if agent.get("ServiceProviderConfigs").status_code == 404:
        pytest.skip("/scim/v1 is not served yet")
    return agent


def user11(user_name: str, given: str, family: str, **extra: Any) -> dict[str, Any]:
    """A user as the agent creates it (SCIM 1.1 core schema, password included)."""
    return {
        "schemas": [CORE_1],
        "userName": user_name,
        "name": {"givenName": given, "familyName": family},
        "emails": [{"primary": True, "value": user_name, "type": "work"}],
        "displayName": f"{given} {family}",
        "externalId": f"00u-{given.lower()}",
        "password": "t1meMach1ne!",
        "active": True,
        **extra,
    }


def lookup(agent: IdpClient, user_name: str) -> list[dict[str, Any]]:
    """The agent's lookup before a create, exactly as it encodes it."""
    query = f"filter=userName%20eq%20%22{user_name}%22&startIndex=1&count=100"
    return expect(agent.get("Users", query), 200).get("Resources", [])


def test_replay(agent: IdpClient, jira: FakeJira) -> None:
    """Connection test, lookup, create, PUT, deactivate/reactivate, group push, unlink."""
    users = expect(agent.get("Users", {"startIndex": 1, "count": 2}), 200)
    groups = expect(agent.get("Groups", {"startIndex": 1, "count": 100}), 200)
    assert users["totalResults"] == groups["totalResults"] == 0
    assert CORE_1 in users["schemas"]
    assert expect(agent.get("ServiceProviderConfigs"), 200)["patch"]["supported"] is True

    assert lookup(agent, "dana@fbi.example") == []
    dana = expect(agent.post("Users", user11("dana@fbi.example", "Dana", "Scully")), 201)
    assert dana["schemas"] == [CORE_1]
    jira_dana = jira.user("dana@fbi.example")
    assert (jira_dana.display_name, jira_dana.active, jira_dana.password) == (
        "Dana Scully",
        True,
        "t1meMach1ne!",
    )
    [found] = lookup(agent, "dana@fbi.example")
    assert found["id"] == dana["id"]

    # Profile push: a PUT of the whole user.
    url = f"Users/{dana['id']}"
    body = user11("dana@fbi.example", "Dana", "Scully", displayName="Dana K. Scully")
    body.pop("password")
    expect(agent.put(url, body), 200)
    assert jira.user("dana@fbi.example").display_name == "Dana K. Scully"

    # Deactivate and reactivate: PATCH with the id and `active`.
    for active in (False, True):
        answer = expect(
            agent.patch(url, {"schemas": [CORE_1], "id": dana["id"], "active": active}), 200
        )
        assert answer["active"] is active
        assert jira.user("dana@fbi.example").active is active

    # Group push: created empty, then PATCHes with the full member list.
    fox = expect(agent.post("Users", user11("fox@fbi.example", "Fox", "Mulder")), 201)
    group = expect(
        agent.post("Groups", {"schemas": [CORE_1], "displayName": "X-Files", "members": []}), 201
    )
    assert jira.members("X-Files") == set()
    gurl = f"Groups/{group['id']}"
    full: dict[str, Any] = {
        "schemas": [CORE_1],
        "id": group["id"],
        "displayName": "X-Files",
        "members": [
            {"value": dana["id"], "display": "dana@fbi.example"},
            {"value": fox["id"], "display": "fox@fbi.example"},
        ],
    }
    expect(agent.patch(gurl, full), 204)
    assert jira.members("X-Files") == {"dana@fbi.example", "fox@fbi.example"}
    full["members"][1]["operation"] = "delete"
    jira.clear_requests()
    expect(agent.patch(gurl, full), 204)
    assert jira.members("X-Files") == {"dana@fbi.example"}
    assert [r.method for r in jira.requests(path=MEMBERSHIP)] == ["DELETE"]

    # Errors come in the 1.1 shape.
    expect_error_v1(agent.get("Users/no-such-id"), 404)
    expect_error_v1(agent.post("Users", user11("dana@fbi.example", "Dana", "Scully")), 409)

    # Unlink the group; unassign the user (the agent deactivates it).
    expect(agent.delete(gurl), 204)
    assert jira.group("X-Files") is None
    expect(agent.patch(url, {"schemas": [CORE_1], "id": dana["id"], "active": False}), 200)
    assert jira.user("dana@fbi.example").active is False
