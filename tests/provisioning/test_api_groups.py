"""/Groups: create, read, replace, patch (204), delete; member changes through PATCH."""

from __future__ import annotations

import pytest

from .conftest import (
    GROUP_SCHEMA,
    PATCH_SCHEMA,
    RecordingApplier,
    ScimClient,
    assert_scim_error,
    valid_resource,
)

pytestmark = pytest.mark.django_db


def member_ids(body: dict) -> list[str]:
    """Member ids of a group document."""
    return [member["value"] for member in body.get("members", [])]


class TestGroups:
    """CRUD."""

    def test_create_read_replace_delete(self, scim: ScimClient, applier: RecordingApplier) -> None:
        ann, bob = scim.create_user("ann"), scim.create_user("bob")
        response = scim.post(
            "Groups",
            {
                "schemas": [
                    GROUP_SCHEMA,
                    "urn:ietf:params:scim:schemas:extension:Microsoft:ADSCIM:2.0:Group",
                ],
                "displayName": "Admins",
                "externalId": "ext",
                "members": [{"value": ann["id"], "display": "Ann A", "type": "User"}],
            },
        )
        assert response.status_code == 201
        created = response.json()
        valid_resource(created)
        assert created["members"] == [
            {
                "value": ann["id"],
                "$ref": f"http://testserver/scim/v2/Users/{ann['id']}",
                "type": "User",
                "display": "Ann A",
            }
        ]
        assert response["Location"] == created["meta"]["location"]
        # A user's groups come from the memberships.
        assert scim.get(f"Users/{ann['id']}").json()["groups"][0]["display"] == "Admins"

        response = scim.put(
            f"Groups/{created['id']}", {"displayName": "Admins", "members": [{"value": bob["id"]}]}
        )
        assert response.status_code == 200
        assert member_ids(response.json()) == [bob["id"]]
        assert "externalId" not in response.json()
        assert sorted(applier.last.kinds) == ["member_added", "member_removed"]

        assert scim.get(f"Groups/{created['id']}").json() == response.json()
        assert scim.delete(f"Groups/{created['id']}").status_code == 204
        assert_scim_error(scim.get(f"Groups/{created['id']}"), 404)
        assert "groups" not in scim.get(f"Users/{bob['id']}").json()

    def test_duplicate_display_name(self, scim: ScimClient) -> None:
        scim.create_group("Admins")
        assert_scim_error(scim.post("Groups", {"displayName": "ADMINS"}), 409, "uniqueness")

    def test_unknown_member(self, scim: ScimClient) -> None:
        response = scim.post(
            "Groups",
            {"displayName": "g", "members": [{"value": "2819c223-7f76-453a-919d-413861904646"}]},
        )
        assert_scim_error(response, 400, "invalidValue")

    def test_excluded_members(self, scim: ScimClient) -> None:
        ann = scim.create_user("ann")
        group = scim.create_group("g", [ann["id"]])
        body = scim.get(f"Groups/{group['id']}", excludedAttributes="members").json()
        assert "members" not in body
        assert body["displayName"] == "g"


class TestPatch:
    """PATCH /Groups/{id}: 204, or 200 with the resource when attributes are asked for."""

    def test_members_and_name(self, scim: ScimClient, applier: RecordingApplier) -> None:
        ann, bob = scim.create_user("ann"), scim.create_user("bob")
        group = scim.create_group("g")
        url = f"Groups/{group['id']}"
        # Entra: add with a $ref of null; Okta: rename with the id in the value.
        response = scim.patch_ops(
            url,
            {
                "op": "Add",
                "path": "members",
                "value": [{"$ref": None, "value": ann["id"]}, {"value": bob["id"]}],
            },
            {"op": "replace", "value": {"id": group["id"], "displayName": "g2"}},
        )
        assert response.status_code == 204
        assert response.content == b""
        assert response["ETag"] == 'W/"2"'
        body = scim.get(url).json()
        assert (body["displayName"], sorted(member_ids(body))) == (
            "g2",
            sorted([ann["id"], bob["id"]]),
        )
        # Okta resends the unchanged name with each membership change.
        response = scim.patch_ops(
            url,
            {"op": "replace", "value": {"id": group["id"], "displayName": "g2"}},
            {"op": "remove", "path": f'members[value eq "{ann["id"]}"]'},
        )
        assert response.status_code == 204
        assert applier.last.kinds == ["member_removed"]
        response = scim.patch(
            url,
            {
                "schemas": [PATCH_SCHEMA],
                "Operations": [
                    {"op": "remove", "path": "members", "value": [{"value": bob["id"]}]}
                ],
            },
            excludedAttributes="members",
        )
        assert response.status_code == 200
        assert response.json()["meta"]["version"] == 'W/"4"'
        assert "members" not in scim.get(url).json()

    def test_scim11_member_removal(self, scim: ScimClient) -> None:
        ann = scim.create_user("ann")
        group = scim.create_group("g", [ann["id"]])
        response = scim.patch(
            f"Groups/{group['id']}",
            {
                "schemas": ["urn:scim:schemas:core:1.0"],
                "members": [{"value": ann["id"], "operation": "delete"}],
            },
        )
        assert response.status_code == 204
        assert "members" not in scim.get(f"Groups/{group['id']}").json()

    def test_errors(self, scim: ScimClient) -> None:
        group = scim.create_group("g")
        url = f"Groups/{group['id']}"
        assert_scim_error(
            scim.patch_ops(url, {"op": "remove", "path": "displayName"}), 400, "mutability"
        )
        assert_scim_error(
            scim.patch_ops(url, {"op": "replace", "path": "members[value eq"}), 400, "invalidPath"
        )
        assert_scim_error(
            scim.patch_ops(
                url, {"op": "add", "path": "members", "value": [{"value": "x", "type": "Group"}]}
            ),
            400,
            "invalidValue",
        )
        assert_scim_error(
            scim.patch_ops(
                url,
                {"op": "replace", "path": "displayName", "value": "h"},
                headers={"If-Match": 'W/"5"'},
            ),
            412,
        )
        assert scim.get(url).json() == group
