"""/ServiceProviderConfigs and /Schemas in SCIM 1.1: true to what the server does."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import override_settings

from configurations.services import scim_configuration_create
from tests.provisioning.conftest import ScimClient

from .conftest import CORE, ENTERPRISE, v1_client

pytestmark = pytest.mark.django_db


def attribute(schema: dict[str, Any], name: str) -> dict[str, Any]:
    """One attribute description of a 1.1 schema."""
    return next(item for item in schema["attributes"] if item["name"] == name)


class TestServiceProviderConfigs:
    """The 1.1 document mirrors the 2.0 one."""

    @override_settings(SCIM_MAX_PAGE_SIZE=250)
    def test_document(self, scim1: ScimClient) -> None:
        response = scim1.get("ServiceProviderConfigs")

        assert response.status_code == 200, response.content
        body = response.json()
        assert body["schemas"] == [CORE]
        assert body["patch"] == {"supported": True}
        # Bulk is served in 2.0 only (docs/scim-v1.md): 1.1 advertises none.
        assert body["bulk"] == {"supported": False, "maxOperations": 0, "maxPayloadSize": 0}
        assert body["filter"] == {"supported": True, "maxResults": 250}
        assert body["sort"] == {"supported": True}
        assert body["etag"] == {"supported": True}
        assert body["changePassword"] == {"supported": True}
        assert body["xmlDataFormat"] == {"supported": False}
        assert [scheme["type"] for scheme in body["authenticationSchemes"]] == ["OAuth2"]
        assert body["meta"]["location"] == "http://testserver/scim/v1/ServiceProviderConfigs"
        v2 = ScimClient(scim1.token).get("ServiceProviderConfig").json()
        assert v2["bulk"]["supported"] is True
        for capability in ("patch", "filter", "sort", "etag", "changePassword"):
            assert body[capability] == v2[capability]

    def test_singular_path_and_basic_auth(self, scim_directory: Any) -> None:
        _, credentials = scim_configuration_create(
            name="ping", directory=scim_directory, basic_auth_username="ping"
        )
        body = v1_client(credentials.token).get("ServiceProviderConfig").json()
        assert [scheme["type"] for scheme in body["authenticationSchemes"]] == [
            "OAuth2",
            "HttpBasic",
        ]

    def test_read_only(self, scim1: ScimClient) -> None:
        response = scim1.post("ServiceProviderConfigs", {})
        assert response.status_code == 405
        assert response.json()["Errors"][0]["code"] == "405"


class TestSchemas:
    """User (core and enterprise attributes) and Group, in the 1.1 resource-schema shape."""

    def test_list(self, scim1: ScimClient) -> None:
        body = scim1.get("Schemas").json()
        assert body["schemas"] == [CORE]
        assert body["totalResults"] == 2
        assert [schema["id"] for schema in body["Resources"]] == [
            f"{CORE}:User",
            f"{CORE}:Group",
        ]

    def test_user(self, scim1: ScimClient) -> None:
        user = scim1.get(f"Schemas/{CORE}:User").json()

        assert (user["name"], user["schema"], user["endpoint"]) == ("User", CORE, "/Users")
        assert attribute(user, "id")["readOnly"] is True
        assert attribute(user, "userName")["required"] is True
        emails = attribute(user, "emails")
        assert emails["multiValued"] is True
        assert emails["multiValuedAttributeChildName"] == "email"
        assert attribute(user, "addresses")["multiValuedAttributeChildName"] == "address"
        assert attribute(user, "groups")["readOnly"] is True
        manager = attribute(user, "manager")
        assert manager["schema"] == ENTERPRISE
        assert [sub["name"] for sub in manager["subAttributes"]] == ["managerId", "displayName"]
        assert attribute(user, "employeeNumber")["schema"] == ENTERPRISE
        assert "$ref" not in str(user)
        assert "mutability" not in str(user)
        meta = attribute(user, "meta")
        assert "attributes" in [sub["name"] for sub in meta["subAttributes"]]

    @pytest.mark.parametrize("name", ["Users", "user", "Group", f"{CORE}:Group"])
    def test_by_name_or_endpoint(self, scim1: ScimClient, name: str) -> None:
        response = scim1.get(f"Schemas/{name}")
        assert response.status_code == 200
        assert response.json()["name"].lower() == name.removesuffix("s").split(":")[-1].lower()

    def test_group_members(self, scim1: ScimClient) -> None:
        members = attribute(scim1.get("Schemas/Group").json(), "members")
        assert members["multiValuedAttributeChildName"] == "member"
        assert {sub["name"] for sub in members["subAttributes"]} >= {"value", "display", "type"}

    def test_unknown(self, scim1: ScimClient) -> None:
        response = scim1.get("Schemas/urn:ietf:params:scim:schemas:core:2.0:User")
        assert response.status_code == 404
        assert response.json()["Errors"][0]["code"] == "404"
