"""Google Workspace auto-provisioning replayed over HTTP (plain JSON, mixed 1.0/2.0 schemas)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fakejira import FakeJira

from .client import CORE_1, USER, IdpClient, expect, expect_created, expect_list
from .conftest import MakeIdp

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def google(make_idp: MakeIdp) -> IdpClient:
    """Google's connector: `application/json` bodies, its own User-Agent."""
    return make_idp(
        "google",
        user_agent="Google-Auto-Provisioning",
        content_type="application/json",
        application_keys=["jira-software"],
    )


def google_user(user_name: str, given: str, family: str, **extra: Any) -> dict[str, Any]:
    """A user as Google creates it: the SCIM 1.0 core schema next to the 2.0 User schema."""
    return {
        "schemas": [CORE_1, USER],
        "userName": user_name,
        "name": {"givenName": given, "familyName": family},
        "emails": [{"value": user_name, "primary": True}],
        "active": True,
        **extra,
    }


def test_replay(google: IdpClient, jira: FakeJira) -> None:
    """Connection test, lookup, create, update by PUT and by PATCH, suspend, restore."""
    assert expect_list(google.get("Users", {"count": 1}), 0) == []
    lookup = {"filter": 'userName eq "carol@example.com"', "startIndex": 1}
    assert expect_list(google.get("Users", lookup), 0) == []

    carol = expect_created(google.post("Users", google_user("carol@example.com", "Carol", "Diaz")))
    assert carol["schemas"][0] == USER  # answered in SCIM 2.0 only
    assert CORE_1 not in carol["schemas"]
    jira_carol = jira.user("carol@example.com")
    assert (jira_carol.email, jira_carol.display_name, jira_carol.active) == (
        "carol@example.com",
        "Carol Diaz",
        True,
    )
    assert jira.has_application("carol@example.com", "jira-software")
    [found] = expect_list(google.get("Users", lookup), 1)
    assert found["id"] == carol["id"]

    # Update with PUT (a whole user) ...
    url = f"Users/{carol['id']}"
    body = google_user("carol@example.com", "Caroline", "Diaz", displayName="Caroline Diaz")
    assert expect(google.put(url, body), 200)["displayName"] == "Caroline Diaz"
    assert jira.user("carol@example.com").display_name == "Caroline Diaz"
    # ... and with PATCH.
    expect(
        google.patch_ops(
            url, {"op": "replace", "path": "emails", "value": [{"value": "cd@example.com"}]}
        ),
        200,
    )
    assert jira.user("carol@example.com").email == "cd@example.com"

    # Suspending the user in Google deactivates it, by PATCH or by PUT; so does restoring.
    expect(google.patch_ops(url, {"op": "replace", "path": "active", "value": False}), 200)
    assert jira.user("carol@example.com").active is False
    expect(google.put(url, {**body, "active": True}), 200)
    assert jira.user("carol@example.com").active is True
    expect(google.put(url, {**body, "active": False}), 200)
    assert jira.user("carol@example.com").active is False
    # Unassigning the app: DELETE disables the Jira user (this configuration's setting).
    expect(google.delete(url), 204)
    assert jira.user("carol@example.com").active is False
    assert expect_list(google.get("Users", lookup), 0) == []
