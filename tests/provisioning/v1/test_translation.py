"""1.1 resources ↔ 2.0 resources, and 1.1 attribute names in 2.0 notation (no database)."""

from __future__ import annotations

from typing import Any

import pytest
from scim2_models import Context

from provisioning.scim import leniency, mapping
from provisioning.scim.schema import GroupResource, Locator, UserResource
from provisioning.scim.v1.names import Kind, attribute_to_v2, root_attribute
from provisioning.scim.v1.resources import resource_in, resource_out

from .conftest import CORE, ENTERPRISE, ENTERPRISE_V2, user11

USER_V2 = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_V2 = "urn:ietf:params:scim:schemas:core:2.0:Group"
LOCATOR = Locator("http://testserver/scim/v1")


def validated_user(document: dict[str, Any]) -> dict[str, Any]:
    """What the 2.0 core makes of a translated body (leniency, then validation)."""
    body = leniency.normalise_resource(document, UserResource, locator=LOCATOR)
    resource = mapping.validate_user(body, Context.RESOURCE_CREATION_REQUEST)
    return resource.model_dump(scim_ctx=Context.DEFAULT)


class TestAttributeNames:
    """attribute_to_v2: filters, sortBy, attributes and meta.attributes name 1.1 attributes."""

    @pytest.mark.parametrize(
        ("v1", "v2"),
        [
            ("userName", "userName"),
            ("  name.givenName ", "name.givenName"),
            ("urn:scim:schemas:core:1.0:userName", "userName"),
            ("URN:SCIM:SCHEMAS:CORE:1.0:emails.value", "emails.value"),
            ("urn:scim:schemas:core:1.0.displayName", "displayName"),
            (f"{ENTERPRISE}:employeeNumber", f"{ENTERPRISE_V2}:employeeNumber"),
            # 1.1 qualifies extension attributes with a dot (API 1.1, "Attribute Notation").
            (f"{ENTERPRISE}.costCenter", f"{ENTERPRISE_V2}:costCenter"),
            (f"{ENTERPRISE}:manager.managerId", f"{ENTERPRISE_V2}:manager.value"),
            ("manager.MANAGERID", "manager.value"),
            ("manager.displayName", "manager.displayName"),
            (f"{ENTERPRISE_V2}:department", f"{ENTERPRISE_V2}:department"),
            ("meta.lastModified", "meta.lastModified"),
            # The bare extension URN: the whole extension (meta.attributes may clear it).
            (ENTERPRISE, ENTERPRISE_V2),
        ],
    )
    def test_to_v2(self, v1: str, v2: str) -> None:
        assert attribute_to_v2(v1) == v2

    @pytest.mark.parametrize(
        ("path", "root"),
        [
            ("emails", "emails"),
            ("Name.givenName", "name"),
            (f"{USER_V2}:userName", "username"),
            (f"{ENTERPRISE_V2}:manager.value", "manager"),
            ('emails[value eq "x"]', "emails"),
        ],
    )
    def test_root_attribute(self, path: str, root: str) -> None:
        assert root_attribute(path) == root


class TestResourceIn:
    """A 1.1 POST/PUT body becomes the 2.0 resource the core validates."""

    def test_okta_user(self) -> None:
        body = user11("dana.scully")

        document = resource_in(body, Kind.USER)

        assert document["schemas"] == [USER_V2]
        assert document["userName"] == "dana.scully"
        assert document["emails"] == body["emails"]
        stored = validated_user(document)
        assert stored["userName"] == "dana.scully"
        assert stored["name"] == {"givenName": "Dana", "familyName": "Scully"}
        assert stored["password"] == "t1meMach1ne!"
        assert stored["active"] is True

    def test_enterprise_nested_and_flat(self) -> None:
        manager = "2819c223-7f76-453a-919d-413861904646"
        body = {
            "schemas": [CORE, ENTERPRISE],
            "userName": "fox",
            ENTERPRISE: {
                "employeeNumber": "701984",
                "manager": {"managerId": manager, "displayName": "Walter Skinner"},
            },
            f"{ENTERPRISE}:department": "X-Files",
            f"{ENTERPRISE}.costCenter": "4130",
        }

        document = resource_in(body, Kind.USER)

        assert document["schemas"] == [USER_V2, ENTERPRISE_V2]
        assert document[ENTERPRISE_V2] == {
            "employeeNumber": "701984",
            "manager": {"value": manager, "displayName": "Walter Skinner"},
            "department": "X-Files",
            "costCenter": "4130",
        }
        enterprise = validated_user(document)[ENTERPRISE_V2]
        assert enterprise["employeeNumber"] == "701984"
        assert enterprise["department"] == "X-Files"
        assert enterprise["manager"]["value"] == manager

    def test_manager_as_a_bare_id(self) -> None:
        document = resource_in({"userName": "a", ENTERPRISE: {"manager": "m-1"}}, Kind.USER)
        assert document[ENTERPRISE_V2] == {"manager": {"value": "m-1"}}

    def test_core_prefix_meta_and_delete_markers(self) -> None:
        body = {
            f"{CORE}:userName": "walter",
            "meta": {"attributes": ["title"], "created": "2011-01-01T00:00:00Z"},
            "id": "ignored",
            "emails": [
                {"value": "w@example.com", "type": "work", "operation": "add"},
                {"value": "old@example.com", "operation": "DELETE"},
            ],
        }

        document = resource_in(body, Kind.USER)

        assert "meta" not in document
        assert document["userName"] == "walter"
        # In a full resource a value to delete is simply not there.
        assert document["emails"] == [{"value": "w@example.com", "type": "work"}]
        assert validated_user(document)["userName"] == "walter"

    def test_core_attributes_nested_under_their_urn(self) -> None:
        document = resource_in({CORE: {"userName": "mulder", "title": "Agent"}}, Kind.USER)
        assert (document["userName"], document["title"]) == ("mulder", "Agent")

    def test_2_0_names_pass_unchanged(self) -> None:
        body = {
            "schemas": [USER_V2, ENTERPRISE_V2],
            "userName": "g",
            ENTERPRISE_V2: {"division": "D"},
            f"{ENTERPRISE_V2}:organization": "O",
        }
        document = resource_in(body, Kind.USER)
        assert document[ENTERPRISE_V2] == {"division": "D", "organization": "O"}

    def test_group(self) -> None:
        body = {
            "schemas": [CORE],
            "displayName": "Agents",
            "members": [
                {"value": "u-1", "display": "Dana"},
                {"value": "u-2", "operation": "delete"},
            ],
            # Not an extension of groups: left for the core to ignore.
            ENTERPRISE: {"department": "x"},
        }

        document = resource_in(body, Kind.GROUP)

        assert document == {
            "schemas": [GROUP_V2],
            "displayName": "Agents",
            "members": [{"value": "u-1", "display": "Dana"}],
            ENTERPRISE: {"department": "x"},
        }

    @pytest.mark.parametrize("body", [None, [], "x", 3])
    def test_non_objects_are_left_for_the_core_to_refuse(self, body: Any) -> None:
        assert resource_in(body, Kind.USER) == body


class TestResourceOut:
    """A 2.0 document rendered by the core becomes a 1.1 one."""

    def test_user(self) -> None:
        document = {
            "schemas": [USER_V2, ENTERPRISE_V2],
            "id": "u-1",
            "externalId": "00u1",
            "meta": {
                "resourceType": "User",
                "created": "2024-01-01T00:00:00Z",
                "lastModified": "2024-01-02T00:00:00Z",
                "location": "http://testserver/scim/v1/Users/u-1",
                "version": 'W/"3"',
            },
            "userName": "dana",
            "emails": [{"value": "d@example.com", "primary": True}],
            "groups": [
                {"value": "g-1", "$ref": "http://t/scim/v1/Groups/g-1", "display": "Agents"}
            ],
            ENTERPRISE_V2: {
                "department": "X",
                "manager": {"value": "m-1", "$ref": "http://t/scim/v1/Users/m-1"},
            },
        }

        result = resource_out(document)

        assert result == {
            "schemas": [CORE, ENTERPRISE],
            "id": "u-1",
            "externalId": "00u1",
            "meta": {
                "created": "2024-01-01T00:00:00Z",
                "lastModified": "2024-01-02T00:00:00Z",
                "location": "http://testserver/scim/v1/Users/u-1",
                "version": 'W/"3"',
            },
            "userName": "dana",
            "emails": [{"value": "d@example.com", "primary": True}],
            "groups": [{"value": "g-1", "display": "Agents"}],
            ENTERPRISE: {"department": "X", "manager": {"managerId": "m-1"}},
        }
        assert next(iter(result)) == "schemas"

    def test_group(self) -> None:
        document = {
            "schemas": [GROUP_V2],
            "id": "g-1",
            "meta": {"resourceType": "Group", "location": "l"},
            "displayName": "Agents",
            "members": [{"value": "u-1", "$ref": "r", "type": "User", "display": "Dana"}],
        }
        assert resource_out(document) == {
            "schemas": [CORE],
            "id": "g-1",
            "meta": {"location": "l"},
            "displayName": "Agents",
            "members": [{"value": "u-1", "type": "User", "display": "Dana"}],
        }

    def test_round_trip_through_the_core(self) -> None:
        """A 1.1 user stored and rendered by the core reads back as it was written."""
        body = {
            **user11("walter.skinner"),
            ENTERPRISE: {"employeeNumber": "1", "manager": {"managerId": "m-9"}},
        }
        stored = validated_user(resource_in(body, Kind.USER))
        stored.pop("password")
        rendered = UserResource.model_validate(
            {**stored, "id": "u-1", "meta": {"resourceType": "User"}}
        ).model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE)

        result = resource_out(rendered)

        expected = {key: value for key, value in body.items() if key not in ("password", "groups")}
        assert result == {**expected, "id": "u-1", "meta": {}, "schemas": [CORE, ENTERPRISE]}

    def test_group_round_trip_through_the_core(self) -> None:
        body = {"schemas": [CORE], "displayName": "Agents", "externalId": "00g1"}
        group = GroupResource.model_validate(
            {**resource_in(body, Kind.GROUP), "id": "g-1"}
        ).model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE)
        assert resource_out(group) == {**body, "id": "g-1"}
