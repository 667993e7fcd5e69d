"""OneLogin's SCIM 2.0 connector replayed over HTTP: template-built bodies, emails as an object."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fakejira import FakeJira

from .client import (
    CORE_1,
    ENTERPRISE,
    GROUP,
    USER,
    IdpClient,
    expect,
    expect_created,
    expect_error_v1,
    expect_list,
)
from .conftest import MakeIdp

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def onelogin(make_idp: MakeIdp) -> IdpClient:
    """OneLogin's connector with a bearer token; DELETE disables."""
    return make_idp("onelogin", user_agent="OneLogin-SCIM-replay")


def onelogin_user(user_name: str, email: str, manager_id: str | None = None) -> dict[str, Any]:
    """A user from OneLogin's default JSON template: `emails` is one object, not a list."""
    body: dict[str, Any] = {
        "schemas": [USER, ENTERPRISE],
        "userName": user_name,
        "name": {"givenName": user_name.title(), "familyName": "Doe"},
        "emails": {"value": email, "type": "work", "primary": True},
        "title": "Analyst",
    }
    if manager_id is not None:
        body[ENTERPRISE] = {"manager": {"managerId": manager_id}, "department": "Finance"}
    return body


def test_replay(onelogin: IdpClient, jira: FakeJira) -> None:
    """Test, create, manager, PUT update, group members, deprovision."""
    # The connection test looks up a user that does not exist: an empty list.
    assert expect_list(onelogin.get("Users", {"filter": 'userName eq "nobody-xyz"'}), 0) == []

    boss = expect_created(onelogin.post("Users", onelogin_user("boss", "boss@example.com")))
    erin = expect_created(
        onelogin.post("Users", onelogin_user("erin", "erin@example.com", boss["id"]))
    )
    assert erin["emails"] == [{"value": "erin@example.com", "type": "work", "primary": True}]
    assert erin[ENTERPRISE]["manager"]["value"] == boss["id"]
    jira_erin = jira.user("erin")
    assert (jira_erin.email, jira_erin.display_name) == ("erin@example.com", "Erin Doe")

    # A profile change comes as a PUT built from the same template.
    url = f"Users/{erin['id']}"
    body = onelogin_user("erin", "erin.doe@example.com", boss["id"])
    body["displayName"] = "Erin M. Doe"
    answer = expect(onelogin.put(url, body), 200)
    assert answer["emails"][0]["value"] == "erin.doe@example.com"
    assert (jira.user("erin").email, jira.user("erin").display_name) == (
        "erin.doe@example.com",
        "Erin M. Doe",
    )

    # Rules push a role as a group: created, then members added and removed by PATCH.
    group = expect_created(onelogin.post("Groups", {"schemas": [GROUP], "displayName": "Finance"}))
    gurl = f"Groups/{group['id']}"
    expect(
        onelogin.patch_ops(
            gurl,
            {
                "op": "add",
                "path": "members",
                "value": [{"value": erin["id"]}, {"value": boss["id"]}],
            },
        ),
        204,
    )
    assert jira.members("Finance") == {"erin", "boss"}
    expect(
        onelogin.patch_ops(
            gurl, {"op": "remove", "path": "members", "value": [{"value": boss["id"]}]}
        ),
        204,
    )
    assert jira.members("Finance") == {"erin"}

    # Deprovisioning (suspend, then delete): deactivated, then hidden.
    expect(onelogin.put(url, {**body, "active": False}), 200)
    assert jira.user("erin").active is False
    expect(onelogin.delete(url), 204)
    assert jira.user("erin").active is False
    assert jira.members("Finance") == set()


def test_onelogin_scim11(make_idp: MakeIdp, jira: FakeJira) -> None:
    """OneLogin's SCIM 1.1 connector: emails as one object, `manager.managerId`, PUT updates."""
    onelogin = make_idp("onelogin-11", version="v1", user_agent="OneLogin-SCIM-replay")
    if onelogin.get("ServiceProviderConfigs").status_code == 404:
        pytest.skip("/scim/v1 is not served yet")
    query = 'filter=userName eq "nobody-xyz"'
    assert expect(onelogin.get("Users", query), 200)["totalResults"] == 0
    body = {
        "schemas": [CORE_1],
        "userName": "gwen",
        "name": {"givenName": "Gwen", "familyName": "Doe"},
        "emails": {"value": "gwen@example.com", "type": "work", "primary": True},
    }
    gwen = expect_created_v1(onelogin.post("Users", body))
    assert gwen["emails"][0]["value"] == "gwen@example.com"
    assert (jira.user("gwen").email, jira.user("gwen").display_name) == (
        "gwen@example.com",
        "Gwen Doe",
    )
    body["emails"] = {"value": "gwen.doe@example.com", "type": "work", "primary": True}
    expect(onelogin.put(f"Users/{gwen['id']}", body), 200)
    assert jira.user("gwen").email == "gwen.doe@example.com"
    expect(onelogin.delete(f"Users/{gwen['id']}"), 204)
    assert jira.user("gwen").active is False
    expect_error_v1(onelogin.get(f"Users/{gwen['id']}"), 404)


def expect_created_v1(response: Any) -> dict[str, Any]:
    """A 1.1 create: 201 with the resource and its Location."""
    body = expect(response, 201)
    assert response.headers["Location"].endswith(f"/scim/v1/Users/{body['id']}")
    return body
