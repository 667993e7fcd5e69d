"""PingFederate's SCIM connector replayed over HTTP: PUT only, `username Eq "%s"`, Basic auth."""

from __future__ import annotations

from typing import Any

import pytest

from provisioning.models import ScimUser
from tests.fakejira import FakeJira

from .client import GROUP, USER, IdpClient, expect, expect_created, expect_error, expect_list
from .conftest import MakeIdp

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def ping(make_idp: MakeIdp) -> IdpClient:
    """PingFederate with Basic auth and "delete users" on (its deprovisioning method: delete)."""
    return make_idp(
        "pingfederate",
        user_agent="PingFederate-SCIM-replay",
        content_type="application/json",
        basic=True,
        basic_auth_username="pingfed",
        delete_users=True,
        default_groups="ping-users",
    )


def ping_user(user_name: str, given: str, family: str, **extra: Any) -> dict[str, Any]:
    """A user as the connector's attribute mapping builds it."""
    return {
        "schemas": [USER],
        "userName": user_name,
        "externalId": f"pf-{user_name}",
        "name": {"givenName": given, "familyName": family},
        "displayName": f"{given} {family}",
        "emails": [{"value": f"{user_name}@example.com", "type": "work", "primary": True}],
        "active": True,
        **extra,
    }


def match(ping: IdpClient, user_name: str) -> list[dict[str, Any]]:
    """The connector's filter template `username Eq "%s"`."""
    return expect(ping.get("Users", {"filter": f'username Eq "{user_name}"'}), 200).get(
        "Resources", []
    )


def test_replay(ping: IdpClient, jira: FakeJira) -> None:
    """Match, create, PUT updates (disable included), groups by listing and PUT, delete."""
    assert match(ping, "dave") == []
    dave = expect_created(ping.post("Users", ping_user("dave", "Dave", "Lister")))
    assert jira.user("dave").display_name == "Dave Lister"
    assert jira.is_member("ping-users", "dave")
    # The template matches in any case; `Eq` is an operator in any case.
    assert [u["id"] for u in match(ping, "DAVE")] == [dave["id"]]

    # Every update is a PUT of the whole user; left-out attributes are cleared in SCIM.
    url = f"Users/{dave['id']}"
    body = ping_user("dave", "David", "Lister", title="Technician")
    answer = expect(ping.put(url, body), 200)
    assert (answer["displayName"], answer["title"]) == ("David Lister", "Technician")
    assert jira.user("dave").display_name == "David Lister"
    body.pop("title")
    assert "title" not in expect(ping.put(url, body), 200)
    # Disable: the PUT carries active=false.
    expect(ping.put(url, {**body, "active": False}), 200)
    assert jira.user("dave").active is False
    expect(ping.put(url, body), 200)
    assert jira.user("dave").active is True

    # Groups: found by listing all of them, created with members, updated by PUT.
    kryten = expect_created(ping.post("Users", ping_user("kryten", "Kryten", "Mk2")))
    assert expect_list(ping.get("Groups"), 0) == []
    group = expect_created(
        ping.post(
            "Groups",
            {"schemas": [GROUP], "displayName": "Red Dwarf", "members": [{"value": dave["id"]}]},
        )
    )
    assert jira.members("Red Dwarf") == {"dave"}
    [listed] = expect_list(ping.get("Groups"), 1)
    assert listed["id"] == group["id"]
    gurl = f"Groups/{group['id']}"
    group_body = {
        "schemas": [GROUP],
        "displayName": "Red Dwarf",
        "members": [{"value": kryten["id"]}],
    }
    assert [m["value"] for m in expect(ping.put(gurl, group_body), 200)["members"]] == [
        kryten["id"]
    ]
    assert jira.members("Red Dwarf") == {"kryten"}

    # Delete (the connector's setting): the Jira user is deleted and leaves its groups.
    expect(ping.delete(f"Users/{kryten['id']}"), 204)
    assert jira.user("kryten") is None
    assert jira.members("Red Dwarf") == set()
    assert not ScimUser.objects.filter(pk=kryten["id"]).exists()
    expect_error(ping.get(f"Users/{kryten['id']}"), 404)
    assert match(ping, "kryten") == []


def test_wrong_basic_password_is_refused(ping: IdpClient, jira: FakeJira) -> None:
    """A wrong Basic password answers 401 with a challenge and reaches nothing."""
    ping.session.auth = ("pingfed", "wrong")
    response = ping.post("Users", ping_user("holly", "Holly", "AI"))
    expect_error(response, 401)
    assert "WWW-Authenticate" in response.headers
    assert jira.user("holly") is None
