"""Each IdP's request sequence (../shared/reference/idp-behaviour.md), replayed on the API."""

from __future__ import annotations

import uuid

import pytest

from .conftest import (
    ENTERPRISE,
    GROUP_SCHEMA,
    SEARCH_SCHEMA,
    USER_SCHEMA,
    RecordingApplier,
    ScimClient,
    valid_list,
    valid_resource,
)

pytestmark = pytest.mark.django_db
ADSCIM = "urn:ietf:params:scim:schemas:extension:Microsoft:ADSCIM:2.0:Group"


def test_entra(scim: ScimClient, applier: RecordingApplier) -> None:
    # Test connection: a random GUID finds nobody.
    body = scim.get("Users", filter=f'userName eq "{uuid.uuid4()}"').json()
    assert body["totalResults"] == 0
    # Lookup before create, then create with core and enterprise schemas.
    assert scim.get("Users", filter='userName eq "alice@contoso.com"').json()["totalResults"] == 0
    response = scim.post(
        "Users",
        {
            "schemas": [USER_SCHEMA, ENTERPRISE],
            "externalId": "alice",
            "userName": "alice@contoso.com",
            "active": True,
            "emails": [{"primary": True, "type": "work", "value": "alice@contoso.com"}],
            "name": {"formatted": "Alice Smith", "familyName": "Smith", "givenName": "Alice"},
            "roles": [],
            ENTERPRISE: {"department": "Sales"},
        },
    )
    assert response.status_code == 201
    alice = valid_resource(response.json())
    boss = scim.create_user("boss@contoso.com")
    url = f"Users/{alice.id}"
    # One op per attribute, capitalised ops, booleans as strings.
    for operation in (
        {"op": "Replace", "path": 'emails[type eq "work"].value', "value": "alice@fabrikam.com"},
        {"op": "Replace", "path": "name.familyName", "value": "Jones"},
        {"op": "Add", "path": f"{ENTERPRISE}:manager", "value": boss["id"]},
        {"op": "Replace", "path": "active", "value": "False"},
    ):
        assert scim.patch_ops(url, operation).status_code == 200
    # aadOptscim062020: one path-less replace with dotted and URN keys.
    response = scim.patch_ops(
        url,
        {
            "op": "replace",
            "value": {
                "active": "True",
                "name.givenName": "Ally",
                f"{ENTERPRISE}:department": "Support",
            },
        },
    )
    user = response.json()
    assert user["emails"] == [{"primary": True, "type": "work", "value": "alice@fabrikam.com"}]
    assert user["name"] == {"formatted": "Alice Smith", "familyName": "Jones", "givenName": "Ally"}
    assert user[ENTERPRISE] == {
        "department": "Support",
        "manager": {"value": boss["id"], "$ref": f"http://testserver/scim/v2/Users/{boss['id']}"},
    }
    assert user["active"] is True
    # Groups: create without members, add with $ref null, look up without members.
    group = scim.post(
        "Groups", {"schemas": [GROUP_SCHEMA, ADSCIM], "displayName": "Sales", "externalId": "sales"}
    ).json()
    response = scim.patch_ops(
        f"Groups/{group['id']}",
        {"op": "Add", "path": "members", "value": [{"$ref": None, "value": alice.id}]},
    )
    assert response.status_code == 204
    found = scim.get("Groups", excludedAttributes="members", filter='displayName eq "Sales"').json()
    assert [g["id"] for g in found["Resources"]] == [group["id"]]
    assert "members" not in found["Resources"][0]
    # Remove by value list (Entra's remove), then hard delete much later.
    response = scim.patch_ops(
        f"Groups/{group['id']}", {"op": "Remove", "path": "members", "value": [{"value": alice.id}]}
    )
    assert response.status_code == 204
    assert scim.delete(url).status_code == 204
    assert [kinds[-1] for kinds in applier.kinds[-3:]] == [
        "member_added",
        "member_removed",
        "user_deleted",
    ]


def test_okta(scim: ScimClient) -> None:
    assert scim.get("Users", startIndex=1, count=2).status_code == 200  # agent's test
    assert scim.get("Groups", startIndex=1, count=100).status_code == 200
    found = scim.get("Users", filter='userName eq "bob@okta.example"', startIndex=1, count=100)
    assert found.json()["totalResults"] == 0
    created = scim.post(
        "Users",
        {
            "schemas": [USER_SCHEMA],
            "userName": "bob@okta.example",
            "name": {"givenName": "Bob", "familyName": "B"},
            "emails": [{"primary": True, "value": "bob@okta.example", "type": "work"}],
            "displayName": "Bob B",
            "locale": "en-US",
            "externalId": "00u1",
            "groups": [],
            "password": "1mind$",
            "active": True,
        },
        content_type=None,
    )
    assert created.status_code == 201
    assert created.content  # Okta counts an empty 201 as an error
    bob = created.json()
    url = f"Users/{bob['id']}"
    # Integration-network apps GET then PUT the whole user.
    current = scim.get(url).json()
    current["name"]["givenName"] = "Robert"
    assert scim.put(url, current).json()["name"]["givenName"] == "Robert"
    # Deactivate and reactivate with a path-less replace; PATCH answers 200 with the user.
    for active in (False, True):
        response = scim.patch_ops(url, {"op": "replace", "value": {"active": active}})
        assert response.status_code == 200
        assert response.json()["active"] is active
    # Group push: create with no members, rename-with-id on every change, remove by filter.
    group = scim.post(
        "Groups", {"schemas": [GROUP_SCHEMA], "displayName": "Eng", "members": []}
    ).json()
    gurl = f"Groups/{group['id']}"
    assert (
        scim.patch_ops(
            gurl,
            {"op": "replace", "value": {"id": group["id"], "displayName": "Eng"}},
            {
                "op": "add",
                "path": "members",
                "value": [{"value": bob["id"], "display": "bob@okta.example"}],
            },
        ).status_code
        == 204
    )
    assert (
        scim.patch_ops(
            gurl, {"op": "remove", "path": f'members[value eq "{bob["id"]}"]'}
        ).status_code
        == 204
    )
    assert (
        scim.patch_ops(
            gurl, {"op": "replace", "path": "members", "value": [{"value": bob["id"]}]}
        ).status_code
        == 204
    )
    assert [m["value"] for m in scim.get(gurl).json()["members"]] == [bob["id"]]
    assert scim.delete(gurl).status_code == 204


def test_okta_agent_scim11_deactivation(scim: ScimClient) -> None:
    bob = scim.create_user("bob")
    response = scim.patch(
        f"Users/{bob['id']}",
        {"schemas": ["urn:scim:schemas:core:1.0"], "id": bob["id"], "active": False},
    )
    assert response.status_code == 200
    assert response.json()["active"] is False


def test_google(scim: ScimClient) -> None:
    assert scim.get("Users", count=1).status_code == 200
    response = scim.post(
        "Users",
        {
            "schemas": ["urn:scim:schemas:core:1.0", USER_SCHEMA],
            "userName": "carol@example.com",
            "name": {"givenName": "Carol", "familyName": "C"},
            "emails": [{"value": "carol@example.com", "primary": True}],
            "active": True,
        },
        content_type="application/json",
        headers={"User-Agent": "Google-Auto-Provisioning"},
    )
    assert response.status_code == 201
    assert response.json()["schemas"] == [USER_SCHEMA]


def test_ping_filter_template(scim: ScimClient) -> None:
    scim.create_user("dave")
    body = scim.get("Users", filter='username Eq "DAVE"').json()
    assert [user["userName"] for user in body["Resources"]] == ["dave"]
    valid_list(body)


def test_onelogin_and_jumpcloud(scim: ScimClient) -> None:
    response = scim.post(
        "Users",
        {
            "userName": "erin",
            "emails": {"value": "erin@example.com", "type": "work"},
            ENTERPRISE: {"manager": {"managerId": "m-1"}},
        },
    )
    assert response.status_code == 201
    erin = response.json()
    assert erin["emails"] == [{"value": "erin@example.com", "type": "work"}]
    assert erin[ENTERPRISE]["manager"]["value"] == "m-1"
    # JumpCloud: connection test creates then deletes a user and a group; adds with a list.
    group = scim.create_group("jc")
    assert (
        scim.patch_ops(
            f"Groups/{group['id']}", {"op": "add", "value": {"members": [{"value": erin["id"]}]}}
        ).status_code
        == 204
    )
    assert scim.delete(f"Groups/{group['id']}").status_code == 204
    assert scim.delete(f"Users/{erin['id']}").status_code == 204
    # OneLogin's test: a non-existent userName gives an empty list.
    assert scim.get("Users", filter='userName eq "nobody"').json()["totalResults"] == 0


def test_root_search_lists_both_types(scim: ScimClient) -> None:
    user = scim.create_user("ann")
    scim.create_group("ann-group", [user["id"]])
    body = scim.post(
        ".search",
        {"schemas": [SEARCH_SCHEMA], "filter": 'userName sw "ann" or displayName sw "ann"'},
    ).json()
    assert sorted(r["meta"]["resourceType"] for r in body["Resources"]) == ["Group", "User"]
