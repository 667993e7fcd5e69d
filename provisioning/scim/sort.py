"""sortBy (RFC 7644 section 3.4.2.3) resolved and checked against a resource model.

The order is the one scim2-models' `SearchRequest.sort` gives: strings without their case
unless caseExact, a multi-valued attribute by its primary value (else its first one).
This module says which attribute a `sortBy` designates, or why it cannot be sorted on;
`provisioning.storage.sort` turns that attribute into an ORM ordering.
"""

from __future__ import annotations

from typing import Any

from scim2_models import AttributeBinding, BaseModel, Path, Resource, SCIMException
from scim2_models.path import AttrPath

from .errors import ScimError, ScimType, from_scim2
from .schema import split_binding


def sort_binding(
    sort_by: str, model: type[Resource[Any]], *, lenient: bool = False
) -> AttributeBinding | None:
    """The attribute resources are sorted by, or 400 invalidValue.

    A multi-valued attribute stands for its `value` sub-attribute. With `lenient`, an
    attribute the model lacks gives None (a search across resource types sorts the other
    types' resources as having no value).
    """
    try:
        path = Path[model](sort_by)  # type: ignore[valid-type]
        binding = path.resolve()
    except SCIMException as exc:
        raise invalid_sort(sort_by, from_scim2(exc).detail) from exc
    if binding is None:
        if lenient:
            return None
        raise invalid_sort(sort_by, "no such attribute")
    target = binding.target_type
    if isinstance(target, type) and issubclass(target, BaseModel):
        if not binding.is_multivalued or "value" not in target.model_fields:
            raise invalid_sort(sort_by, "a complex attribute; sort on one of its sub-attributes")
        # RFC 7644 section 3.4.2.3: a multi-valued attribute sorts by its (primary) value.
        schema, attribute, _ = split_binding(binding)
        uri = schema if schema != str(model.__schema__) else None
        binding = Path[model](str(AttrPath(attribute, "value", uri))).resolve()  # type: ignore[valid-type]
        assert binding is not None
    target = binding.target_type
    if isinstance(target, type) and issubclass(target, bytes):
        raise invalid_sort(sort_by, "a binary attribute")
    return binding


def invalid_sort(sort_by: str, reason: str) -> ScimError:
    """The 400 invalidValue for a sortBy this server cannot sort on."""
    return ScimError(400, f"Cannot sort by {sort_by!r}: {reason}.", ScimType.INVALID_VALUE)
