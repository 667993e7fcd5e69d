"""Okta (SCIM 2.0 integration-network app) replayed over HTTP; Jira's state checked at each step."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fakejira import FakeJira

from .client import (
    GROUP,
    NO_CONTENT_TYPE,
    USER,
    IdpClient,
    expect,
    expect_created,
    expect_error,
    expect_list,
)
from .conftest import MakeIdp

pytestmark = pytest.mark.django_db(transaction=True)

# Okta's client names itself so (the version part varies).
OKTA_AGENT = "Okta SCIM Client 1.0.0"
OKTA_JSON = "application/scim+json; charset=utf-8"
MEMBERSHIP = "/rest/api/2/group/user"


@pytest.fixture
def okta(make_idp: MakeIdp, jira: FakeJira) -> IdpClient:
    """Okta's app: default group `okta-users`, Jira Software access, DELETE disables."""
    jira.seed_group("okta-users")
    return make_idp(
        "okta",
        user_agent=OKTA_AGENT,
        content_type=OKTA_JSON,
        default_groups="okta-users",
        application_keys=["jira-software"],
    )


def okta_user(user_name: str, given: str, family: str, **extra: Any) -> dict[str, Any]:
    """A user as Okta creates it: password, locale, externalId and an empty `groups`."""
    return {
        "schemas": [USER],
        "userName": user_name,
        "name": {"givenName": given, "familyName": family},
        "emails": [{"primary": True, "value": user_name, "type": "work"}],
        "displayName": f"{given} {family}",
        "locale": "en-US",
        "externalId": f"00u-{user_name.split('@', maxsplit=1)[0]}",
        "groups": [],
        "password": "1mind$Okta!",
        "active": True,
        **extra,
    }


def lookup(okta: IdpClient, user_name: str) -> list[dict[str, Any]]:
    """Okta's lookup before a create (it pages with count=100)."""
    response = okta.get(
        "Users", {"filter": f'userName eq "{user_name}"', "startIndex": 1, "count": 100}
    )
    body = expect(response, 200)
    return body.get("Resources", [])


def rename_op(group: dict[str, Any], name: str) -> dict[str, Any]:
    """The path-less replace Okta sends with every group update (usually the unchanged name)."""
    return {"op": "replace", "value": {"id": group["id"], "displayName": name}}


def test_user_lifecycle(okta: IdpClient, jira: FakeJira) -> None:
    """Lookup, create, GET+PUT update, password push, deactivate, reactivate, import."""
    # Lookup finds nobody; reads never reach Jira.
    jira.clear_requests()
    assert lookup(okta, "bob@okta.example") == []
    assert jira.requests() == []

    # Create: 201 with a body (Okta fails an empty one); Jira holds what Jira can hold.
    bob = expect_created(okta.post("Users", okta_user("bob@okta.example", "Bob", "Brown")))
    assert bob["locale"] == "en-US"
    assert bob.get("groups", []) == []  # read-only: what Okta sent is ignored
    jira_bob = jira.user("bob@okta.example")
    assert (jira_bob.email, jira_bob.display_name, jira_bob.active) == (
        "bob@okta.example",
        "Bob Brown",
        True,
    )
    assert jira_bob.password == "1mind$Okta!"
    assert jira.is_member("okta-users", "bob@okta.example")
    assert jira.has_application("bob@okta.example", "jira-software")
    [lookup_hit] = lookup(okta, "BOB@okta.example")
    assert lookup_hit["id"] == bob["id"]

    # Update: GET the user, change it, PUT all of it back (id, meta and groups included).
    url = f"Users/{bob['id']}"
    current = expect(okta.get(url), 200)
    current["name"]["givenName"] = "Robert"
    current["displayName"] = "Robert Brown"
    current["emails"] = [{"primary": True, "value": "robert@okta.example", "type": "work"}]
    jira.clear_requests()
    updated = expect(okta.put(url, current), 200)
    assert updated["name"]["givenName"] == "Robert"
    assert updated["id"] == bob["id"]
    jira_bob = jira.user("bob@okta.example")
    assert (jira_bob.email, jira_bob.display_name) == ("robert@okta.example", "Robert Brown")
    [put] = jira.requests("PUT", "/rest/api/2/user")
    assert put.arg("key") == jira_bob.key

    # Password push: PATCH with a path-less replace.
    expect(okta.patch_ops(url, {"op": "replace", "value": {"password": "N3w$ecret!"}}), 200)
    assert jira.user("bob@okta.example").password == "N3w$ecret!"

    # Deactivate, reactivate: 200 with the user; the Jira user follows; the key stays.
    for active in (False, True):
        body = expect(okta.patch_ops(url, {"op": "replace", "value": {"active": active}}), 200)
        assert body["active"] is active
        assert jira.user("bob@okta.example").active is active
    assert jira.user("bob@okta.example").key == jira_bob.key

    # Import: Okta pages through every user with count=100.
    expect_created(okta.post("Users", okta_user("carol@okta.example", "Carol", "Clark")))
    users = expect_list(okta.get("Users", {"startIndex": 1, "count": 100}), 2)
    assert [user["userName"] for user in users] == ["bob@okta.example", "carol@okta.example"]
    assert expect_list(okta.get("Users", {"startIndex": 101, "count": 100}), 2) == []

    # Unassign: Okta deactivates (it never DELETEs users).
    expect(okta.patch_ops(url, {"op": "replace", "value": {"active": False}}), 200)
    assert jira.user("bob@okta.example").active is False
    assert expect(okta.get(url), 200)["active"] is False


def test_group_push(okta: IdpClient, jira: FakeJira) -> None:
    """Create empty, rename-with-id on every update, add/remove/replace members, rename, unlink."""
    ids = {
        name: expect_created(okta.post("Users", okta_user(f"{name}@okta.example", name, "X")))["id"]
        for name in ("ann", "ben", "cat")
    }
    group = expect_created(
        okta.post("Groups", {"schemas": [GROUP], "displayName": "Engineering", "members": []})
    )
    assert jira.group("Engineering") is not None
    assert jira.members("Engineering") == set()
    url = f"Groups/{group['id']}"

    # Add two members, with the unchanged name in the same PATCH: only member calls reach Jira.
    jira.clear_requests()
    expect(
        okta.patch_ops(
            url,
            rename_op(group, "Engineering"),
            {
                "op": "add",
                "path": "members",
                "value": [
                    {"value": ids["ann"], "display": "ann@okta.example"},
                    {"value": ids["ben"], "display": "ben@okta.example"},
                ],
            },
        ),
        204,
    )
    assert jira.members("Engineering") == {"ann@okta.example", "ben@okta.example"}
    assert [r.method for r in jira.requests()] == ["POST", "POST"]

    # Remove one by a filter path.
    expect(
        okta.patch_ops(
            url,
            rename_op(group, "Engineering"),
            {"op": "remove", "path": f'members[value eq "{ids["ann"]}"]'},
        ),
        204,
    )
    assert jira.members("Engineering") == {"ben@okta.example"}

    # A full replace of the member list: one removal, one addition.
    jira.clear_requests()
    expect(
        okta.patch_ops(
            url,
            rename_op(group, "Engineering"),
            {"op": "replace", "path": "members", "value": [{"value": ids["cat"]}]},
        ),
        204,
    )
    assert jira.members("Engineering") == {"cat@okta.example"}
    assert sorted(r.method for r in jira.requests(path=MEMBERSHIP)) == ["DELETE", "POST"]
    members = expect(okta.get(url), 200)["members"]
    assert [m["value"] for m in members] == [ids["cat"]]

    # A real rename: kept in SCIM only, Jira's group keeps its name and members.
    jira.clear_requests()
    renamed = okta.patch_ops(url, rename_op(group, "Engineering Team"))
    expect(renamed, 204)
    assert jira.requests() == []
    assert expect(okta.get(url), 200)["displayName"] == "Engineering Team"
    assert jira.group("Engineering Team") is None
    assert jira.members("Engineering") == {"cat@okta.example"}
    # Later membership updates (with the new name) still go to the Jira group.
    expect(
        okta.patch_ops(
            url,
            rename_op(group, "Engineering Team"),
            {"op": "add", "path": "members", "value": [{"value": ids["ann"]}]},
        ),
        204,
    )
    assert jira.members("Engineering") == {"ann@okta.example", "cat@okta.example"}

    # Unlink with "delete the group in the app": the Jira group goes, its users stay.
    expect(okta.delete(url), 204)
    assert jira.group("Engineering") is None
    assert jira.user("ann@okta.example").active is True
    expect_error(okta.get(url), 404)


def test_crud_and_spec_tests(make_idp: MakeIdp, jira: FakeJira) -> None:
    """Okta's CRUD test (a wizard-built app: PUT for everything) and its SCIM spec test."""
    okta = make_idp("okta-wizard", user_agent=OKTA_AGENT, content_type=NO_CONTENT_TYPE)

    # Spec test: a filter without an operator, an unknown id, a POST without Content-Type.
    expect_error(okta.get("Users", "filter=RANDOMCAPS"), 400, "invalidFilter")
    expect_error(okta.get("Users/010101001010101"), 404)
    body = okta_user("dana@okta.example", "Dana", "Scully")
    dana = expect_created(okta.post("Users", body))
    expect_error(okta.post("Users", body), 409, "uniqueness")
    assert len(jira.requests("POST", "/rest/api/2/user")) == 1

    # CRUD: update the first name, deactivate, reactivate, unassign; all with PUT.
    url = f"Users/{dana['id']}"
    body.pop("password")
    steps: list[tuple[dict[str, Any], str, bool]] = [
        ({"name": {"givenName": "Katherine", "familyName": "Scully"}}, "Dana Scully", True),
        ({"displayName": "Katherine Scully"}, "Katherine Scully", True),
        ({"active": False}, "Katherine Scully", False),
        ({"active": True}, "Katherine Scully", True),
        ({"active": False}, "Katherine Scully", False),
    ]
    for change, display_name, active in steps:
        body.update(change)
        answer = expect(okta.put(url, body), 200)
        assert answer["active"] is active
        jira_dana = jira.user("dana@okta.example")
        assert (jira_dana.display_name, jira_dana.active) == (display_name, active)
    assert expect(okta.get(url), 200)["name"]["givenName"] == "Katherine"
