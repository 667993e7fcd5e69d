"""SailPoint IdentityNow's SCIM 2.0 connector replayed over HTTP, in both key spellings.

SailPoint sends the enterprise extension with the manager by value only (no `$ref`),
updates and disables with PATCH, and manages membership on the group. Microsoft's SCIM
reference tests send the same bodies with capitalised names (`"Department"`,
`"Manager": {"Value": ...}`); RFC 7643 section 2.1 makes names case-insensitive, so both
spellings must give the same Jira state.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.fakejira import FakeJira

from .client import ENTERPRISE, GROUP, USER, IdpClient, expect, expect_created
from .conftest import MakeIdp

pytestmark = pytest.mark.django_db(transaction=True)

Spell = Callable[[str], str]


def _lower(name: str) -> str:
    return name


def _capital(name: str) -> str:
    return name[:1].upper() + name[1:]


@pytest.fixture
def sailpoint(make_idp: MakeIdp) -> IdpClient:
    """SailPoint's SCIM 2.0 connector."""
    return make_idp("sailpoint", user_agent="SailPoint-IdentityNow-SCIM2-replay")


def _create(idp: IdpClient, spell: Spell, name: str, manager: str | None = None) -> dict:
    enterprise: dict = {spell("department"): "Ops", spell("employeeNumber"): "E-" + name}
    if manager is not None:
        enterprise[spell("manager")] = {spell("value"): manager}
    return expect_created(
        idp.post(
            "Users",
            {
                "schemas": [USER, ENTERPRISE],
                spell("userName"): name,
                spell("active"): True,
                spell("displayName"): name.title(),
                spell("name"): {spell("givenName"): name.title(), spell("familyName"): "Point"},
                spell("emails"): [
                    {spell("value"): f"{name}@sail.example", spell("type"): "work",
                     spell("primary"): True}
                ],
                ENTERPRISE: enterprise,
            },
        )
    )


@pytest.mark.parametrize("spell", [_lower, _capital], ids=["lower", "capitalised"])
def test_lifecycle(sailpoint: IdpClient, jira: FakeJira, spell: Spell) -> None:
    """Create with manager by value, update the manager, disable, add and remove a member."""
    boss = _create(sailpoint, spell, "boss")
    deputy = _create(sailpoint, spell, "deputy")
    worker = _create(sailpoint, spell, "worker", manager=boss["id"])
    assert worker[ENTERPRISE]["department"] == "Ops"
    assert worker[ENTERPRISE]["manager"]["value"] == boss["id"]
    jira_worker = jira.user("worker")
    assert jira_worker is not None
    assert (jira_worker.email, jira_worker.display_name, jira_worker.active) == (
        "worker@sail.example",
        "Worker",
        True,
    )

    url = f"Users/{worker['id']}"
    # The manager replaced by value, by path and path-less.
    body = expect(
        sailpoint.patch_ops(
            url,
            {
                "op": "replace",
                "path": f"{ENTERPRISE}:{spell('manager')}",
                "value": {spell("value"): deputy["id"]},
            },
        ),
        200,
    )
    assert body[ENTERPRISE]["manager"]["value"] == deputy["id"]
    body = expect(
        sailpoint.patch_ops(
            url,
            {
                "op": "replace",
                "value": {
                    ENTERPRISE: {
                        spell("manager"): {spell("value"): boss["id"]},
                        spell("department"): "Sales",
                    }
                },
            },
        ),
        200,
    )
    assert body[ENTERPRISE]["manager"]["value"] == boss["id"]
    assert body[ENTERPRISE]["department"] == "Sales"

    # Disable.
    body = expect(
        sailpoint.patch_ops(url, {"op": "replace", "path": spell("active"), "value": False}), 200
    )
    assert body["active"] is False
    assert jira.user("worker").active is False
    assert expect(sailpoint.get(url), 200)["active"] is False

    # Group membership on the group.
    group = expect_created(
        sailpoint.post("Groups", {"schemas": [GROUP], spell("displayName"): "sail-ops"})
    )
    group_url = f"Groups/{group['id']}"
    expect(
        sailpoint.patch_ops(
            group_url,
            {
                "op": "add",
                "path": spell("members"),
                "value": [{spell("value"): boss["id"]}, {spell("value"): deputy["id"]}],
            },
        ),
        204,
    )
    assert jira.members("sail-ops") == {"boss", "deputy"}
    expect(
        sailpoint.patch_ops(
            group_url,
            {"op": "remove", "path": f'{spell("members")}[value eq "{deputy["id"]}"]'},
        ),
        204,
    )
    assert jira.members("sail-ops") == {"boss"}
    members = expect(sailpoint.get(group_url), 200)["members"]
    assert [member["value"] for member in members] == [boss["id"]]
