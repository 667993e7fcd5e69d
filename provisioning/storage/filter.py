"""Parsed SCIM filters translated into Django `Q` objects over the SCIM tables.

`provisioning.scim.filter` parses and checks the filter; `FilterTranslator` walks its syntax
tree and emits SQL through the ORM, so that no row is loaded to evaluate a filter. The
semantics are those of scim2-models' in-memory evaluation (`ScimFilter.match`): strings
compare case-insensitively unless the attribute is caseExact, a comparison on a
multi-valued attribute matches when any value matches (`ne` when none equals), and an
absent attribute is unequal to everything. Every predicate is two-valued: SQL NULLs never
leak into `not`.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q
from scim2_models import AttributeBinding, Resource, SCIMException, ScimFilter
from scim2_models.path import (
    AttrPath,
    CompareOperator,
    Comparison,
    FilterVisitor,
    LogicalExpr,
    LogicalOperator,
    Not,
    Present,
    ValuePath,
    coerce_value,
)

from provisioning.scim.errors import ScimError, ScimType
from provisioning.scim.filter import invalid_filter, parse_filter, parse_search_filter
from provisioning.scim.schema import USER_SCHEMA, UserResource, split_binding

from .columns import GROUP_STORAGE, ComplexJson, Location, ResourceStorage, Rows, Unfilterable
from .predicates import FALSE, TRUE, compare, is_null, present, unfilterable


def filter_q(text: str, model: type[Resource[Any]], storage: ResourceStorage) -> Q:
    """The `Q` selecting the resources of `storage` that match the filter `text`."""
    scim_filter = parse_filter(text, model)
    try:
        return FilterTranslator(scim_filter, storage).visit(scim_filter.ast)
    except SCIMException as exc:
        raise invalid_filter(exc, text) from exc


def user_name_lookup(text: str, model: type[Resource[Any]]) -> str | None:
    """The compared userName when the filter is `userName eq "..."`, else None.

    At most one user per directory matches. Such a list needs no ORDER BY, and without one
    the database can only answer it from the unique (directory, lower(userName)) index,
    whatever its statistics say (with an ORDER BY ... LIMIT, stale statistics made
    PostgreSQL walk the list index instead).
    """
    if model is not UserResource:
        return None
    node = parse_filter(text, model).ast
    if not isinstance(node, Comparison) or node.op != CompareOperator.eq:
        return None
    path = node.attr_path
    if (
        path.attr.lower() == "username"
        and path.sub_attr is None
        and (path.uri is None or path.uri.lower() == USER_SCHEMA.lower())
        and isinstance(node.value, str)
    ):
        return node.value
    return None


def filter_qs(text: str, targets: list[tuple[type[Resource[Any]], ResourceStorage]]) -> list[Q]:
    """One `Q` per resource type for a filter across types (the root `/.search`)."""
    filters = parse_search_filter(text, [model for model, _ in targets])
    try:
        return [
            FilterTranslator(scim_filter, storage, lenient=True).visit(scim_filter.ast)
            for scim_filter, (_, storage) in zip(filters, targets, strict=True)
        ]
    except SCIMException as exc:
        raise invalid_filter(exc, text) from exc


def value_filter_q(scim_filter: ScimFilter[Any], storage: ResourceStorage) -> Q:
    """The `Q` over the rows of a multi-valued attribute that `attr[filter]` selects.

    `scim_filter` comes from `scim.filter.parse_value_filter`, e.g. a PATCH path's
    `members[value eq "id"]`.
    """
    node = scim_filter.ast
    translator = FilterTranslator(scim_filter, storage)
    try:
        assert isinstance(node, ValuePath)
        binding = translator.resolve(node.attr_path, comparison=False)
        assert binding is not None
        rows = storage.locate(binding)
        assert isinstance(rows, Rows)
        return _RowTranslator(translator, node.attr_path, rows).visit(node.val_filter)
    except SCIMException as exc:
        raise invalid_filter(exc, str(scim_filter)) from exc


def members_q(where: ScimFilter[Any] | None) -> Q | None:
    """The `Q` over a group's membership rows that a PATCH path `members[...]` selects.

    None (no filter in the path) stays None: the action applies to every member.
    """
    return None if where is None else value_filter_q(where, GROUP_STORAGE)


class FilterTranslator(FilterVisitor[Q]):
    """Turns a parsed filter into a `Q` over the table of a resource type.

    With `lenient`, an attribute this resource type lacks evaluates to false instead of
    being an error (RFC 7644 section 3.4.2.1, for searches across resource types).
    """

    def __init__(
        self, scim_filter: ScimFilter[Any], storage: ResourceStorage, *, lenient: bool = False
    ) -> None:
        self.filter = scim_filter
        self.storage = storage
        self.lenient = lenient

    def resolve(self, attr_path: AttrPath, *, comparison: bool) -> AttributeBinding | None:
        """Bind an attribute path of the filter to the model (None: unknown, lenient)."""
        resolve = self.filter.resolve_comparison if comparison else self.filter.resolve
        return resolve(attr_path, strict=not self.lenient)

    def visit_logical_expr(self, node: LogicalExpr) -> Q:
        """`and` / `or` of the translated terms."""
        terms = [self.visit(term) for term in node.terms]
        result = terms[0]
        for term in terms[1:]:
            result = result & term if node.op == LogicalOperator.and_ else result | term
        return result

    def visit_not(self, node: Not) -> Q:
        """Negation; safe because every leaf is two-valued."""
        return ~self.visit(node.expr)

    def visit_present(self, node: Present) -> Q:
        """`attr pr`."""
        binding = self.resolve(node.attr_path, comparison=False)
        if binding is None:
            return FALSE
        location = self.storage.locate(binding)
        if isinstance(location, Rows):
            _, _, sub = split_binding(binding)
            if sub is None:
                return Q(_exists(location, TRUE))
            return Q(_exists(location, present(location.sub(sub))))
        return present(location)

    def visit_comparison(self, node: Comparison) -> Q:
        """`attr op value`."""
        binding = self.resolve(node.attr_path, comparison=True)
        if binding is None:
            return FALSE
        value = coerce_value(binding, node.value, node.op)
        location = self.storage.locate(binding)
        if not isinstance(location, Rows):
            return compare(location, node.op, value, binding)
        _, _, sub = split_binding(binding)
        inner = location.sub(sub) if sub else ComplexJson(())
        if isinstance(inner, Unfilterable):
            raise unfilterable(inner)
        return _compare_rows(location, inner, node.op, value, binding)

    def visit_value_path(self, node: ValuePath) -> Q:
        """`attr[filter]`: some value of a multi-valued attribute matches the inner filter."""
        binding = self.resolve(node.attr_path, comparison=False)
        if binding is None:
            return FALSE
        location = self.storage.locate(binding)
        if not isinstance(location, Rows):
            raise ScimError(
                400,
                f"Invalid filter: '{node.attr_path}' is not a multi-valued attribute.",
                ScimType.INVALID_FILTER,
            )
        inner = _RowTranslator(self, node.attr_path, location).visit(node.val_filter)
        return Q(_exists(location, inner))


class _RowTranslator(FilterVisitor[Q]):
    """Translates the filter inside `attr[...]` into a `Q` over the attribute's rows."""

    def __init__(self, outer: FilterTranslator, attr_path: AttrPath, rows: Rows) -> None:
        self.outer = outer
        self.attr_path = attr_path
        self.rows = rows

    def _locate(self, attr_path: AttrPath) -> tuple[AttributeBinding, Location]:
        if attr_path.uri is not None or attr_path.sub_attr is not None:
            raise ScimError(
                400,
                f"Invalid filter: '{attr_path}' inside '{self.attr_path}[...]' must name a "
                "sub-attribute.",
                ScimType.INVALID_FILTER,
            )
        path = AttrPath(self.attr_path.attr, attr_path.attr, self.attr_path.uri)
        binding = self.outer.filter.resolve(path, strict=True)
        assert binding is not None
        return binding, self.rows.sub(split_binding(binding)[2] or attr_path.attr)

    def visit_logical_expr(self, node: LogicalExpr) -> Q:
        """`and` / `or` over sub-attributes of the same value."""
        terms = [self.visit(term) for term in node.terms]
        result = terms[0]
        for term in terms[1:]:
            result = result & term if node.op == LogicalOperator.and_ else result | term
        return result

    def visit_not(self, node: Not) -> Q:
        """Negation of a condition on the same value."""
        return ~self.visit(node.expr)

    def visit_present(self, node: Present) -> Q:
        """`sub pr` on one value."""
        _, location = self._locate(node.attr_path)
        return present(location)

    def visit_comparison(self, node: Comparison) -> Q:
        """`sub op value` on one value."""
        binding, location = self._locate(node.attr_path)
        value = coerce_value(binding, node.value, node.op)
        return compare(location, node.op, value, binding)

    def visit_value_path(self, node: ValuePath) -> Q:
        """Nested value paths are not part of the grammar."""
        raise ScimError(
            400, "Invalid filter: value paths cannot be nested.", ScimType.INVALID_FILTER
        )


def _exists(rows: Rows, condition: Q) -> Exists:
    queryset = rows.model.objects.filter(**{rows.link: OuterRef("pk")}, **rows.where)
    return Exists(queryset.filter(condition))


def _compare_rows(
    rows: Rows, inner: Location, op: CompareOperator, value: Any, binding: AttributeBinding
) -> Q:
    """A comparison on a multi-valued attribute: any value matches; `ne`: none is equal."""
    if value is None:
        has_null = Q(_exists(rows, is_null(inner)))
        if op == CompareOperator.eq:
            return ~Q(_exists(rows, TRUE)) | has_null
        if op == CompareOperator.ne:
            return Q(_exists(rows, TRUE)) & ~has_null
        return FALSE
    if op == CompareOperator.ne:
        return ~Q(_exists(rows, compare(inner, CompareOperator.eq, value, binding)))
    return Q(_exists(rows, compare(inner, op, value, binding)))
