"""Microsoft Entra ID replayed over HTTP, in its default PATCH style and `aadOptscim062020`."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from provisioning.models import ScimUser
from tests.fakejira import FakeJira

from .client import (
    ENTERPRISE,
    GROUP,
    USER,
    IdpClient,
    expect,
    expect_created,
    expect_error,
    expect_list,
)
from .conftest import MakeIdp

pytestmark = pytest.mark.django_db(transaction=True)

ADSCIM_GROUP = "urn:ietf:params:scim:schemas:extension:Microsoft:ADSCIM:2.0:Group"
ENTRA_AGENT = "Microsoft-Entra-Provisioning-replay"  # illustrative; the server ignores it


@pytest.fixture
def entra(make_idp: MakeIdp) -> IdpClient:
    """Entra's app, on a configuration whose DELETE disables the Jira user."""
    return make_idp("entra", user_agent=ENTRA_AGENT)


def entra_user(user_name: str, given: str, family: str, external_id: str) -> dict[str, Any]:
    """A user as Entra creates it: core + enterprise schemas, `roles: []`, a work email."""
    return {
        "schemas": [USER, ENTERPRISE],
        "externalId": external_id,
        "userName": user_name,
        "active": True,
        "emails": [{"primary": True, "type": "work", "value": user_name}],
        "meta": {"resourceType": "User"},
        "name": {"formatted": f"{given} {family}", "familyName": family, "givenName": given},
        "roles": [],
        ENTERPRISE: {"employeeNumber": external_id, "department": "Sales"},
    }


def find(entra: IdpClient, query: str) -> list[dict[str, Any]]:
    """A lookup with the query string exactly as Entra writes it (`+` for spaces)."""
    body = expect(entra.get("Users", query), 200)
    return body.get("Resources", [])


def test_users_default_patch_style(entra: IdpClient, jira: FakeJira) -> None:
    """Test connection, lookup, create, one op per attribute, manager, disable, hard delete."""
    # Test connection: a random GUID finds nobody (200, empty list); Jira is not asked.
    jira.clear_requests()
    assert find(entra, f'filter=userName+eq+"{uuid.uuid4()}"') == []
    assert find(entra, "filter=externalId+eq+%22alice%22") == []
    assert jira.requests() == []

    alice = expect_created(
        entra.post("Users", entra_user("alice@contoso.com", "Alice", "Smith", "alice"))
    )
    assert alice.get("roles", []) == []
    assert alice[ENTERPRISE]["department"] == "Sales"
    jira_alice = jira.user("alice@contoso.com")
    assert (jira_alice.email, jira_alice.display_name, jira_alice.active) == (
        "alice@contoso.com",
        "Alice Smith",
        True,
    )
    # The matching attribute may be externalId: `+` spaces, quotes escaped or not.
    assert [u["id"] for u in find(entra, "filter=externalId+eq+%22alice%22")] == [alice["id"]]
    assert [u["id"] for u in find(entra, 'filter=userName+eq+"ALICE@contoso.com"')] == [alice["id"]]
    boss = expect_created(entra.post("Users", entra_user("boss@contoso.com", "Bo", "Boss", "boss")))

    # One op per attribute, capitalised; each reaches Jira as soon as Jira can hold it.
    url = f"Users/{alice['id']}"
    expect(
        entra.patch_ops(
            url,
            {
                "op": "Replace",
                "path": 'emails[type eq "work"].value',
                "value": "alice@fabrikam.com",
            },
        ),
        200,
    )
    assert jira.user("alice@contoso.com").email == "alice@fabrikam.com"
    expect(
        entra.patch_ops(url, {"op": "Replace", "path": "name.formatted", "value": "Ali Smith"}), 200
    )
    assert jira.user("alice@contoso.com").display_name == "Ali Smith"
    # Attributes Jira cannot hold are stored and echoed, with no Jira call.
    jira.clear_requests()
    body = expect(
        entra.patch_ops(
            url,
            {"op": "Add", "path": f"{ENTERPRISE}:manager", "value": boss["id"]},
            {"op": "Replace", "path": f"{ENTERPRISE}:department", "value": "Support"},
            {"op": "Add", "path": "title", "value": "Engineer"},
        ),
        200,
    )
    assert body[ENTERPRISE]["manager"]["value"] == boss["id"]
    assert body[ENTERPRISE]["department"] == "Support"
    assert body["title"] == "Engineer"
    assert jira.requests() == []

    # Disable (unassign or soft delete in Entra): active as the string "False".
    body = expect(entra.patch_ops(url, {"op": "Replace", "path": "active", "value": "False"}), 200)
    assert body["active"] is False
    assert jira.user("alice@contoso.com").active is False
    body = expect(entra.patch_ops(url, {"op": "Replace", "path": "active", "value": "True"}), 200)
    assert jira.user("alice@contoso.com").active is True

    # Hard delete ~30 days later: this configuration disables the Jira user and hides it.
    expect(entra.delete(url), 204)
    assert jira.user("alice@contoso.com").active is False
    expect_error(entra.get(url), 404)
    assert find(entra, "filter=externalId+eq+%22alice%22") == []
    # Restored in Entra: the same userName comes back as the same SCIM and Jira user.
    again = expect_created(
        entra.post("Users", entra_user("alice@contoso.com", "Alice", "Smith", "alice"))
    )
    assert again["id"] == alice["id"]
    assert jira.user("alice@contoso.com").active is True
    assert jira.user("alice@contoso.com").key == jira_alice.key


def test_users_aadoptscim062020_style(make_idp: MakeIdp, jira: FakeJira) -> None:
    """With the flag: one path-less replace of dotted and URN keys, real booleans."""
    entra = make_idp("entra-flagged", user_agent=ENTRA_AGENT)
    bob = expect_created(entra.post("Users", entra_user("bob@contoso.com", "Bob", "Jones", "bob")))
    url = f"Users/{bob['id']}"
    body = expect(
        entra.patch_ops(
            url,
            {
                "op": "replace",
                "value": {
                    "displayName": "Robert Jones",
                    "name.givenName": "Robert",
                    'emails[type eq "work"].value': "robert@contoso.com",
                    f"{ENTERPRISE}:employeeNumber": "42",
                    "active": False,
                },
            },
        ),
        200,
    )
    assert body["name"]["givenName"] == "Robert"
    assert body["emails"] == [{"primary": True, "type": "work", "value": "robert@contoso.com"}]
    assert body[ENTERPRISE]["employeeNumber"] == "42"
    assert body["active"] is False
    jira_bob = jira.user("bob@contoso.com")
    assert (jira_bob.display_name, jira_bob.email, jira_bob.active) == (
        "Robert Jones",
        "robert@contoso.com",
        False,
    )
    # A renamed userName renames the Jira user; the key stays.
    key = jira_bob.key
    expect(
        entra.patch_ops(url, {"op": "replace", "value": {"userName": "rjones@contoso.com"}}), 200
    )
    assert jira.user("bob@contoso.com") is None
    assert jira.user("rjones@contoso.com").key == key


def test_groups(entra: IdpClient, jira: FakeJira) -> None:
    """Create without members, then members added and removed both ways; rename; delete."""
    ids = [
        expect_created(entra.post("Users", entra_user(f"{n}@contoso.com", n.title(), "X", n)))["id"]
        for n in ("ann", "ben", "cy")
    ]
    lookup = 'excludedAttributes=members&filter=displayName+eq+"Sales+Team"'
    assert expect_list(entra.get("Groups", lookup), 0) == []
    group = expect_created(
        entra.post(
            "Groups",
            {
                "schemas": [GROUP, ADSCIM_GROUP],
                "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
                "displayName": "Sales Team",
                "meta": {"resourceType": "Group"},
            },
        )
    )
    assert jira.members("Sales Team") == set()
    [found] = expect_list(entra.get("Groups", lookup), 1)
    assert found["id"] == group["id"]
    assert "members" not in found

    url = f"Groups/{group['id']}"
    expect(
        entra.patch_ops(
            url,
            {
                "op": "Add",
                "path": "members",
                "value": [{"$ref": None, "value": ids[0]}, {"$ref": None, "value": ids[1]}],
            },
        ),
        204,
    )
    expect(
        entra.patch_ops(
            url, {"op": "Add", "path": "members", "value": [{"$ref": None, "value": ids[2]}]}
        ),
        204,
    )
    assert jira.members("Sales Team") == {"ann@contoso.com", "ben@contoso.com", "cy@contoso.com"}
    # Remove by a value list, then by a filter path.
    expect(
        entra.patch_ops(url, {"op": "Remove", "path": "members", "value": [{"value": ids[0]}]}), 204
    )
    assert jira.members("Sales Team") == {"ben@contoso.com", "cy@contoso.com"}
    expect(entra.patch_ops(url, {"op": "Remove", "path": f'members[value eq "{ids[1]}"]'}), 204)
    assert jira.members("Sales Team") == {"cy@contoso.com"}
    # Adding a member twice (Entra retries) is no error and no second membership.
    expect(
        entra.patch_ops(url, {"op": "Add", "path": "members", "value": [{"value": ids[2]}]}), 204
    )
    assert jira.members("Sales Team") == {"cy@contoso.com"}
    # A member that is not a user of this directory is refused, Jira untouched.
    jira.clear_requests()
    expect_error(
        entra.patch_ops(
            url, {"op": "Add", "path": "members", "value": [{"value": str(uuid.uuid4())}]}
        ),
        400,
        "invalidValue",
    )
    assert jira.requests() == []

    # Rename: SCIM keeps the new name, Jira keeps its group.
    expect(
        entra.patch_ops(url, {"op": "Replace", "path": "displayName", "value": "Sales EMEA"}), 204
    )
    assert expect(entra.get(url), 200)["displayName"] == "Sales EMEA"
    assert jira.group("Sales EMEA") is None
    assert jira.members("Sales Team") == {"cy@contoso.com"}

    # A user disabled by DELETE leaves its SCIM groups in Jira too.
    expect(entra.delete(f"Users/{ids[2]}"), 204)
    assert jira.members("Sales Team") == set()
    assert ScimUser.objects.get(pk=ids[2]).hidden_at is not None

    expect(entra.delete(url), 204)
    assert jira.group("Sales Team") is None
