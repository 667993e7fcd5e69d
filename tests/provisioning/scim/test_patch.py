"""Group PATCH split into attribute operations and plain membership actions, no database."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from scim2_models import ScimFilter
from scim2_models.path import ValuePath

from provisioning.scim.errors import ScimError
from provisioning.scim.patch import GroupPatch, parse_patch, split_group_patch
from provisioning.scim.schema import GroupResource, Locator

LOCATOR = Locator("https://scim.example/scim/v2")
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def split(*operations: dict[str, Any]) -> GroupPatch:
    """The split of a group PATCH body made of these operations."""
    patch = parse_patch(
        {"schemas": [PATCH], "Operations": list(operations)}, GroupResource, locator=LOCATOR
    )
    assert patch is not None
    return split_group_patch(patch)


class TestSplitGroupPatch:
    """Operations on members become actions; the path filter stays a checked filter."""

    def test_add_and_rename(self) -> None:
        member = uuid.uuid4()
        result = split(
            {"op": "add", "path": "members", "value": [{"value": str(member)}]},
            {"op": "replace", "path": "displayName", "value": "Ops"},
        )
        assert [(a.kind, [r.value for r in a.refs], a.where) for a in result.members] == [
            ("add", [member], None)
        ]
        assert result.attributes is not None
        assert [str(op.path) for op in result.attributes.operations] == ["displayName"]

    def test_remove_by_filter(self) -> None:
        member = str(uuid.uuid4())
        result = split({"op": "remove", "path": f'members[value eq "{member}"]'})
        (action,) = result.members
        assert action.kind == "remove_where"
        assert isinstance(action.where, ScimFilter)
        assert isinstance(action.where.ast, ValuePath)
        assert str(action.where) == f'members[value eq "{member}"]'
        assert result.attributes is None

    def test_display_of_selected_members(self) -> None:
        result = split(
            {"op": "replace", "path": 'members[display eq "Ann"].display', "value": "Anna"}
        )
        (action,) = result.members
        assert (action.kind, action.display, action.require_match) == ("set_display", "Anna", True)
        assert str(action.where) == 'members[display eq "Ann"]'

    def test_remove_all_and_value_list(self) -> None:
        member = uuid.uuid4()
        result = split(
            {"op": "remove", "path": "members"},
            {"op": "remove", "path": "members", "value": [{"value": str(member)}]},
        )
        assert [(a.kind, [r.value for r in a.refs]) for a in result.members] == [
            ("remove_all", []),
            ("remove", [member]),
        ]

    @pytest.mark.parametrize(
        ("operation", "scim_type"),
        [
            ({"op": "replace", "path": "members.value", "value": "x"}, "mutability"),
            (
                {"op": "replace", "path": 'members[value eq "x"]', "value": {"value": "y"}},
                "mutability",
            ),
            ({"op": "replace", "path": "members.display", "value": 3}, "invalidValue"),
            ({"op": "remove", "path": 'members[nothing eq "x"]'}, "invalidFilter"),
        ],
    )
    def test_refused(self, operation: dict[str, Any], scim_type: str) -> None:
        with pytest.raises(ScimError) as error:
            split(operation)
        assert (error.value.status, error.value.scim_type) == (400, scim_type)
