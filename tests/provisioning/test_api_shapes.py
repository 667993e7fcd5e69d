"""RFC-valid request shapes IdPs send: names in any case, optional sub-attributes left out."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import (
    ENTERPRISE,
    USER_SCHEMA,
    RecordingApplier,
    ScimClient,
    assert_scim_error,
    valid_resource,
)

pytestmark = pytest.mark.django_db


class TestNameCase:
    """RFC 7643 section 2.1: attribute names are case-insensitive, everywhere."""

    def test_capitalised_enterprise_extension_is_created(
        self, scim: ScimClient, applier: RecordingApplier
    ) -> None:
        boss = scim.create_user("boss")
        response = scim.post(
            "Users",
            {
                "schemas": [USER_SCHEMA, ENTERPRISE],
                "UserName": "ann",
                "Emails": [{"Value": "ann@x.org", "Primary": True}],
                ENTERPRISE: {"Department": "Ops", "Manager": {"Value": boss["id"]}},
            },
        )
        assert response.status_code == 201, response.content
        body = response.json()
        valid_resource(body)
        assert body[ENTERPRISE]["department"] == "Ops"
        assert body[ENTERPRISE]["manager"] == {
            "value": boss["id"],
            "$ref": f"http://testserver/scim/v2/Users/{boss['id']}",
        }
        assert body["emails"] == [{"value": "ann@x.org", "primary": True}]

    @pytest.mark.parametrize(
        ("path", "value"),
        [
            (f"{ENTERPRISE}:manager.value", "boss-2"),
            (f"{ENTERPRISE}:Manager.Value", "boss-2"),
            (f"{ENTERPRISE}:Manager", {"Value": "boss-2"}),
        ],
    )
    def test_manager_value_patched_without_ref(
        self, scim: ScimClient, path: str, value: object
    ) -> None:
        user = scim.create_user("ann", **{ENTERPRISE: {"manager": {"value": "boss-1"}}})
        response = scim.patch_ops(
            f"Users/{user['id']}",
            {"op": "replace", "path": path, "value": value},
            attributes=ENTERPRISE,
        )
        assert response.status_code == 200, response.content
        manager = response.json()[ENTERPRISE]["manager"]
        assert manager["value"] == "boss-2"
        stored = scim.get(f"Users/{user['id']}").json()
        assert stored[ENTERPRISE]["manager"]["value"] == "boss-2"

    def test_manager_by_ref_only_and_cleared(self, scim: ScimClient) -> None:
        ref = "http://testserver/scim/v2/Users/boss"
        user = scim.create_user("ann", **{ENTERPRISE: {"manager": {"$ref": ref}}})
        assert user[ENTERPRISE]["manager"] == {"value": "boss", "$ref": ref}
        response = scim.put(
            f"Users/{user['id']}",
            {"schemas": [USER_SCHEMA, ENTERPRISE], "userName": "ann",
             ENTERPRISE: {"manager": {"value": ""}}},
        )
        assert response.status_code == 200, response.content
        assert "manager" not in response.json().get(ENTERPRISE, {})


class TestEndpointNames:
    """Endpoint names in any case; URLs in answers keep the canonical names."""

    @pytest.mark.parametrize("base", ["/scim/v2", "/scim/v1"])
    def test_lower_case_collections(self, scim: ScimClient, base: str) -> None:
        client = ScimClient(scim.token, base=base)
        response = client.post("users", {"schemas": [USER_SCHEMA], "userName": "ann"})
        assert response.status_code == 201, response.content
        body = response.json()
        location = f"http://testserver{base}/Users/{body['id']}"
        assert response["Location"] == body["meta"]["location"] == location
        assert client.get(f"USERS/{body['id']}").json()["meta"]["location"] == location
        assert client.get("users").status_code == 200
        group = client.post("GROUPS", {"displayName": "ops"})
        assert group.status_code == 201, group.content
        assert group["Location"] == f"http://testserver{base}/Groups/{group.json()['id']}"

    @pytest.mark.parametrize(
        ("path", "canonical"),
        [
            ("serviceproviderconfig", "ServiceProviderConfig"),
            ("SERVICEPROVIDERCONFIGS", "ServiceProviderConfig"),
            ("schemas", None),
            ("resourcetypes", None),
            ("resourcetypes/User", "ResourceTypes/User"),
        ],
    )
    def test_lower_case_discovery(self, scim: ScimClient, path: str, canonical: str | None) -> None:
        response = scim.get(path)
        assert response.status_code == 200, (path, response.content)
        if canonical is not None:
            location = response.json()["meta"]["location"]
            assert location == f"http://testserver/scim/v2/{canonical}"

    def test_lower_case_search(self, scim: ScimClient) -> None:
        scim.create_user("ann")
        body = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"]}
        response = scim.post("users/.search", body)
        assert response.status_code == 200, response.content
        assert response.json()["totalResults"] == 1

    def test_v1_lower_case_service_provider_configs(self, scim: ScimClient) -> None:
        response = ScimClient(scim.token, base="/scim/v1").get("serviceproviderconfigs")
        assert response.status_code == 200, response.content


class TestNotImplemented:
    """RFC 7644 endpoints not offered answer a SCIM 501 with a `detail`, never a 404."""

    @pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH", "DELETE"])
    @pytest.mark.parametrize("path", ["Me", "me", "Me/groups"])
    def test_v2(self, scim: ScimClient, method: str, path: str) -> None:
        body = None if method in ("GET", "DELETE") else {"schemas": [USER_SCHEMA]}
        response = scim.request(method, path, body)
        error = assert_scim_error(response, 501)
        assert "Not implemented" in error["detail"]
        assert "/Me" in error["detail"]

    @pytest.mark.parametrize("path", ["Bulk", "bulk", "Bulk/"])
    def test_v2_bulk_is_served_post_only(self, scim: ScimClient, path: str) -> None:
        error = assert_scim_error(scim.get(path), 405)
        assert "allowed: POST" in error["detail"]

    @pytest.mark.parametrize("path", ["Me", "Bulk"])
    def test_v1(self, scim: ScimClient, path: str) -> None:
        response = ScimClient(scim.token, base="/scim/v1").get(path)
        assert response.status_code == 501, response.content
        body = response.json()
        assert "Error" in body or "Errors" in body, body
        assert "Not implemented" in response.content.decode()

    def test_anonymous_gets_401_first(self, client: Any) -> None:
        assert client.get("/scim/v2/Me").status_code == 401

    def test_an_unknown_endpoint_stays_404(self, scim: ScimClient) -> None:
        assert_scim_error(scim.get("Mee"), 404)


class TestOptionalSubAttributes:
    """RFC 7643 leaves `value` and `$ref` of a member optional: either one names it."""

    def test_member_by_ref_only(self, scim: ScimClient, applier: RecordingApplier) -> None:
        user = scim.create_user("ann")
        ref = f"http://testserver/scim/v2/Users/{user['id']}"
        response = scim.post("Groups", {"displayName": "g", "Members": [{"$ref": ref}]})
        assert response.status_code == 201, response.content
        assert [member["value"] for member in response.json()["members"]] == [user["id"]]
        group = response.json()
        response = scim.patch_ops(
            f"Groups/{group['id']}",
            {"op": "remove", "path": "members", "value": [{"$ref": ref}]},
        )
        assert response.status_code == 204, response.content
        assert scim.get(f"Groups/{group['id']}").json().get("members", []) == []
