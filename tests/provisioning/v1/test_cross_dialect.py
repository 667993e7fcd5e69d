"""One set of SCIM tables, two dialects: what one writes, the other reads (and filters)."""

from __future__ import annotations

import pytest

from configurations.models import Directory
from configurations.services import directory_get_or_create, scim_configuration_create
from tests.provisioning.conftest import GROUP_SCHEMA, USER_SCHEMA, ScimClient, make_site

from .conftest import CORE, ENTERPRISE, ENTERPRISE_V2, assert_v1_error, user11, v1_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def scim2(scim1: ScimClient) -> ScimClient:
    """A 2.0 client of the same configuration."""
    return ScimClient(scim1.token)


def test_v1_create_is_a_v2_user(scim1: ScimClient, scim2: ScimClient) -> None:
    boss = scim1.post("Users", user11("walter.skinner")).json()
    created = scim1.post(
        "Users",
        user11(
            "dana.scully",
            **{ENTERPRISE: {"employeeNumber": "7", "manager": {"managerId": boss["id"]}}},
        ),
    ).json()

    response = scim2.get(f"Users/{created['id']}")

    assert response.status_code == 200
    user = response.json()
    assert user["schemas"] == [USER_SCHEMA, ENTERPRISE_V2]
    assert user["meta"]["resourceType"] == "User"
    assert user["meta"]["location"] == f"http://testserver/scim/v2/Users/{created['id']}"
    assert user["meta"]["version"] == created["meta"]["version"]
    assert user["userName"] == "dana.scully"
    assert user[ENTERPRISE_V2]["employeeNumber"] == "7"
    assert user[ENTERPRISE_V2]["manager"] == {
        "value": boss["id"],
        "$ref": f"http://testserver/scim/v2/Users/{boss['id']}",
    }
    found = scim2.get("Users", filter='userName eq "DANA.SCULLY"').json()
    assert [item["id"] for item in found["Resources"]] == [created["id"]]


def test_v2_create_is_a_v1_user(scim1: ScimClient, scim2: ScimClient) -> None:
    created = scim2.create_user(
        "fox.mulder",
        name={"givenName": "Fox", "familyName": "Mulder"},
        emails=[{"value": "fox@fbi.gov", "type": "work", "primary": True}],
        **{ENTERPRISE_V2: {"department": "X-Files"}},
    )

    user = scim1.get(f"Users/{created['id']}").json()

    assert user["schemas"] == [CORE, ENTERPRISE]
    assert user["meta"]["location"] == f"http://testserver/scim/v1/Users/{created['id']}"
    assert user[ENTERPRISE] == {"department": "X-Files"}
    assert user["emails"] == [{"value": "fox@fbi.gov", "type": "work", "primary": True}]
    for text in (
        'userName eq "fox.mulder"',
        'emails eq "FOX@fbi.gov"',
        f'{ENTERPRISE}:department eq "X-Files"',
        f'{ENTERPRISE}.department sw "x"',
    ):
        found = scim1.get("Users", filter=text).json()["Resources"]
        assert [item["id"] for item in found] == [created["id"]], text


def test_groups_across_dialects(scim1: ScimClient, scim2: ScimClient) -> None:
    v1_user = scim1.post("Users", user11("dana.scully")).json()
    v2_user = scim2.create_user("fox.mulder")
    group = scim2.create_group("X-Files", members=[v1_user["id"]])

    scim1.patch(f"Groups/{group['id']}", {"members": [{"value": v2_user["id"]}]})

    members = scim2.get(f"Groups/{group['id']}").json()["members"]
    assert {m["value"] for m in members} == {v1_user["id"], v2_user["id"]}
    assert scim2.get(f"Groups/{group['id']}").json()["schemas"] == [GROUP_SCHEMA]
    groups = scim1.get(f"Users/{v2_user['id']}").json()["groups"]
    assert groups == [{"value": group["id"], "display": "X-Files", "type": "direct"}]


def test_deleted_through_one_is_gone_from_both(scim1: ScimClient, scim2: ScimClient) -> None:
    created = scim2.create_user("john.doggett")
    assert scim1.delete(f"Users/{created['id']}").status_code == 204
    assert scim2.get(f"Users/{created['id']}").status_code == 404


def test_isolation(scim1: ScimClient) -> None:
    """Another configuration's 1.1 API reaches only its own directory."""
    created = scim1.post("Users", user11("dana.scully")).json()
    other: Directory = directory_get_or_create(name="Elsewhere", jira_site=make_site("other"))
    _, credentials = scim_configuration_create(name="other", directory=other)
    stranger = v1_client(credentials.token)

    assert_v1_error(stranger.get(f"Users/{created['id']}"), 404)
    assert stranger.get("Users", filter='userName eq "dana.scully"').json()["totalResults"] == 0
    assert stranger.post("Users", user11("dana.scully")).status_code == 201
