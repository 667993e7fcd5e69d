"""Filters parsed and checked into scim2-models' syntax tree, with no database."""

from __future__ import annotations

import pytest
from scim2_models.path import Comparison, LogicalExpr, ValuePath

from provisioning.scim.errors import ScimError
from provisioning.scim.filter import parse_filter, parse_search_filter, parse_value_filter
from provisioning.scim.schema import GroupResource, UserResource


def refusal(error: pytest.ExceptionInfo[ScimError]) -> tuple[int, str | None]:
    """Status and scimType of a refused filter."""
    return error.value.status, error.value.scim_type


class TestParseFilter:
    """A filter becomes a tree bound to the resource model, or 400 invalidFilter."""

    def test_tree(self) -> None:
        text = '  userName eq "bjensen" and emails[type eq "work"] '
        scim_filter = parse_filter(text, UserResource)
        assert scim_filter == 'userName eq "bjensen" and emails[type eq "work"]'
        node = scim_filter.ast
        assert isinstance(node, LogicalExpr)
        assert isinstance(node.terms[0], Comparison)
        assert isinstance(node.terms[1], ValuePath)

    @pytest.mark.parametrize(
        ("text", "detail"),
        [
            ("", "empty"),
            ("   ", "empty"),
            ('userName eq "\x00"', "NUL"),
            ("RANDOMCAPS", "RANDOMCAPS"),
            ('userName eq "x', "userName"),
            ('foo eq "x"', "foo"),
            ("userName eq 1", "userName"),
            ("active gt true", "active"),
        ],
    )
    def test_refused(self, text: str, detail: str) -> None:
        with pytest.raises(ScimError) as error:
            parse_filter(text, UserResource)
        assert refusal(error) == (400, "invalidFilter")
        assert detail in error.value.detail

    def test_not_a_string(self) -> None:
        with pytest.raises(ScimError) as error:
            parse_filter(None, UserResource)  # type: ignore[arg-type]
        assert refusal(error) == (400, "invalidFilter")

    @pytest.mark.parametrize(
        ("text", "detail"),
        [
            ('emails[nothing eq "x"]', "nothing"),
            ('emails[value.x eq "x"]', "must name a sub-attribute"),
            ('emails[type eq "work" and emails[value pr]]', "column"),  # grammar: no nesting
            ('emails[type eq "a"] or nothing pr', "nothing"),
        ],
    )
    def test_value_paths_checked(self, text: str, detail: str) -> None:
        with pytest.raises(ScimError) as error:
            parse_filter(text, UserResource)
        assert refusal(error) == (400, "invalidFilter")
        assert detail in error.value.detail

    def test_lenient_lets_unknown_attributes_through(self) -> None:
        assert parse_filter('nothing eq "x"', UserResource, lenient=True).ast is not None


class TestSearchFilter:
    """Across resource types an attribute must exist in one of them."""

    def test_one_filter_per_type(self) -> None:
        filters = parse_search_filter(
            'userName eq "bob" or displayName eq "Dev"', [UserResource, GroupResource]
        )
        assert [f.models for f in filters] == [(UserResource,), (GroupResource,)]

    def test_unknown_to_every_type(self) -> None:
        with pytest.raises(ScimError) as error:
            parse_search_filter('nothing eq "x"', [UserResource, GroupResource])
        assert refusal(error) == (400, "invalidFilter")
        assert "no resource type" in error.value.detail


class TestValueFilter:
    """The filter of a PATCH path such as `members[value eq "id"]`."""

    def test_members(self) -> None:
        path_filter = parse_filter('members[value eq "x"]', GroupResource).ast
        assert isinstance(path_filter, ValuePath)
        scim_filter = parse_value_filter("members", path_filter.val_filter, GroupResource)
        assert isinstance(scim_filter.ast, ValuePath)
        assert scim_filter.ast.attr_path.attr == "members"
        assert str(scim_filter) == 'members[value eq "x"]'

    def test_unknown_sub_attribute(self) -> None:
        path_filter = parse_filter('addresses[locality eq "Bonn"]', UserResource).ast
        assert isinstance(path_filter, ValuePath)
        with pytest.raises(ScimError) as error:
            parse_value_filter("members", path_filter.val_filter, GroupResource)
        assert refusal(error) == (400, "invalidFilter")
