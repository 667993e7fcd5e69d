"""SCIM 1.1 query parameters and ListResponse: names translated, paging rules shared with 2.0.

1.1 lists take `filter`, `sortBy`, `sortOrder`, `startIndex`, `count` and `attributes`, with
the same paging rules as 2.0 (1-based `startIndex`, `count` capped by the server). They are
rewritten in 2.0 terms and parsed by the core's `list_query_from_params`, so both dialects
page, cap and sort alike. `excludedAttributes` (2.0) is accepted as well: it costs nothing
and spares a client the members of large groups.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from provisioning.scim.limits import Limits
from provisioning.scim.query import (
    DEFAULT_LIMITS,
    ListQuery,
    Projection,
    list_query_from_params,
    projection_from_params,
)

from .filter import filter_to_v2
from .names import CORE_SCHEMA, attribute_to_v2

_NAME_LISTS = ("attributes", "excludedattributes")


def _names_to_v2(value: Any) -> Any:
    """A comma-separated list of 1.1 attribute names in 2.0 notation."""
    if not isinstance(value, str):
        return value
    return ",".join(attribute_to_v2(name) for name in value.split(",") if name.strip())


def params_to_v2(params: Mapping[str, Any]) -> dict[str, Any]:
    """The query parameters of a 1.1 request, rewritten in 2.0 terms (names kept as sent)."""
    translated: dict[str, Any] = {}
    for key in params:
        value = params[key]
        lowered = key.lower()
        if lowered == "filter" and isinstance(value, str) and value.strip():
            value = filter_to_v2(value)
        elif lowered == "sortby" and isinstance(value, str) and value.strip():
            value = attribute_to_v2(value)
        elif lowered in _NAME_LISTS:
            value = _names_to_v2(value)
        translated[key] = value
    return translated


def list_query(
    params: Mapping[str, Any], *, max_page_size: int, limits: Limits = DEFAULT_LIMITS
) -> ListQuery:
    """The ListQuery of a 1.1 list request; the filter's limits are checked as sent."""
    for key in params:
        if key.lower() == "filter":
            limits.check_filter(params[key])
    return list_query_from_params(
        params_to_v2(params), max_page_size=max_page_size, limits=limits, translated=True
    )


def projection(params: Mapping[str, Any]) -> Projection:
    """`attributes` (and `excludedAttributes`) of a single-resource request, in 2.0 terms."""
    return projection_from_params(
        params_to_v2({key: params[key] for key in params if key.lower() in _NAME_LISTS})
    )


def list_response(
    resources: list[dict[str, Any]], *, total: int, query: ListQuery
) -> dict[str, Any]:
    """A 1.1 ListResponse: the 1.1 core schema, no 2.0 message schema."""
    return {
        "schemas": [CORE_SCHEMA],
        "totalResults": total,
        "itemsPerPage": len(resources),
        "startIndex": query.start_index,
        "Resources": resources,
    }
