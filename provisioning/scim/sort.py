"""sortBy / sortOrder (RFC 7644 section 3.4.2.3) translated into ORM orderings.

The order is the one scim2-models' `SearchRequest.sort` gives: strings without their case
unless caseExact, a multi-valued attribute by its primary value (else its first one),
resources without a value last when ascending and first when descending, ties in the
default order (creation time, then id).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Case, F, IntegerField, OuterRef, Subquery, Value, When
from django.db.models.expressions import Expression, OrderBy
from django.db.models.fields.json import KT
from django.db.models.functions import Lower
from scim2_models import AttributeBinding, BaseModel, Path, Resource, SCIMException
from scim2_models.path import AttrPath

from .errors import ScimError, ScimType, from_scim2
from .expressions import CollateC
from .storage import Column, ComplexJson, Constant, JsonText, ResourceStorage, Rows, split_binding

DEFAULT_ORDER = ("created", "id")


def order_by(
    sort_by: str | None, *, descending: bool, model: type[Resource[Any]], storage: ResourceStorage
) -> list[Any]:
    """The `order_by()` arguments for a list request; always total, so paging is stable."""
    key = sort_key(sort_by, model=model, storage=storage) if sort_by else None
    if key is None:
        return list(DEFAULT_ORDER)
    return [direction(key, descending=descending), *DEFAULT_ORDER]


def direction(expression: Any, *, descending: bool) -> OrderBy:
    """Ascending with missing values last, or descending with them first."""
    return expression.desc(nulls_first=True) if descending else expression.asc(nulls_last=True)


def sort_key(
    sort_by: str, *, model: type[Resource[Any]], storage: ResourceStorage, lenient: bool = False
) -> Any:
    """The expression resources are sorted by; None when all sort alike.

    With `lenient`, an attribute the model lacks gives None (a search across resource
    types sorts the other types' resources as having no value).
    """
    binding = _binding(sort_by, model, lenient=lenient)
    return None if binding is None else _sort_expression(binding, storage)


def _binding(
    sort_by: str, model: type[Resource[Any]], *, lenient: bool = False
) -> AttributeBinding | None:
    try:
        path = Path[model](sort_by)  # type: ignore[valid-type]
        binding = path.resolve()
    except SCIMException as exc:
        raise _invalid(sort_by, from_scim2(exc).detail) from exc
    if binding is None:
        if lenient:
            return None
        raise _invalid(sort_by, "no such attribute")
    target = binding.target_type
    if isinstance(target, type) and issubclass(target, BaseModel):
        if not binding.is_multivalued or "value" not in target.model_fields:
            raise _invalid(sort_by, "a complex attribute; sort on one of its sub-attributes")
        # RFC 7644 section 3.4.2.3: a multi-valued attribute sorts by its (primary) value.
        schema, attribute, _ = split_binding(binding)
        uri = schema if schema != str(model.__schema__) else None
        binding = Path[model](str(AttrPath(attribute, "value", uri))).resolve()  # type: ignore[valid-type]
        assert binding is not None
    target = binding.target_type
    if isinstance(target, type) and issubclass(target, bytes):
        raise _invalid(sort_by, "a binary attribute")
    return binding


def _invalid(sort_by: str, reason: str) -> ScimError:
    return ScimError(400, f"Cannot sort by {sort_by!r}: {reason}.", ScimType.INVALID_VALUE)


def _fold(expression: Expression, location: Column | JsonText, binding: AttributeBinding) -> Any:
    if location.kind != "text":
        return expression
    return CollateC(expression if binding.case_exact else Lower(expression))


def _sort_expression(binding: AttributeBinding, storage: ResourceStorage) -> Any:
    location = storage.locate(binding)
    if isinstance(location, Constant):
        return None
    if isinstance(location, Column):
        return _fold(F(location.name), location, binding)
    if isinstance(location, JsonText):
        return _fold(KT(location.lookup), location, binding)
    if isinstance(location, Rows):
        _, _, sub = split_binding(binding)
        inner = location.sub(sub or "value")
        if isinstance(inner, Constant):
            return None
        if not isinstance(inner, Column | JsonText):
            raise _invalid(binding.urn, "this attribute cannot be sorted on")
        rows = location.model.objects.filter(**{location.link: OuterRef("pk")}, **location.where)
        primary_first = (
            [
                Case(
                    When(**{location.primary: True}, then=Value(0)),
                    default=Value(1),
                    output_field=IntegerField(),
                )
            ]
            if location.primary
            else []
        )
        value = F(inner.name) if isinstance(inner, Column) else KT(inner.lookup)
        first = rows.order_by(*primary_first, *location.order).annotate(_sort=value)
        return _fold(Subquery(first.values("_sort")[:1]), inner, binding)
    if isinstance(location, ComplexJson):
        raise _invalid(binding.urn, "a complex attribute")
    raise _invalid(binding.urn, location.reason)
