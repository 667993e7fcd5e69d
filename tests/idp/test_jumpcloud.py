"""JumpCloud replayed over HTTP: its connection test creates and deletes test objects."""

from __future__ import annotations

import pytest

from tests.fakejira import FakeJira

from .client import GROUP, USER, IdpClient, expect, expect_created, expect_error, expect_list
from .conftest import MakeIdp

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def jumpcloud(make_idp: MakeIdp) -> IdpClient:
    """JumpCloud's connector on a configuration that deletes users."""
    return make_idp("jumpcloud", user_agent="JumpCloud-SCIM-replay", delete_users=True)


def test_connection_test_leaves_nothing(jumpcloud: IdpClient, jira: FakeJira) -> None:
    """The test user and group are created in Jira and deleted again."""
    name = "jc-test-user-5f3a"
    user = expect_created(
        jumpcloud.post(
            "Users",
            {
                "schemas": [USER],
                "userName": name,
                "name": {"givenName": "Test", "familyName": "User"},
                "emails": [{"value": f"{name}@example.com", "type": "work", "primary": True}],
            },
        )
    )
    group = expect_created(
        jumpcloud.post("Groups", {"schemas": [GROUP], "displayName": "jc-test-group-5f3a"})
    )
    assert jira.user(name) is not None
    assert jira.group("jc-test-group-5f3a") is not None

    expect(jumpcloud.delete(f"Groups/{group['id']}"), 204)
    expect(jumpcloud.delete(f"Users/{user['id']}"), 204)
    assert jira.user(name) is None
    assert jira.group("jc-test-group-5f3a") is None
    expect_error(jumpcloud.get(f"Users/{user['id']}"), 404)
    assert expect_list(jumpcloud.get("Users"), 0) == []
    assert expect_list(jumpcloud.get("Groups"), 0) == []


def test_group_membership(jumpcloud: IdpClient, jira: FakeJira) -> None:
    """Members added with a `value` list and no filter path, path-less too; then removed."""
    ids = [
        expect_created(
            jumpcloud.post(
                "Users",
                {
                    "schemas": [USER],
                    "userName": name,
                    "emails": [{"value": f"{name}@example.com", "primary": True}],
                },
            )
        )["id"]
        for name in ("fay", "gus")
    ]
    group = expect_created(jumpcloud.post("Groups", {"schemas": [GROUP], "displayName": "Ops"}))
    url = f"Groups/{group['id']}"
    expect(
        jumpcloud.patch_ops(url, {"op": "add", "path": "members", "value": [{"value": ids[0]}]}),
        204,
    )
    expect(jumpcloud.patch_ops(url, {"op": "add", "value": {"members": [{"value": ids[1]}]}}), 204)
    assert jira.members("Ops") == {"fay", "gus"}
    expect(
        jumpcloud.patch_ops(url, {"op": "remove", "path": "members", "value": [{"value": ids[0]}]}),
        204,
    )
    assert jira.members("Ops") == {"gus"}
    # Deleting a member user removes it from the Jira group with the user.
    expect(jumpcloud.delete(f"Users/{ids[1]}"), 204)
    assert jira.user("gus") is None
    assert jira.members("Ops") == set()
    assert expect(jumpcloud.get(url), 200).get("members", []) == []
