"""SCIM filters (RFC 7644 section 3.4.2.2) parsed and checked into scim2-models' syntax tree.

scim2-models parses a filter and checks it against the resource model (operators a type
forbids, values that are not of the attribute's type); this module adds what the server
refuses before any translation (empty filters, NUL characters, unknown attributes, value
filters `attr[...]` whose terms are not plain sub-attributes, attributes no resource type
of a search declares) and says every refusal as 400 invalidFilter. The tree is turned
into SQL by `provisioning.storage.filter`, which refuses what the tables cannot answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from scim2_models import Resource, SCIMException, ScimFilter
from scim2_models.path import (
    AttrPath,
    Comparison,
    FilterNode,
    FilterVisitor,
    LogicalExpr,
    Not,
    Present,
    ValuePath,
)

from .errors import ScimError, ScimType, from_scim2
from .values import check_values


def parse_filter(
    text: str, model: type[Resource[Any]], *, lenient: bool = False
) -> ScimFilter[Any]:
    """Parse and check a filter against a resource model, or raise 400 invalidFilter.

    With `lenient`, attributes the model lacks are let through (they are false for it).
    """
    if not isinstance(text, str) or not text.strip():
        raise ScimError(400, "The filter is empty.", ScimType.INVALID_FILTER)
    if "\x00" in text:
        raise ScimError(400, "The filter contains a NUL character.", ScimType.INVALID_FILTER)
    check_values(text, "The filter", ScimType.INVALID_FILTER)
    try:
        scim_filter = ScimFilter[model](text.strip())  # type: ignore[valid-type]
        _check_literals(scim_filter.ast)
        if not lenient:
            _Checker(scim_filter).visit(scim_filter.ast)
    except SCIMException as exc:
        raise invalid_filter(exc, text) from exc
    return scim_filter


def parse_search_filter(
    text: str, models: Sequence[type[Resource[Any]]]
) -> list[ScimFilter[Any]]:
    """The filter of a search across resource types (the root `/.search`), one per type.

    An attribute only some types declare is false for the others (RFC 7644 section
    3.4.2.1); one that no type declares makes the filter invalid.
    """
    filters = [parse_filter(text, model, lenient=True) for model in models]
    for attr_path in _attr_paths(filters[0].ast):
        if all(
            f.resolve(attr_path, strict=False) is None
            and f.resolve_comparison(attr_path, strict=False) is None
            for f in filters
        ):
            raise ScimError(
                400,
                f"Invalid filter {text!r}: no resource type has an attribute '{attr_path}'.",
                ScimType.INVALID_FILTER,
            )
    return filters


def parse_value_filter(
    attribute: str, val_filter: FilterNode, model: type[Resource[Any]]
) -> ScimFilter[Any]:
    """The filter `attribute[val_filter]`, checked against the model (a PATCH path's filter).

    Used by PATCH paths such as `members[value eq "id"]`: its tree is a `ValuePath`.
    """
    scim_filter = parse_filter(f"{attribute}[{val_filter}]", model)
    if not isinstance(scim_filter.ast, ValuePath):  # pragma: no cover - the text is built so
        raise ScimError(400, f"Invalid filter {scim_filter!r}.", ScimType.INVALID_FILTER)
    return scim_filter


def _check_literals(node: FilterNode) -> None:
    """Refuse values that escapes smuggle past the text check (`"\\u0000"`, `"\\ud800"`)."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, Comparison):
            check_values(item.value, "A value of the filter", ScimType.INVALID_FILTER)
        elif isinstance(item, Not):
            stack.append(item.expr)
        elif isinstance(item, LogicalExpr):
            stack.extend(item.terms)
        elif isinstance(item, ValuePath):
            stack.append(item.val_filter)


class _Checker(FilterVisitor[None]):
    """Binds every attribute of a filter to the model; unknown ones raise (scim2-models)."""

    def __init__(self, scim_filter: ScimFilter[Any]) -> None:
        self.filter = scim_filter

    def visit_logical_expr(self, node: LogicalExpr) -> None:
        """Each term in turn."""
        for term in node.terms:
            self.visit(term)

    def visit_not(self, node: Not) -> None:
        """The negated filter."""
        self.visit(node.expr)

    def visit_present(self, node: Present) -> None:
        """`attr pr`: the attribute as written."""
        self.filter.resolve(node.attr_path, strict=True)

    def visit_comparison(self, node: Comparison) -> None:
        """`attr op value`: the attribute as a comparison binds it (`emails` → its value)."""
        self.filter.resolve_comparison(node.attr_path, strict=True)

    def visit_value_path(self, node: ValuePath) -> None:
        """`attr[filter]`: the attribute, then each term as one of its sub-attributes."""
        self.filter.resolve(node.attr_path, strict=True)
        for attr_path in _attr_paths(node.val_filter, outer=node.attr_path):
            inner = AttrPath(node.attr_path.attr, attr_path.attr, node.attr_path.uri)
            self.filter.resolve(inner, strict=True)


def _attr_paths(node: FilterNode, *, outer: AttrPath | None = None) -> list[AttrPath]:
    """The attribute paths of a filter, in order; inside `outer[...]`, checked to be plain."""
    if outer is not None and isinstance(node, ValuePath):
        raise ScimError(
            400, "Invalid filter: value paths cannot be nested.", ScimType.INVALID_FILTER
        )
    if isinstance(node, Comparison | Present | ValuePath):
        if outer is not None and (node.attr_path.uri is not None or node.attr_path.sub_attr):
            raise ScimError(
                400,
                f"Invalid filter: '{node.attr_path}' inside '{outer}[...]' must name a "
                "sub-attribute.",
                ScimType.INVALID_FILTER,
            )
        return [node.attr_path]
    if isinstance(node, Not):
        return _attr_paths(node.expr, outer=outer)
    if isinstance(node, LogicalExpr):
        return [path for term in node.terms for path in _attr_paths(term, outer=outer)]
    return []


def invalid_filter(exc: SCIMException, text: str) -> ScimError:
    """A scim2-models refusal of the filter `text` as 400 invalidFilter."""
    error = from_scim2(exc)
    error.status, error.scim_type = 400, ScimType.INVALID_FILTER
    error.detail = f"Invalid filter {text!r}: {exc.detail}"
    return error
