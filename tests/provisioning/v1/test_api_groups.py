"""/scim/v1/Groups through Django's test client: members in the 1.1 ways."""

from __future__ import annotations

from typing import Any

import pytest

from provisioning.models import ScimMembership
from tests.provisioning.conftest import ScimClient

from .conftest import CORE, assert_v1_error, group11, user11

pytestmark = pytest.mark.django_db


@pytest.fixture
def ids(scim1: ScimClient) -> list[str]:
    """Three users' ids."""
    names = ("dana.scully", "fox.mulder", "john.doggett")
    return [scim1.post("Users", user11(name)).json()["id"] for name in names]


def member_ids(scim1: ScimClient, group_id: str) -> set[str]:
    """The group's members as the 1.1 API shows them."""
    body = scim1.get(f"Groups/{group_id}").json()
    return {member["value"] for member in body.get("members", [])}


def create(scim1: ScimClient, name: str, *members: str) -> dict[str, Any]:
    """POST a 1.1 group; the created resource."""
    response = scim1.post("Groups", group11(name, *members))
    assert response.status_code == 201, response.content
    return response.json()


class TestGroups:
    """Create, read, list, replace, delete."""

    def test_create_and_read(self, scim1: ScimClient, ids: list[str]) -> None:
        response = scim1.post(
            "Groups",
            {
                "schemas": [CORE],
                "displayName": "X-Files",
                "externalId": "00g1",
                "members": [{"value": ids[0], "display": "Dana Scully"}],
            },
        )

        assert response.status_code == 201, response.content
        body = response.json()
        assert body["schemas"] == [CORE]
        assert body["externalId"] == "00g1"
        assert body["members"] == [{"value": ids[0], "type": "User", "display": "Dana Scully"}]
        assert "resourceType" not in body["meta"]
        assert response["Location"] == f"http://testserver/scim/v1/Groups/{body['id']}"
        assert scim1.get(f"Groups/{body['id']}").json() == body

    def test_okta_group_push_create(self, scim1: ScimClient) -> None:
        response = scim1.post("Groups", {"schemas": [CORE], "displayName": "Pushed", "members": []})
        assert response.status_code == 201, response.content
        assert "members" not in response.json()

    def test_list_and_filter(self, scim1: ScimClient, ids: list[str]) -> None:
        create(scim1, "X-Files", *ids)
        create(scim1, "Lone Gunmen")

        listed = scim1.get("Groups", startIndex=1, count=100).json()
        assert listed["schemas"] == [CORE]
        assert [group["displayName"] for group in listed["Resources"]] == ["X-Files", "Lone Gunmen"]
        assert len(listed["Resources"][0]["members"]) == 3

        found = scim1.get("Groups", filter='displayName eq "x-files"').json()
        assert [group["displayName"] for group in found["Resources"]] == ["X-Files"]
        by_member = scim1.get("Groups", filter=f'members eq "{ids[1]}"').json()
        assert by_member["totalResults"] == 1

        lean = scim1.get("Groups", excludedAttributes="members").json()
        assert all("members" not in group for group in lean["Resources"])
        names = scim1.get("Groups", attributes="displayName").json()
        assert all(set(group) == {"schemas", "id", "displayName"} for group in names["Resources"])

    def test_put_replaces_members(self, scim1: ScimClient, ids: list[str]) -> None:
        group = create(scim1, "X-Files", ids[0], ids[1])

        response = scim1.put(f"Groups/{group['id']}", group11("X-Files", ids[1], ids[2]))

        assert response.status_code == 200, response.content
        assert {m["value"] for m in response.json()["members"]} == {ids[1], ids[2]}

    def test_delete(self, scim1: ScimClient, ids: list[str]) -> None:
        group = create(scim1, "X-Files", *ids)
        assert scim1.delete(f"Groups/{group['id']}").status_code == 204
        assert_v1_error(scim1.get(f"Groups/{group['id']}"), 404)
        assert not ScimMembership.objects.exists()


class TestPatch:
    """Membership PATCH as Okta's agent sends it: full lists, removals marked delete."""

    def test_full_members_list(self, scim1: ScimClient, ids: list[str]) -> None:
        group = create(scim1, "X-Files", ids[0])

        response = scim1.patch(
            f"Groups/{group['id']}",
            {
                "schemas": [CORE],
                "displayName": "X-Files",
                "members": [{"value": ids[0], "display": "Dana"}, {"value": ids[1]}],
            },
        )

        assert response.status_code == 204, response.content
        assert response.content == b""
        assert member_ids(scim1, group["id"]) == {ids[0], ids[1]}

    def test_operation_delete(self, scim1: ScimClient, ids: list[str]) -> None:
        group = create(scim1, "X-Files", *ids)

        response = scim1.patch(
            f"Groups/{group['id']}",
            {
                "schemas": [CORE],
                "members": [
                    {"value": ids[0]},
                    {"value": ids[1], "operation": "delete"},
                    {"value": ids[2], "display": "John", "operation": "Delete"},
                ],
            },
        )

        assert response.status_code == 204, response.content
        assert member_ids(scim1, group["id"]) == {ids[0]}

    def test_members_not_listed_stay(self, scim1: ScimClient, ids: list[str]) -> None:
        """1.1 PATCH merges: a member not in the body is not removed (PUT does that)."""
        group = create(scim1, "X-Files", ids[0], ids[1])
        scim1.patch(f"Groups/{group['id']}", {"members": [{"value": ids[2]}]})
        assert member_ids(scim1, group["id"]) == set(ids)

    def test_meta_attributes_members(self, scim1: ScimClient, ids: list[str]) -> None:
        group = create(scim1, "X-Files", ids[0], ids[1])
        url = f"Groups/{group['id']}"

        scim1.patch(url, {"meta": {"attributes": ["members"]}, "members": [{"value": ids[2]}]})
        assert member_ids(scim1, group["id"]) == {ids[2]}

        scim1.patch(url, {"meta": {"attributes": ["members"]}})
        assert member_ids(scim1, group["id"]) == set()

    def test_rename_and_attributes(self, scim1: ScimClient, ids: list[str]) -> None:
        group = create(scim1, "X-Files")

        response = scim1.patch(
            f"Groups/{group['id']}", {"displayName": "The X-Files"}, attributes="displayName"
        )

        assert response.status_code == 200, response.content
        assert set(response.json()) == {"schemas", "id", "displayName"}
        assert response.json()["displayName"] == "The X-Files"

    def test_unknown_member_is_refused_and_nothing_changes(
        self, scim1: ScimClient, ids: list[str]
    ) -> None:
        group = create(scim1, "X-Files", ids[0])
        response = scim1.patch(
            f"Groups/{group['id']}",
            {
                "members": [
                    {"value": ids[0], "operation": "delete"},
                    {"value": "00000000-0000-0000-0000-000000000000"},
                ]
            },
        )
        assert "00000000-0000-0000-0000-000000000000" in assert_v1_error(response, 400)
        assert member_ids(scim1, group["id"]) == {ids[0]}
