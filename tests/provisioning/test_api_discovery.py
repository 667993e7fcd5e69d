"""Discovery: ServiceProviderConfig true to the implementation, Schemas, ResourceTypes."""

from __future__ import annotations

import pytest
from scim2_models import Context, ResourceType, Schema, ServiceProviderConfig

from configurations.services import scim_configuration_create

from .conftest import ENTERPRISE, GROUP_SCHEMA, USER_SCHEMA, ScimClient, assert_scim_error

pytestmark = pytest.mark.django_db
RESPONSE = Context.RESOURCE_QUERY_RESPONSE


def test_service_provider_config(scim: ScimClient) -> None:
    response = scim.get("ServiceProviderConfig")
    assert response.status_code == 200
    config = ServiceProviderConfig.model_validate(response.json(), scim_ctx=RESPONSE)
    assert config.patch.supported
    assert config.bulk.supported
    assert (config.bulk.max_operations, config.bulk.max_payload_size) == (1000, 4 * 1024 * 1024)
    assert config.filter.supported
    assert config.filter.max_results == 1000
    assert config.sort.supported
    assert config.etag.supported
    assert config.change_password.supported
    assert [scheme.type for scheme in config.authentication_schemes] == ["oauthbearertoken"]
    assert config.meta.location == "http://testserver/scim/v2/ServiceProviderConfig"
    # Okta's agent asks for the 1.1 spelling; it answers the same.
    assert scim.get("ServiceProviderConfigs").json() == response.json()


def test_basic_auth_is_advertised_when_enabled(scim_directory) -> None:
    _, credentials = scim_configuration_create(
        name="basic", directory=scim_directory, basic_auth_username="idp"
    )
    body = ScimClient(credentials.token).get("ServiceProviderConfig").json()
    assert [scheme["type"] for scheme in body["authenticationSchemes"]] == [
        "oauthbearertoken",
        "httpbasic",
    ]


def test_schemas(scim: ScimClient) -> None:
    body = scim.get("Schemas").json()
    assert body["totalResults"] == 3
    schemas = [Schema.model_validate(item, scim_ctx=RESPONSE) for item in body["Resources"]]
    assert [schema.id for schema in schemas] == [USER_SCHEMA, ENTERPRISE, GROUP_SCHEMA]
    user = scim.get(f"Schemas/{USER_SCHEMA}").json()
    assert user["meta"]["location"] == f"http://testserver/scim/v2/Schemas/{USER_SCHEMA}"
    names = {attribute["name"] for attribute in user["attributes"]}
    assert {"userName", "emails", "x509Certificates", "groups", "password"} <= names
    assert_scim_error(scim.get("Schemas/urn:nothing"), 404)


def test_resource_types(scim: ScimClient) -> None:
    body = scim.get("ResourceTypes").json()
    types = [ResourceType.model_validate(item, scim_ctx=RESPONSE) for item in body["Resources"]]
    assert [(t.id, t.endpoint) for t in types] == [("User", "/Users"), ("Group", "/Groups")]
    assert types[0].schema_extensions[0].schema_ == ENTERPRISE
    assert scim.get("ResourceTypes/Group").json()["schema"] == GROUP_SCHEMA
    assert_scim_error(scim.get("ResourceTypes/Pet"), 404)


def test_filter_is_refused(scim: ScimClient) -> None:
    assert_scim_error(scim.get("ResourceTypes", filter='name eq "User"'), 403)


def test_needs_authentication(scim: ScimClient) -> None:
    assert_scim_error(scim.client.get("/scim/v2/ServiceProviderConfig"), 401)


def test_schema_descriptions_are_rfc_7643s(scim: ScimClient) -> None:
    """RFC 7643 section 8.7.1's descriptions (Microsoft's reference collection checks them)."""
    documents = scim.get("Schemas").json()["Resources"]
    assert {d["name"]: d["description"] for d in documents} == {
        "User": "User Account",
        "EnterpriseUser": "Enterprise User",
        "Group": "Group",
    }
