"""The IdP leniency layer: each shape from ../shared/reference/idp-behaviour.md is accepted."""

from __future__ import annotations

from typing import Any

import pytest
from scim2_models import Context, EnterpriseUser

from provisioning.scim import leniency, mapping
from provisioning.scim.errors import ScimError
from provisioning.scim.patch import apply_patch, parse_patch
from provisioning.scim.schema import GroupResource, Locator, UserResource

LOCATOR = Locator("https://scim.example/scim/v2")
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def user(body: dict[str, Any], context: Context = Context.RESOURCE_CREATION_REQUEST) -> Any:
    """Normalise and validate a User body as the API does."""
    normalised = leniency.normalise_resource(body, UserResource, locator=LOCATOR)
    return mapping.validate_user(normalised, context)


def patch_body(*operations: dict[str, Any]) -> dict[str, Any]:
    """A PatchOp body."""
    return {"schemas": [PATCH], "Operations": list(operations)}


class TestResourceBodies:
    """POST and PUT bodies."""

    def test_booleans_as_strings(self) -> None:
        resource = user(
            {
                "userName": "a",
                "active": "False",
                "emails": [{"value": "a@x.org", "primary": "True"}],
            }
        )
        assert resource.active is False
        assert resource.emails[0].primary is True

    def test_emails_sent_as_an_object(self) -> None:
        resource = user({"userName": "a", "emails": {"value": "a@x.org", "type": "work"}})
        assert [email.value for email in resource.emails] == ["a@x.org"]

    @pytest.mark.parametrize(
        "manager",
        [
            "boss-id",
            {"value": "boss-id"},
            {"managerId": "boss-id"},
            {"value": "boss-id", "displayName": "Boss"},
        ],
    )
    def test_manager_as_string_or_object(self, manager: Any) -> None:
        resource = user({"userName": "a", ENTERPRISE: {"manager": manager}})
        assert resource[EnterpriseUser].manager.value == "boss-id"
        assert resource[EnterpriseUser].manager.ref == LOCATOR.user("boss-id")

    def test_flat_extension_keys(self) -> None:
        resource = user(
            {"userName": "a", f"{ENTERPRISE}:employeeNumber": "42", f"{USER}:title": "Boss"}
        )
        assert resource[EnterpriseUser].employee_number == "42"
        assert resource.title == "Boss"

    def test_read_only_and_unknown_attributes_are_ignored(self) -> None:
        resource = user(
            {
                "schemas": [USER, "urn:scim:schemas:core:1.0", "urn:x:unknown"],  # Google mixes 1.0
                "id": "chosen-by-client",
                "meta": {"resourceType": "User"},
                "groups": [],  # Okta
                "userName": "a",
                "roles": [],
                "favouriteColour": "blue",
                "password": "secret",
            }
        )
        assert resource.id is None
        assert resource.groups is None
        assert resource.password == "secret"
        assert "favouriteColour" not in resource.model_dump()

    def test_schemas_are_rebuilt(self) -> None:
        body = leniency.normalise_resource(
            {"userName": "a", ENTERPRISE: {"department": "x"}}, UserResource, locator=LOCATOR
        )
        assert body["schemas"] == [USER, ENTERPRISE]

    def test_attribute_names_in_any_case(self) -> None:
        resource = user({"USERNAME": "a", "DisplayName": "A"})
        assert (resource.user_name, resource.display_name) == ("a", "A")

    @pytest.mark.parametrize("body", [[], "text", None, 3])
    def test_a_body_must_be_an_object(self, body: Any) -> None:
        with pytest.raises(ScimError) as caught:
            leniency.normalise_resource(body, UserResource, locator=LOCATOR)
        assert (caught.value.status, caught.value.scim_type) == (400, "invalidSyntax")

    def test_nul_characters_are_refused(self) -> None:
        with pytest.raises(ScimError) as caught:
            leniency.normalise_resource({"userName": "a\x00b"}, UserResource, locator=LOCATOR)
        assert caught.value.scim_type == "invalidValue"

    def test_group_member_operation_markers_are_dropped(self) -> None:
        body = leniency.normalise_resource(
            {"displayName": "g", "members": [{"value": "u", "operation": "add"}]},
            GroupResource,
            locator=LOCATOR,
        )
        assert body["members"] == [{"value": "u"}]


class TestPatchBodies:
    """PATCH bodies, as Entra, Okta and 1.1-era clients send them."""

    def apply(self, body: dict[str, Any], start: dict[str, Any] | None = None) -> Any:
        resource = UserResource.model_validate({"userName": "a", "id": "1", **(start or {})})
        operations = parse_patch(body, UserResource, locator=LOCATOR)
        if operations is not None:
            apply_patch(resource, operations)
        return resource

    def test_op_in_any_case(self) -> None:
        resource = self.apply(patch_body({"op": "Replace", "path": "active", "value": "False"}))
        assert resource.active is False

    def test_pathless_replace_with_dotted_and_urn_keys(self) -> None:
        resource = self.apply(
            patch_body(
                {
                    "op": "replace",
                    "value": {
                        "name.givenName": "Ann",
                        f"{ENTERPRISE}:employeeNumber": "7",
                        f"{ENTERPRISE}:manager": "boss",
                        "active": "True",
                        "id": "ignored",  # Okta puts the id in the value
                    },
                }
            )
        )
        assert resource.name.given_name == "Ann"
        assert resource[EnterpriseUser].employee_number == "7"
        assert resource[EnterpriseUser].manager.value == "boss"
        assert resource.active is True
        assert resource.id == "1"

    def test_pathless_replace_with_a_value_filter_key(self) -> None:
        # Entra's aadOptscim062020 map names the work email with a filter path.
        resource = self.apply(
            patch_body(
                {
                    "op": "replace",
                    "value": {'emails[type eq "work"].value': "w@x.org", "displayName": "W"},
                }
            ),
            start={"emails": [{"type": "work", "value": "old@x.org", "primary": True}]},
        )
        assert [(e.type, e.value, e.primary) for e in resource.emails] == [
            ("work", "w@x.org", True)
        ]
        assert resource.display_name == "W"

    def test_manager_by_urn_path_as_string(self) -> None:
        resource = self.apply(
            patch_body({"op": "add", "path": f"{ENTERPRISE}:manager", "value": "boss"})
        )
        assert resource[EnterpriseUser].manager.value == "boss"

    def test_entra_work_email_filter_creates_the_entry(self) -> None:
        resource = self.apply(
            patch_body(
                {"op": "Replace", "path": 'emails[type eq "work"].value', "value": "a@x.org"}
            )
        )
        assert [(e.type, e.value) for e in resource.emails] == [("work", "a@x.org")]

    def test_emails_object_on_a_path(self) -> None:
        resource = self.apply(
            patch_body({"op": "add", "path": "emails", "value": {"value": "b@x.org"}})
        )
        assert [e.value for e in resource.emails] == ["b@x.org"]

    def test_operations_on_read_only_attributes_are_dropped(self) -> None:
        body = patch_body(
            {"op": "replace", "path": "id", "value": "x"},
            {"op": "replace", "path": "meta.lastModified", "value": "2020-01-01T00:00:00Z"},
            {"op": "add", "path": "groups", "value": [{"value": "g"}]},
            {"op": "replace", "path": "title", "value": "Boss"},
        )
        assert self.apply(body).title == "Boss"
        assert (
            parse_patch(
                patch_body({"op": "replace", "path": "id", "value": "x"}),
                UserResource,
                locator=LOCATOR,
            )
            is None
        )

    def test_unknown_attributes_are_ignored(self) -> None:
        resource = self.apply(
            patch_body({"op": "replace", "path": "favouriteColour", "value": "blue"})
        )
        assert "favouriteColour" not in resource.model_dump()

    def test_scim11_body_becomes_operations(self) -> None:
        body = {
            "schemas": ["urn:scim:schemas:core:1.0"],
            "active": False,
            "meta": {"attributes": ["title"]},
        }
        resource = self.apply(body, start={"title": "Boss"})
        assert resource.active is False
        assert resource.title is None

    def test_scim11_member_deletes_become_a_remove(self) -> None:
        body = {"members": [{"value": "a", "operation": "delete"}, {"value": "b"}]}
        normalised = leniency.normalise_patch(body, GroupResource, locator=LOCATOR)
        assert normalised["Operations"] == [
            {"op": "remove", "path": "members", "value": [{"value": "a"}]},
            {"op": "add", "value": {"members": [{"value": "b"}]}},
        ]

    def test_member_deletes_inside_a_pathed_add(self) -> None:
        body = patch_body(
            {"op": "add", "path": "members", "value": [{"value": "a", "operation": "delete"}]}
        )
        normalised = leniency.normalise_patch(body, GroupResource, locator=LOCATOR)
        assert normalised["Operations"] == [
            {"op": "remove", "path": "members", "value": [{"value": "a"}]}
        ]

    @pytest.mark.parametrize(
        ("body", "scim_type"),
        [
            ([], "invalidSyntax"),
            ({"schemas": [PATCH]}, "invalidSyntax"),
            ({"schemas": [PATCH], "Operations": {}}, "invalidSyntax"),
            ({"schemas": [PATCH], "Operations": []}, "invalidValue"),
            ({"schemas": [PATCH], "Operations": ["x"]}, "invalidSyntax"),
            (patch_body({"op": "bogus", "path": "title", "value": "x"}), "invalidValue"),
            (patch_body({"op": "remove"}), "noTarget"),
            (patch_body({"op": "replace", "path": "title["}), "invalidPath"),
            (patch_body({"op": "remove", "path": "userName"}), "mutability"),
        ],
    )
    def test_invalid_bodies(self, body: Any, scim_type: str) -> None:
        with pytest.raises(ScimError) as caught:
            self.apply(body)
        assert (caught.value.status, caught.value.scim_type) == (400, scim_type)


class TestNameCase:
    """RFC 7643 section 2.1: attribute names are case-insensitive, sub-attributes included."""

    def test_capitalised_enterprise_attributes_and_manager(self) -> None:
        # Microsoft's SCIM reference tests send exactly this.
        resource = user(
            {"userName": "a", ENTERPRISE: {"Department": "Ops", "Manager": {"Value": "boss"}}}
        )
        assert resource[EnterpriseUser].department == "Ops"
        assert resource[EnterpriseUser].manager.value == "boss"
        assert resource[EnterpriseUser].manager.ref == LOCATOR.user("boss")

    def test_extension_urn_in_another_case(self) -> None:
        resource = user({"userName": "a", ENTERPRISE.upper(): {"EMPLOYEENUMBER": "42"}})
        assert resource[EnterpriseUser].employee_number == "42"

    def test_capitalised_core_sub_attributes(self) -> None:
        resource = user(
            {
                "UserName": "a",
                "Name": {"GivenName": "Ann", "FamilyName": "Lee"},
                "Emails": [{"Value": "a@x.org", "Type": "work", "Primary": True}],
                "PhoneNumbers": {"VALUE": "+1 555", "TYPE": "mobile"},
            }
        )
        assert (resource.name.given_name, resource.name.family_name) == ("Ann", "Lee")
        assert [(e.value, e.type, e.primary) for e in resource.emails] == [
            ("a@x.org", "work", True)
        ]
        assert resource.phone_numbers[0].value == "+1 555"

    def test_capitalised_group_members(self) -> None:
        body = leniency.normalise_resource(
            {"DisplayName": "g", "Members": [{"Value": "u", "Display": "U"}]},
            GroupResource,
            locator=LOCATOR,
        )
        assert body["displayName"] == "g"
        assert body["members"] == [{"value": "u", "display": "U"}]

    @pytest.mark.parametrize(
        "manager",
        [{"$ref": LOCATOR.user("boss")}, {"$REF": LOCATOR.user("boss")}, {"Value": "boss"}],
    )
    def test_manager_needs_only_one_of_value_and_ref(self, manager: dict[str, Any]) -> None:
        # RFC 7643 section 4.3: both are RECOMMENDED, neither is required.
        resource = user({"userName": "a", ENTERPRISE: {"manager": manager}})
        assert resource[EnterpriseUser].manager.value == "boss"
        assert resource[EnterpriseUser].manager.ref == LOCATOR.user("boss")

    @pytest.mark.parametrize("manager", [{}, {"displayName": "Boss"}, {"value": ""}, None, ""])
    def test_a_manager_without_an_id_is_no_manager(self, manager: Any) -> None:
        resource = user({"userName": "a", ENTERPRISE: {"manager": manager, "department": "x"}})
        assert resource[EnterpriseUser].manager is None
        assert resource[EnterpriseUser].department == "x"

    def test_patch_manager_path_and_value_capitalised(self) -> None:
        resource = TestPatchBodies().apply(
            patch_body(
                {"Op": "Replace", "Path": f"{ENTERPRISE}:Manager", "Value": {"Value": "boss"}}
            )
        )
        assert resource[EnterpriseUser].manager.value == "boss"

    def test_pathless_patch_with_capitalised_names(self) -> None:
        resource = TestPatchBodies().apply(
            patch_body(
                {
                    "op": "replace",
                    "value": {
                        "Emails": [{"Value": "w@x.org", "Type": "work", "Primary": True}],
                        ENTERPRISE: {"Manager": {"Value": "boss"}, "CostCenter": "7"},
                    },
                }
            )
        )
        assert [(e.value, e.type) for e in resource.emails] == [("w@x.org", "work")]
        assert resource[EnterpriseUser].manager.value == "boss"
        assert resource[EnterpriseUser].cost_center == "7"

    def test_patch_emails_path_with_capitalised_sub_attributes(self) -> None:
        resource = TestPatchBodies().apply(
            patch_body({"op": "add", "path": "Emails", "value": [{"Value": "e@x.org"}]})
        )
        assert [e.value for e in resource.emails] == ["e@x.org"]

    @pytest.mark.parametrize("ref_key", ["$ref", "$Ref"])
    def test_group_member_by_ref_only(self, ref_key: str) -> None:
        body = leniency.normalise_resource(
            {"displayName": "g", "members": [{ref_key: LOCATOR.user("u-1"), "type": "User"}]},
            GroupResource,
            locator=LOCATOR,
        )
        assert body["members"] == [{"$ref": LOCATOR.user("u-1"), "type": "User", "value": "u-1"}]
