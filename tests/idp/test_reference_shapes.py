"""Shapes from Microsoft's SCIM reference collection replayed over HTTP: lower-case endpoint
names, capitalised attribute names, and probes for `/Me` (and `/Bulk` in 1.1)."""

from __future__ import annotations

import pytest

from tests.fakejira import FakeJira

from .client import (
    CORE_1,
    ENTERPRISE,
    GROUP,
    PATCH_OP,
    USER,
    IdpClient,
    expect,
    expect_created,
    expect_error,
    expect_error_v1,
    expect_list,
)
from .conftest import MakeIdp

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def reference(make_idp: MakeIdp) -> IdpClient:
    """A client sending what the reference Postman collection sends."""
    return make_idp("reference", user_agent="PostmanRuntime/7.39.0")


def test_lower_case_endpoints_write_to_jira(reference: IdpClient, jira: FakeJira) -> None:
    """`/users`, `/groups`: created in Jira; `Location` and `meta.location` stay canonical."""
    user = expect_created(
        reference.post(
            "users",
            {
                "schemas": [USER, ENTERPRISE],
                "UserName": "ref-ann",
                "Active": True,
                "DisplayName": "Ann Ref",
                "Emails": [{"Value": "ann@ref.example", "Type": "work", "Primary": True}],
                ENTERPRISE: {"Department": "Ops", "Manager": {"Value": "mgr-1"}},
            },
        )
    )
    assert user["meta"]["location"] == f"{reference.base_url}/Users/{user['id']}"
    assert user[ENTERPRISE]["manager"]["value"] == "mgr-1"
    jira_ann = jira.user("ref-ann")
    assert jira_ann is not None
    assert (jira_ann.email, jira_ann.display_name) == ("ann@ref.example", "Ann Ref")

    group = expect_created(
        reference.post(
            "GROUPS",
            {"schemas": [GROUP], "DisplayName": "ref-ops", "Members": [{"Value": user["id"]}]},
        )
    )
    assert group["meta"]["location"] == f"{reference.base_url}/Groups/{group['id']}"
    assert jira.members("ref-ops") == {"ref-ann"}

    expect(
        reference.patch(
            f"users/{user['id']}",
            {
                "schemas": [PATCH_OP],
                "Operations": [{"Op": "Replace", "Path": "Active", "Value": False}],
            },
        ),
        200,
    )
    assert jira.user("ref-ann").active is False
    assert expect_list(reference.get("users", {"filter": 'userName eq "ref-ann"'}), 1)
    assert expect(reference.get("serviceproviderconfig"), 200)["meta"]["location"] == (
        f"{reference.base_url}/ServiceProviderConfig"
    )
    expect(reference.delete(f"groups/{group['id']}"), 204)
    assert jira.group("ref-ops") is None


@pytest.mark.parametrize("path", ["Me", "me"])
def test_me_answers_501(reference: IdpClient, jira: FakeJira, path: str) -> None:
    """A SCIM error with a `detail`, never a 404 or HTML; nothing reaches Jira."""
    before = len(jira.users)
    detail = expect_error(reference.get(path), 501)
    assert "Not implemented" in detail
    body = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": []}
    expect_error(reference.post(path, body), 501)
    assert len(jira.users) == before


def test_v1_lower_case_and_501(make_idp: MakeIdp, jira: FakeJira) -> None:
    """The 1.1 endpoint: `/users` creates in Jira, `/Bulk` is a 1.1 error with 501."""
    v1 = make_idp("reference-v1", version="v1")
    response = v1.post(
        "users",
        {"schemas": [CORE_1], "userName": "ref-v1", "emails": [{"value": "v1@ref.example"}]},
    )
    assert response.status_code == 201, response.text
    assert response.headers["Location"].startswith(f"{v1.base_url}/Users/")
    assert jira.user("ref-v1") is not None
    assert "Not implemented" in expect_error_v1(v1.get("bulk"), 501)
