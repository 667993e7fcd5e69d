"""/Users: create, read, replace, patch, delete, through Django's test client."""

from __future__ import annotations

from typing import Any

import pytest

from configurations.services import scim_configuration_create
from provisioning.models import ScimUser

from .conftest import (
    ENTERPRISE,
    SCIM,
    USER_SCHEMA,
    RecordingApplier,
    ScimClient,
    assert_scim_error,
    valid_resource,
)

pytestmark = pytest.mark.django_db


class TestCreate:
    """POST /Users."""

    def test_created(self, scim: ScimClient, applier: RecordingApplier) -> None:
        response = scim.post(
            "Users",
            {
                "schemas": [USER_SCHEMA, ENTERPRISE],
                "userName": "bjensen",
                "externalId": "00u1",
                "name": {"givenName": "Barbara", "familyName": "Jensen"},
                "emails": [{"value": "bjensen@example.com", "type": "work", "primary": True}],
                "password": "secret",
                "locale": "en-US",
                "groups": [],
                ENTERPRISE: {"employeeNumber": "42", "manager": {"value": "boss"}},
            },
        )
        assert response.status_code == 201
        assert response["Content-Type"] == SCIM
        body = response.json()
        user = valid_resource(body)
        assert (
            response["Location"]
            == body["meta"]["location"]
            == (f"http://testserver/scim/v2/Users/{body['id']}")
        )
        assert response["ETag"] == body["meta"]["version"] == 'W/"1"'
        assert user.user_name == "bjensen"
        assert body[ENTERPRISE]["manager"] == {
            "value": "boss",
            "$ref": "http://testserver/scim/v2/Users/boss",
        }
        assert "password" not in body
        assert applier.kinds == [["user_created"]]

    def test_without_content_type(self, scim: ScimClient) -> None:
        """Okta's spec test posts without a Content-Type; Google sends application/json."""
        response = scim.post("Users", {"userName": "a"}, content_type=None)
        assert response.status_code == 201
        response = scim.post("Users", {"userName": "b"}, content_type="application/json")
        assert response.status_code == 201

    def test_duplicate_user_name(self, scim: ScimClient) -> None:
        scim.create_user("Ann")
        body = assert_scim_error(scim.post("Users", {"userName": "aNN"}), 409, "uniqueness")
        assert "aNN" in body["detail"]

    @pytest.mark.parametrize(
        "body",
        [
            {},
            {"userName": ""},
            {"userName": "a", "emails": [{"value": "nope"}]},
            {"userName": "a", "active": "maybe"},
            {"userName": "x" * 256},
        ],
    )
    def test_invalid(self, scim: ScimClient, body: dict[str, Any]) -> None:
        assert_scim_error(scim.post("Users", body), 400)

    def test_attributes_on_the_response(self, scim: ScimClient) -> None:
        response = scim.request(
            "POST", "Users", {"userName": "a", "title": "T"}, attributes="userName"
        )
        assert set(response.json()) == {"schemas", "id", "userName"}
        # meta is projected away, the Location header is not (RFC 7644 section 3.3).
        assert response["Location"] == f"http://testserver/scim/v2/Users/{response.json()['id']}"


class TestRead:
    """GET /Users/{id}."""

    def test_read(self, scim: ScimClient) -> None:
        created = scim.create_user("ann", title="T")
        response = scim.get(f"Users/{created['id']}")
        assert response.status_code == 200
        assert response.json() == created
        assert response["ETag"] == 'W/"1"'

    @pytest.mark.parametrize("user_id", ["nope", "00000000-0000-0000-0000-000000000000", "%00"])
    def test_unknown(self, scim: ScimClient, user_id: str) -> None:
        assert_scim_error(scim.get(f"Users/{user_id}"), 404)

    def test_projection(self, scim: ScimClient) -> None:
        created = scim.create_user("ann", title="T", nickName="N")
        body = scim.get(f"Users/{created['id']}", attributes="title,meta.version").json()
        assert body == {
            "schemas": [USER_SCHEMA],
            "id": created["id"],
            "title": "T",
            "meta": {"version": 'W/"1"'},
        }
        body = scim.get(f"Users/{created['id']}", excludedAttributes="title,emails").json()
        assert "title" not in body
        assert body["nickName"] == "N"


class TestReplace:
    """PUT /Users/{id}."""

    def test_replace(self, scim: ScimClient, applier: RecordingApplier) -> None:
        created = scim.create_user("ann", title="T")
        response = scim.put(
            f"Users/{created['id']}",
            {
                "schemas": [USER_SCHEMA],
                "id": "ignored",
                "userName": "anna",
                "active": False,
                "meta": {"created": "2000-01-01T00:00:00Z"},
            },
        )
        assert response.status_code == 200
        body = response.json()
        valid_resource(body)
        assert body["id"] == created["id"]
        assert body["meta"]["created"] == created["meta"]["created"]
        assert body["meta"]["version"] == response["ETag"] == 'W/"2"'
        assert "title" not in body
        # The full name Jira holds falls back to the userName when nothing else names the user.
        assert applier.last.kinds == [
            "user_renamed",
            "user_display_name_changed",
            "user_deactivated",
        ]

    def test_conflict(self, scim: ScimClient) -> None:
        scim.create_user("bob")
        created = scim.create_user("ann")
        assert_scim_error(
            scim.put(f"Users/{created['id']}", {"userName": "BOB"}), 409, "uniqueness"
        )


class TestPatch:
    """PATCH /Users/{id}: 200 with the resource."""

    def test_patch(self, scim: ScimClient) -> None:
        created = scim.create_user("ann")
        response = scim.patch_ops(
            f"Users/{created['id']}",
            {"op": "Replace", "path": "active", "value": "False"},
            {"op": "add", "path": "emails", "value": [{"value": "a@x.org", "type": "home"}]},
            {"op": "replace", "path": "name.givenName", "value": "Anna"},
        )
        assert response.status_code == 200
        body = response.json()
        valid_resource(body)
        assert body["active"] is False
        assert body["name"]["givenName"] == "Anna"
        assert response["ETag"] == 'W/"2"'
        assert scim.get(f"Users/{created['id']}").json() == body

    def test_patch_with_attributes(self, scim: ScimClient) -> None:
        created = scim.create_user("ann")
        response = scim.request(
            "PATCH",
            f"Users/{created['id']}",
            {
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "replace", "path": "title", "value": "T"}],
            },
            attributes="title",
        )
        assert response.json() == {"schemas": [USER_SCHEMA], "id": created["id"], "title": "T"}

    def test_atomic(self, scim: ScimClient) -> None:
        created = scim.create_user("ann")
        response = scim.patch_ops(
            f"Users/{created['id']}",
            {"op": "replace", "path": "title", "value": "T"},
            {"op": "remove", "path": "userName"},
        )
        assert_scim_error(response, 400, "mutability")
        assert scim.get(f"Users/{created['id']}").json() == created

    def test_only_read_only_operations(self, scim: ScimClient) -> None:
        created = scim.create_user("ann")
        response = scim.patch_ops(
            f"Users/{created['id']}", {"op": "replace", "path": "id", "value": "x"}
        )
        assert response.status_code == 200
        assert response.json() == created


class TestDelete:
    """DELETE /Users/{id}: disable and hide, or delete when the configuration says so."""

    def test_disable_then_relink(self, scim: ScimClient, applier: RecordingApplier) -> None:
        created = scim.create_user("ann")
        assert scim.delete(f"Users/{created['id']}").status_code == 204
        assert_scim_error(scim.get(f"Users/{created['id']}"), 404)
        assert_scim_error(scim.delete(f"Users/{created['id']}"), 404)
        assert scim.get("Users", filter='userName eq "ann"').json()["totalResults"] == 0
        assert applier.last.of_type(type(applier.last.changes[0]))[0].hard is False
        again = scim.create_user("ANN")
        assert again["id"] == created["id"]
        assert again["userName"] == "ANN"
        assert applier.last.changes[0].restored

    def test_delete_users_on(self, scim_directory: Any) -> None:
        _, credentials = scim_configuration_create(
            name="deleting", directory=scim_directory, delete_users=True
        )
        scim = ScimClient(credentials.token)
        created = scim.create_user("ann")
        assert scim.delete(f"Users/{created['id']}").status_code == 204
        assert not ScimUser.objects.exists()

    def test_if_match(self, scim: ScimClient) -> None:
        created = scim.create_user("ann")
        assert_scim_error(scim.delete(f"Users/{created['id']}", headers={"If-Match": 'W/"9"'}), 412)
        response = scim.delete(f"Users/{created['id']}", headers={"If-Match": 'W/"1"'})
        assert response.status_code == 204
