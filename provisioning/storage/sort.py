"""sortBy / sortOrder (RFC 7644 section 3.4.2.3) translated into ORM orderings.

`provisioning.scim.sort` resolves the attribute; here it becomes an expression over the
SCIM tables: strings without their case unless caseExact (in code-point order), a
multi-valued attribute by its primary row (else its first one), resources without a value
last when ascending and first when descending, ties in the default order (creation time,
then id).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Case, F, IntegerField, OuterRef, Subquery, Value, When
from django.db.models.expressions import Expression, OrderBy
from django.db.models.fields.json import KT
from django.db.models.functions import Lower
from scim2_models import AttributeBinding, Resource

from provisioning.scim.schema import split_binding
from provisioning.scim.sort import invalid_sort, sort_binding

from .columns import Column, ComplexJson, Constant, JsonText, ResourceStorage, Rows
from .functions import CollateC

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
    binding = sort_binding(sort_by, model, lenient=lenient)
    return None if binding is None else _sort_expression(binding, storage)


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
            raise invalid_sort(binding.urn, "this attribute cannot be sorted on")
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
        raise invalid_sort(binding.urn, "a complex attribute")
    raise invalid_sort(binding.urn, location.reason)
