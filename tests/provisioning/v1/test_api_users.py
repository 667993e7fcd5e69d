"""/scim/v1/Users through Django's test client: every operation, in the 1.1 shapes."""

from __future__ import annotations

from typing import Any

import pytest

from provisioning.models import ScimUser
from tests.provisioning.conftest import SCIM, ScimClient

from .conftest import CORE, ENTERPRISE, assert_v1_error, user11

pytestmark = pytest.mark.django_db


def assert_v1_user(body: dict[str, Any]) -> None:
    """A 1.1 User: the 1.1 schemas, and nothing only 2.0 has."""
    assert body["schemas"][0] == CORE
    assert set(body["schemas"]) <= {CORE, ENTERPRISE}
    assert "resourceType" not in body.get("meta", {})
    assert "$ref" not in str(body)
    assert "urn:ietf" not in str(body)
    assert "password" not in body


def create(scim1: ScimClient, user_name: str, **attributes: Any) -> dict[str, Any]:
    """POST a 1.1 user; the created resource."""
    response = scim1.post("Users", user11(user_name, **attributes))
    assert response.status_code == 201, response.content
    return response.json()


class TestCreateAndRead:
    """POST answers 201 with Location, ETag and the 1.1 user; GET reads it back."""

    def test_create(self, scim1: ScimClient) -> None:
        response = scim1.post("Users", user11("dana.scully"))

        assert response.status_code == 201, response.content
        assert response["Content-Type"] == SCIM
        body = response.json()
        assert_v1_user(body)
        assert body["userName"] == "dana.scully"
        assert body["name"] == {"givenName": "Dana", "familyName": "Scully"}
        assert body["emails"] == [
            {"value": "dana.scully@example.com", "type": "work", "primary": True}
        ]
        assert body["active"] is True
        assert body["meta"]["location"] == f"http://testserver/scim/v1/Users/{body['id']}"
        assert response["Location"] == body["meta"]["location"]
        assert response["ETag"] == body["meta"]["version"] == 'W/"1"'
        assert ScimUser.objects.get(pk=body["id"]).user_name == "dana.scully"

    def test_create_without_content_type(self, scim1: ScimClient) -> None:
        response = scim1.post("Users", user11("fox.mulder"), content_type=None)
        assert response.status_code == 201, response.content

    def test_enterprise_extension_reads_back_as_written(self, scim1: ScimClient) -> None:
        boss = create(scim1, "walter.skinner")
        extension = {
            "employeeNumber": "701984",
            "department": "X-Files",
            "manager": {"managerId": boss["id"]},
        }

        created = create(scim1, "dana.scully", **{ENTERPRISE: extension})

        assert created["schemas"] == [CORE, ENTERPRISE]
        assert created[ENTERPRISE] == extension
        read = scim1.get(f"Users/{created['id']}").json()
        assert read[ENTERPRISE] == extension
        assert_v1_user(read)

    def test_get_with_attributes(self, scim1: ScimClient) -> None:
        created = create(scim1, "dana.scully", **{ENTERPRISE: {"department": "X"}})

        body = scim1.get(
            f"Users/{created['id']}", attributes=f"userName,{CORE}:emails,{ENTERPRISE}:department"
        ).json()

        assert body["userName"] == "dana.scully"
        assert body["emails"]
        assert body[ENTERPRISE] == {"department": "X"}
        assert "name" not in body
        assert "displayName" not in body

    def test_write_responses_projected(self, scim1: ScimClient) -> None:
        response = scim1.post("Users", user11("dana.scully"), attributes="userName")
        assert response.status_code == 201, response.content
        body = response.json()
        assert set(body) == {"schemas", "id", "userName"}
        assert response["Location"] == f"http://testserver/scim/v1/Users/{body['id']}"
        updated = scim1.patch(f"Users/{body['id']}", {"title": "Agent"}, attributes="title")
        assert set(updated.json()) == {"schemas", "id", "title"}

    def test_groups_in_1_1_shape(self, scim1: ScimClient) -> None:
        user = create(scim1, "dana.scully")
        group = scim1.post("Groups", {"displayName": "Agents", "members": [{"value": user["id"]}]})

        body = scim1.get(f"Users/{user['id']}").json()

        assert body["groups"] == [
            {"value": group.json()["id"], "display": "Agents", "type": "direct"}
        ]

    def test_if_none_match(self, scim1: ScimClient) -> None:
        created = create(scim1, "dana.scully")
        response = scim1.get(f"Users/{created['id']}", headers={"If-None-Match": 'W/"1"'})
        assert response.status_code == 304
        assert response["ETag"] == 'W/"1"'


class TestList:
    """Connection test, lookups, paging, sorting and projection."""

    @pytest.fixture
    def users(self, scim1: ScimClient) -> list[dict[str, Any]]:
        """Three users, two of them agents."""
        return [
            create(scim1, "dana.scully", title="Agent"),
            create(scim1, "fox.mulder", title="Agent"),
            create(scim1, "walter.skinner", title="Assistant Director"),
        ]

    def test_okta_connection_test(self, scim1: ScimClient, users: list[dict[str, Any]]) -> None:
        response = scim1.get("Users", startIndex=1, count=2)

        assert response.status_code == 200
        body = response.json()
        assert list(body) == ["schemas", "totalResults", "itemsPerPage", "startIndex", "Resources"]
        assert body["schemas"] == [CORE]
        assert (body["totalResults"], body["itemsPerPage"], body["startIndex"]) == (3, 2, 1)
        assert [user["userName"] for user in body["Resources"]] == ["dana.scully", "fox.mulder"]
        for user in body["Resources"]:
            assert_v1_user(user)

    def test_empty(self, scim1: ScimClient) -> None:
        body = scim1.get("Users", startIndex=1, count=2).json()
        assert body == {
            "schemas": [CORE],
            "totalResults": 0,
            "itemsPerPage": 0,
            "startIndex": 1,
            "Resources": [],
        }

    def test_pages(self, scim1: ScimClient, users: list[dict[str, Any]]) -> None:
        body = scim1.get("Users", startIndex=3, count=2).json()
        assert [user["userName"] for user in body["Resources"]] == ["walter.skinner"]
        assert scim1.get("Users", startIndex=0, count=0).json()["totalResults"] == 3
        assert scim1.get("Users", startIndex=9).json()["Resources"] == []

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ('userName eq "DANA.SCULLY"', ["dana.scully"]),
            ('username Eq "fox.mulder"', ["fox.mulder"]),
            ('userName sw "d" or userName sw "w"', ["dana.scully", "walter.skinner"]),
            ('title eq "Agent" and userName co "mulder"', ["fox.mulder"]),
            ('emails eq "walter.skinner@example.com"', ["walter.skinner"]),
            ('urn:scim:schemas:core:1.0:displayName eq "Fox Mulder"', ["fox.mulder"]),
            ('userName gt "e"', ["fox.mulder", "walter.skinner"]),
            ("nickName pr", []),
            ('userName eq "nobody"', []),
        ],
    )
    def test_filter(
        self, scim1: ScimClient, users: list[dict[str, Any]], text: str, expected: list[str]
    ) -> None:
        body = scim1.get("Users", filter=text, startIndex=1, count=100).json()
        assert sorted(user["userName"] for user in body["Resources"]) == expected
        assert body["totalResults"] == len(expected)

    def test_filter_on_external_id_and_date(
        self, scim1: ScimClient, users: list[dict[str, Any]]
    ) -> None:
        external = users[1]["externalId"]
        found = scim1.get("Users", filter=f'externalId eq "{external}"').json()["Resources"]
        assert [user["userName"] for user in found] == ["fox.mulder"]
        since = users[0]["meta"]["created"]
        later = scim1.get("Users", filter=f'meta.created gt "{since}"').json()
        assert later["totalResults"] == 2

    def test_filter_with_plus_for_spaces(self, scim1: ScimClient, users: list[Any]) -> None:
        response = scim1.client.get(
            "/scim/v1/Users?filter=userName+eq+%22fox.mulder%22",
            HTTP_AUTHORIZATION=f"Bearer {scim1.token}",
        )
        assert response.json()["totalResults"] == 1

    def test_sort(self, scim1: ScimClient, users: list[dict[str, Any]]) -> None:
        body = scim1.get(
            "Users", sortBy="urn:scim:schemas:core:1.0:userName", sortOrder="descending"
        ).json()
        assert [user["userName"] for user in body["Resources"]] == [
            "walter.skinner",
            "fox.mulder",
            "dana.scully",
        ]

    def test_attributes(self, scim1: ScimClient, users: list[dict[str, Any]]) -> None:
        body = scim1.get("Users", attributes="userName,name.familyName").json()
        for user in body["Resources"]:
            assert set(user) == {"schemas", "id", "userName", "name"}
            assert set(user["name"]) == {"familyName"}


class TestUpdate:
    """PUT replaces; PATCH merges by the 1.1 rules; both answer the 1.1 user."""

    def test_put(self, scim1: ScimClient) -> None:
        created = create(scim1, "dana.scully", title="Agent")
        body = {**user11("dana.scully"), "name": {"givenName": "Katherine", "familyName": "Scully"}}
        body.pop("password")

        response = scim1.put(f"Users/{created['id']}", body)

        assert response.status_code == 200, response.content
        updated = response.json()
        assert_v1_user(updated)
        assert updated["name"]["givenName"] == "Katherine"
        assert "title" not in updated  # PUT replaces: what is not sent is gone
        assert updated["id"] == created["id"]
        assert response["ETag"] == 'W/"2"'

    @pytest.mark.parametrize("active", [False, "false", "False"])
    def test_deactivate(self, scim1: ScimClient, active: Any) -> None:
        created = create(scim1, "dana.scully")

        response = scim1.patch(
            f"Users/{created['id']}", {"schemas": [CORE], "id": created["id"], "active": active}
        )

        assert response.status_code == 200, response.content
        assert response.json()["active"] is False
        assert_v1_user(response.json())
        assert ScimUser.objects.get(pk=created["id"]).active is False

    def test_patch_merges(self, scim1: ScimClient) -> None:
        created = create(scim1, "dana.scully", title="Agent", nickName="Starbuck")

        response = scim1.patch(
            f"Users/{created['id']}",
            {
                "schemas": [CORE],
                "meta": {"attributes": ["nickName"]},
                "name": {"givenName": "Katherine"},
                "emails": [
                    {"value": "dana.scully@example.com", "operation": "delete"},
                    {"value": "scully@fbi.gov", "type": "work", "primary": True},
                ],
                ENTERPRISE: {"department": "X-Files"},
            },
        )

        assert response.status_code == 200, response.content
        user = response.json()
        assert user["name"] == {"givenName": "Katherine", "familyName": "Scully"}
        assert user["emails"] == [{"value": "scully@fbi.gov", "type": "work", "primary": True}]
        assert "nickName" not in user
        assert user["title"] == "Agent"
        assert user[ENTERPRISE] == {"department": "X-Files"}

    def test_patch_with_nothing_to_change(self, scim1: ScimClient) -> None:
        created = create(scim1, "dana.scully")
        response = scim1.patch(f"Users/{created['id']}", {"schemas": [CORE], "id": created["id"]})
        assert response.status_code == 200, response.content
        assert response.json()["meta"]["version"] == 'W/"1"'

    def test_patch_is_atomic(self, scim1: ScimClient) -> None:
        created = create(scim1, "dana.scully", title="Agent")
        response = scim1.patch(
            f"Users/{created['id']}",
            {"title": "Director", "meta": {"attributes": ["userName"]}},
        )
        assert_v1_error(response, 400)
        assert scim1.get(f"Users/{created['id']}").json()["title"] == "Agent"

    def test_if_match(self, scim1: ScimClient) -> None:
        created = create(scim1, "dana.scully")
        url = f"Users/{created['id']}"
        assert_v1_error(scim1.patch(url, {"title": "x"}, headers={"If-Match": 'W/"9"'}), 412)
        response = scim1.patch(url, {"title": "x"}, headers={"If-Match": 'W/"1"'})
        assert response.status_code == 200


class TestDelete:
    """DELETE answers 204; the user is gone from the API."""

    def test_delete(self, scim1: ScimClient) -> None:
        created = create(scim1, "dana.scully")

        response = scim1.delete(f"Users/{created['id']}")

        assert response.status_code == 204
        assert_v1_error(scim1.get(f"Users/{created['id']}"), 404)
        assert scim1.get("Users", filter='userName eq "dana.scully"').json()["totalResults"] == 0

    def test_create_again_reactivates(self, scim1: ScimClient) -> None:
        created = create(scim1, "dana.scully")
        scim1.delete(f"Users/{created['id']}")

        again = create(scim1, "dana.scully")

        assert again["id"] == created["id"]
        assert again["active"] is True
