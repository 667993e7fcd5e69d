"""1.1 PATCH bodies as 2.0 operations, applied by the core to a resource (no database)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from scim2_models import Context

from provisioning.scim.errors import ScimError
from provisioning.scim.patch import apply_patch, parse_patch, split_group_patch
from provisioning.scim.schema import GroupResource, Locator, UserResource
from provisioning.scim.v1.names import Kind
from provisioning.scim.v1.patch import patch_in

from .conftest import CORE, ENTERPRISE, ENTERPRISE_V2

LOCATOR = Locator("http://testserver/scim/v1")
USER = {
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE_V2],
    "userName": "dana",
    "title": "Agent",
    "displayName": "Dana Scully",
    "active": True,
    "name": {"givenName": "Dana", "familyName": "Scully"},
    "emails": [
        {"value": "dana@fbi.gov", "type": "work", "primary": True},
        {"value": "dana@home.org", "type": "home"},
    ],
    "addresses": [{"type": "work", "locality": "Washington", "region": "DC"}],
    ENTERPRISE_V2: {"department": "X-Files", "manager": {"value": "m-1"}},
}


def patched(body: dict[str, Any], current: dict[str, Any] = USER) -> dict[str, Any]:
    """The user after the core applied the 2.0 translation of a 1.1 PATCH body."""
    translated = patch_in(body, Kind.USER)
    assert translated is not None
    patch = parse_patch(translated, UserResource, locator=LOCATOR)
    resource = UserResource.model_validate(current)
    if patch is not None:
        apply_patch(resource, patch)
    return resource.model_dump(scim_ctx=Context.DEFAULT)


def emails(user: dict[str, Any]) -> list[tuple[str, str | None, bool | None]]:
    """(value, type, primary) of each email."""
    return [(e["value"], e.get("type"), e.get("primary")) for e in user.get("emails") or []]


class TestSingular:
    """Singular attributes in the body replace the stored ones."""

    @pytest.mark.parametrize("active", [False, "false", "False"])
    def test_deactivate_as_okta_does(self, active: Any) -> None:
        body = {"schemas": [CORE], "id": "whatever", "active": active}
        assert patch_in(body, Kind.USER) == {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "replace", "path": "active", "value": active}],
        }
        assert patched(body)["active"] is False

    def test_simple_attributes_replaced_others_kept(self) -> None:
        user = patched({"displayName": "Agent Scully", "title": None, "nickName": "Starbuck"})
        assert user["displayName"] == "Agent Scully"
        assert user["nickName"] == "Starbuck"
        assert user.get("title") is None  # null removes
        assert user["userName"] == "dana"
        assert emails(user) == emails(USER)

    def test_complex_sub_attributes_merged(self) -> None:
        user = patched({"name": {"givenName": "Katherine", "middleName": "K"}})
        assert user["name"] == {"givenName": "Katherine", "familyName": "Scully", "middleName": "K"}

    def test_password_is_written(self) -> None:
        assert patched({"password": "n3w-Secret!"})["password"] == "n3w-Secret!"

    def test_enterprise_nested_and_flat(self) -> None:
        user = patched(
            {
                ENTERPRISE: {"costCenter": "4130", "manager": {"managerId": "m-2"}},
                f"{ENTERPRISE}.division": "Criminal",
            }
        )
        assert user[ENTERPRISE_V2]["department"] == "X-Files"
        assert user[ENTERPRISE_V2]["costCenter"] == "4130"
        assert user[ENTERPRISE_V2]["division"] == "Criminal"
        assert user[ENTERPRISE_V2]["manager"]["value"] == "m-2"

    def test_enterprise_as_a_2_0_client_nests_it(self) -> None:
        user = patched({ENTERPRISE_V2: {"costCenter": "4130"}})
        assert user[ENTERPRISE_V2] == {
            "department": "X-Files",
            "costCenter": "4130",
            "manager": {"value": "m-1"},
        }

    def test_read_only_attributes_ignored(self) -> None:
        body = {"id": "x", "schemas": [CORE], "groups": [{"value": "g"}], "meta": {}}
        assert patch_in(body, Kind.USER) is None


class TestMultiValued:
    """Values are added, merged by `value` (or `type`), or removed when marked delete."""

    def test_new_value_added(self) -> None:
        user = patched({"emails": [{"value": "dana@x.org", "type": "other"}]})
        assert emails(user) == [*emails(USER), ("dana@x.org", "other", None)]

    def test_first_values(self) -> None:
        bare = {"schemas": USER["schemas"][:1], "userName": "new"}
        user = patched(
            {"emails": [{"value": "a@b.org"}], "addresses": [{"type": "home", "locality": "Q"}]},
            bare,
        )
        assert emails(user) == [("a@b.org", None, None)]
        assert user["addresses"] == [{"type": "home", "locality": "Q"}]

    def test_existing_value_merged(self) -> None:
        user = patched({"emails": [{"value": "DANA@home.org", "type": "other"}]})
        # Matched without case (emails are not caseExact), sub-attributes merged.
        assert emails(user)[1][1] == "other"
        assert len(user["emails"]) == 2

    def test_new_primary_demotes_the_old_one(self) -> None:
        user = patched({"emails": [{"value": "dana@home.org", "primary": True}]})
        assert emails(user) == [("dana@fbi.gov", "work", False), ("dana@home.org", "home", True)]

    def test_one_value_as_an_object(self) -> None:
        user = patched({"emails": {"value": "solo@x.org"}})
        assert ("solo@x.org", None, None) in emails(user)

    def test_marked_delete_removed(self) -> None:
        body = {
            "emails": [
                {"value": "dana@home.org", "operation": "delete"},
                {"value": "dana@new.org", "type": "home"},
            ]
        }
        assert emails(patched(body)) == [
            ("dana@fbi.gov", "work", True),
            ("dana@new.org", "home", None),
        ]

    def test_deleting_an_absent_value_changes_nothing(self) -> None:
        user = patched({"emails": [{"value": "nobody@x.org", "operation": "delete"}]})
        assert emails(user) == emails(USER)

    def test_values_without_value_are_matched_by_type(self) -> None:
        user = patched({"addresses": [{"type": "work", "postalCode": "20535"}]})
        assert user["addresses"] == [
            {"type": "work", "locality": "Washington", "region": "DC", "postalCode": "20535"}
        ]
        user = patched({"addresses": [{"type": "work", "operation": "delete"}]})
        assert not user.get("addresses")

    def test_delete_without_value_or_type_is_refused(self) -> None:
        with pytest.raises(ScimError) as error:
            patch_in({"addresses": [{"locality": "x", "operation": "delete"}]}, Kind.USER)
        assert error.value.status == 400
        assert "addresses" in error.value.detail


class TestMetaAttributes:
    """`meta.attributes` names attributes to remove, before the body is merged."""

    def test_attributes_cleared(self) -> None:
        user = patched(
            {
                "meta": {
                    "attributes": [
                        "title",
                        "name.givenName",
                        "addresses",
                        f"{ENTERPRISE}:manager",
                        f"{CORE}:nickName",
                    ]
                }
            }
        )
        assert user.get("title") is None
        assert user["name"] == {"familyName": "Scully"}
        assert not user.get("addresses")
        assert user[ENTERPRISE_V2] == {"department": "X-Files"}

    def test_whole_extension_cleared(self) -> None:
        user = patched({"meta": {"attributes": [ENTERPRISE]}})
        assert user.get(ENTERPRISE_V2) is None
        assert user["title"] == "Agent"

    def test_cleared_and_sent_is_replaced(self) -> None:
        body = {
            "meta": {"attributes": ["emails", "name"]},
            "emails": [{"value": "only@x.org"}, {"value": "gone@x.org", "operation": "delete"}],
            "name": {"familyName": "Mulder"},
        }
        user = patched(body)
        assert emails(user) == [("only@x.org", None, None)]
        assert user["name"] == {"familyName": "Mulder"}

    def test_removals_come_first(self) -> None:
        operations = patch_in(
            {"title": "Director", "meta": {"attributes": ["nickName", "groups", "id"]}}, Kind.USER
        )
        assert operations is not None
        assert operations["Operations"] == [
            {"op": "remove", "path": "nickName"},
            {"op": "replace", "path": "title", "value": "Director"},
        ]

    @pytest.mark.parametrize("meta", [{"attributes": "title"}, {"attributes": [1]}])
    def test_malformed(self, meta: Any) -> None:
        with pytest.raises(ScimError) as error:
            patch_in({"meta": meta}, Kind.USER)
        assert error.value.status == 400

    def test_required_attribute_cannot_be_cleared(self) -> None:
        with pytest.raises(ScimError) as error:
            patched({"meta": {"attributes": ["userName"]}})
        assert error.value.status == 400


class TestGroups:
    """Members become row actions: removals by id, then one add; a cleared list a replace."""

    def actions(self, body: dict[str, Any]) -> list[tuple[str, list[str]]]:
        """The membership actions the core derives from a translated body."""
        translated = patch_in(body, Kind.GROUP)
        assert translated is not None
        patch = parse_patch(translated, GroupResource, locator=LOCATOR)
        assert patch is not None
        split = split_group_patch(patch)
        return [(a.kind, [str(ref.value) for ref in a.refs]) for a in split.members]

    def test_full_list_with_a_deletion(self) -> None:
        kept, new, gone = (str(uuid.uuid4()) for _ in range(3))
        body = {
            "schemas": [CORE],
            "displayName": "Agents",
            "members": [
                {"value": kept, "display": "Dana"},
                {"value": new},
                {"value": gone, "operation": "delete"},
            ],
        }

        translated = patch_in(body, Kind.GROUP)

        assert translated is not None
        assert translated["Operations"] == [
            {"op": "replace", "path": "displayName", "value": "Agents"},
            {"op": "remove", "path": "members", "value": [{"value": gone}]},
            {
                "op": "add",
                "path": "members",
                "value": [{"value": kept, "display": "Dana"}, {"value": new}],
            },
        ]
        assert self.actions(body) == [("remove", [gone]), ("add", [kept, new])]

    def test_cleared_and_sent_is_one_replace(self) -> None:
        member = str(uuid.uuid4())
        body = {"meta": {"attributes": ["members"]}, "members": [{"value": member}]}
        assert self.actions(body) == [("replace", [member])]

    def test_cleared(self) -> None:
        assert self.actions({"meta": {"attributes": ["members"]}}) == [("remove_all", [])]


@pytest.mark.parametrize("body", [[], "active=false", None, 3])
def test_a_body_that_is_not_an_object_is_refused(body: Any) -> None:
    with pytest.raises(ScimError) as error:
        patch_in(body, Kind.USER)
    assert (error.value.status, error.value.scim_type) == (400, "invalidSyntax")


class TestSameRulesOnV2:
    """A 1.1 body sent to /v2 (no `Operations`) means what it means on /v1: one implementation."""

    @staticmethod
    def on_v2(body: dict[str, Any], current: dict[str, Any] = USER) -> dict[str, Any]:
        """The user after the /v2 leniency read the 1.1 body."""
        patch = parse_patch(body, UserResource, locator=LOCATOR)
        resource = UserResource.model_validate(current)
        if patch is not None:
            apply_patch(resource, patch)
        return resource.model_dump(scim_ctx=Context.DEFAULT)

    @pytest.mark.parametrize(
        "body",
        [
            {"schemas": [CORE], "id": "x", "active": False},
            {"name": {"givenName": "Katherine"}},
            {"emails": [{"value": "dana@home.org", "operation": "delete"}]},
            {"emails": [{"value": "DANA@home.org", "type": "other"}]},
            {"meta": {"attributes": ["emails", f"{CORE}:title"]}, "emails": [{"value": "o@x.org"}]},
            {ENTERPRISE: {"manager": {"managerId": "m-2"}}, "meta": {"attributes": ["nickName"]}},
        ],
    )
    def test_user_bodies(self, body: dict[str, Any]) -> None:
        assert self.on_v2(body) == patched(body)

    def test_member_bodies(self) -> None:
        kept, gone = str(uuid.uuid4()), str(uuid.uuid4())
        body = {"members": [{"value": kept}, {"value": gone, "operation": "delete"}]}
        patch = parse_patch(body, GroupResource, locator=LOCATOR)
        assert patch is not None
        on_v2 = [(a.kind, [str(r.value) for r in a.refs]) for a in split_group_patch(patch).members]
        assert on_v2 == TestGroups().actions(body) == [("remove", [gone]), ("add", [kept])]
