"""Single comparisons on one stored value, as `Q` objects that are never SQL NULL.

The filter translator (`filter.py`) reduces every leaf of a filter to one of these:
`compare(location, op, value, binding)` or `present(location)`, where the location says
where the attribute is stored (`columns.py`). The semantics are scim2-models' evaluator's:
strings fold case unless caseExact, an absent value equals nothing, `ne` is `not eq`.
"""

from __future__ import annotations

from typing import Any

from django.db.models import F, Q, Value
from django.db.models.expressions import Expression
from django.db.models.fields.json import KT
from django.db.models.functions import Left, Length, Lower, Right, StrIndex
from django.db.models.lookups import (
    Exact,
    GreaterThan,
    GreaterThanOrEqual,
    IsNull,
    LessThan,
    LessThanOrEqual,
)
from pydantic import Base64Bytes, TypeAdapter
from scim2_models import AttributeBinding
from scim2_models.path import CompareOperator

from provisioning.scim.errors import ScimError, ScimType
from provisioning.scim.mapping import parse_id

from .columns import Column, ComplexJson, Constant, JsonText, Location, Unfilterable
from .functions import CollateC

# Conditions that never evaluate to NULL: the primary key is never null.
TRUE = Q(pk__isnull=False)
FALSE = Q(pk__isnull=True)

_ORDERING = {
    CompareOperator.gt: GreaterThan,
    CompareOperator.ge: GreaterThanOrEqual,
    CompareOperator.lt: LessThan,
    CompareOperator.le: LessThanOrEqual,
}
_BINARY = TypeAdapter(Base64Bytes)


def unfilterable(location: Unfilterable) -> ScimError:
    """The 400 invalidFilter for an attribute this server does not filter on."""
    return ScimError(400, f"Invalid filter: {location.reason}.", ScimType.INVALID_FILTER)


def _expression(location: Column | JsonText) -> Expression:
    if isinstance(location, Column):
        return F(location.name)
    return KT(location.lookup)


def is_null(location: Location) -> Q:
    """The attribute has no value (`eq null`)."""
    if isinstance(location, Column | JsonText):
        return Q(IsNull(_expression(location), rhs=True))
    if isinstance(location, ComplexJson):
        return ~present(location)
    if isinstance(location, Constant):
        return FALSE
    raise unfilterable(location)  # type: ignore[arg-type]


def present(location: Location) -> Q:
    """`pr`: the attribute has a non-null, non-empty value."""
    if isinstance(location, Unfilterable):
        raise unfilterable(location)
    if isinstance(location, Constant):
        return TRUE
    if isinstance(location, ComplexJson):
        result = FALSE
        for part in location.parts:
            result |= present(part)
        return result
    expression = _expression(location)
    not_null = Q(IsNull(expression, rhs=False))
    if location.kind == "text":
        return not_null & ~Q(Exact(expression, Value("")))
    return not_null


def compare(location: Location, op: CompareOperator, value: Any, binding: AttributeBinding) -> Q:
    """One comparison on a single value, as scim2-models' evaluator defines it."""
    if isinstance(location, Unfilterable):
        raise unfilterable(location)
    if isinstance(location, Constant):
        return TRUE if _compare_constant(location.value, op, value, binding) else FALSE
    if value is None:
        if op == CompareOperator.eq:
            return is_null(location)
        if op == CompareOperator.ne:
            return ~is_null(location)
        return FALSE
    if isinstance(location, ComplexJson):
        # A complex value equals no scalar (and thus is unequal to all of them).
        return TRUE if op == CompareOperator.ne else FALSE
    if op == CompareOperator.ne:
        return ~compare(location, CompareOperator.eq, value, binding)
    expression = _expression(location)
    not_null = Q(IsNull(expression, rhs=False))
    kind = location.kind
    if kind == "uuid":
        return not_null & _compare_uuid(expression, op, value)
    if kind == "binary":
        return not_null & _compare_binary(expression, op, value)
    if kind in ("bool", "datetime"):
        if op in (CompareOperator.co, CompareOperator.sw, CompareOperator.ew):
            return FALSE
        lookup = Exact if op == CompareOperator.eq else _ORDERING[op]
        return not_null & Q(lookup(expression, Value(value)))
    if not isinstance(value, str):
        return FALSE
    return not_null & _compare_text(expression, op, value, case_exact=binding.case_exact)


def _compare_text(
    expression: Expression, op: CompareOperator, value: str, *, case_exact: bool
) -> Q:
    def fold(item: Expression) -> Expression:
        return item if case_exact else Lower(item)

    left, right = fold(expression), fold(Value(value))
    if op == CompareOperator.eq:
        return Q(Exact(left, right))
    if value == "" and op in (CompareOperator.co, CompareOperator.sw, CompareOperator.ew):
        return TRUE  # every string contains, starts and ends with ""
    if op == CompareOperator.co:
        return Q(GreaterThan(StrIndex(left, right), 0))
    if op == CompareOperator.sw:
        return Q(Exact(Left(left, Length(right)), right))
    if op == CompareOperator.ew:
        return Q(Exact(Right(left, Length(right)), right))
    # Code-point order on every database, as Python compares strings.
    return Q(_ORDERING[op](CollateC(left), CollateC(right)))


def _compare_uuid(expression: Expression, op: CompareOperator, value: Any) -> Q:
    if op != CompareOperator.eq:
        raise ScimError(
            400,
            f"Invalid filter: ids are compared with 'eq', 'ne' or 'pr', not '{op.value}'.",
            ScimType.INVALID_FILTER,
        )
    parsed = parse_id(value)
    return Q(Exact(expression, Value(parsed))) if parsed is not None else FALSE


def _compare_binary(expression: Expression, op: CompareOperator, value: Any) -> Q:
    if op != CompareOperator.eq:
        raise ScimError(
            400,
            f"Invalid filter: binary values are compared with 'eq', 'ne' or 'pr', "
            f"not '{op.value}'.",
            ScimType.INVALID_FILTER,
        )
    if not isinstance(value, bytes):
        return FALSE
    # Stored as scim2-models serialises binary values: standard base64.
    encoded = _BINARY.dump_python(value, mode="json")
    return Q(Exact(expression, Value(encoded)))


def _compare_constant(
    constant: str, op: CompareOperator, value: Any, binding: AttributeBinding
) -> bool:
    if value is None:
        return op == CompareOperator.ne
    if not isinstance(value, str):
        return op == CompareOperator.ne
    left, right = binding.comparable(constant), binding.comparable(value)
    outcomes = {
        CompareOperator.eq: left == right,
        CompareOperator.ne: left != right,
        CompareOperator.co: right in left,
        CompareOperator.sw: left.startswith(right),
        CompareOperator.ew: left.endswith(right),
        CompareOperator.gt: left > right,
        CompareOperator.ge: left >= right,
        CompareOperator.lt: left < right,
        CompareOperator.le: left <= right,
    }
    return outcomes[op]
