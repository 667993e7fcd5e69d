"""List and search parameters (RFC 7644 sections 3.4.2 to 3.4.3, 3.9): parsing and paging rules."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from scim2_models import Resource, ResponseParameters, SCIMException

from .errors import ScimError, ScimType, from_scim2, from_validation
from .limits import Limits
from .values import check_values

SEARCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
# For callers that have no settings (unit tests, tools); the API passes the configured ones.
DEFAULT_LIMITS = Limits()
_PARAMETERS = (
    "filter",
    "startIndex",
    "count",
    "sortBy",
    "sortOrder",
    "attributes",
    "excludedAttributes",
)


@dataclass(frozen=True)
class Projection:
    """`attributes` / `excludedAttributes`: which attributes a response carries."""

    attributes: tuple[str, ...] = ()
    excluded_attributes: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.attributes or self.excluded_attributes)

    def parameters(self, model: type[Resource[Any]]) -> ResponseParameters[Any] | None:
        """The scim2-models response parameters for dumping `model` resources."""
        if not self:
            return None
        try:
            return ResponseParameters[model].model_validate(  # type: ignore[valid-type]
                {
                    "attributes": list(self.attributes) or None,
                    "excludedAttributes": list(self.excluded_attributes) or None,
                }
            )
        except SCIMException as exc:
            raise from_scim2(exc) from exc
        except ValidationError as exc:
            raise from_validation(exc, what="attributes or excludedAttributes") from exc

    def includes(self, attribute: str, schema: str) -> bool:
        """Whether a response must carry `attribute` (a default-returned attribute)."""
        names = {_root(name, schema) for name in self.attributes}
        if self.attributes:
            return attribute.lower() in names
        return attribute.lower() not in {_root(name, schema) for name in self.excluded_attributes}


def _root(name: str, schema: str) -> str:
    lowered = name.strip().lower()
    if lowered.startswith(schema.lower() + ":"):
        lowered = lowered[len(schema) + 1 :]
    return lowered.split(".", 1)[0]


@dataclass(frozen=True)
class ListQuery:
    """A list request: filter, paging, sorting and projection, already checked."""

    filter: str | None = None
    start_index: int = 1
    count: int = 100
    sort_by: str | None = None
    descending: bool = False
    projection: Projection = Projection()

    @property
    def offset(self) -> int:
        """0-based offset of the first result."""
        return self.start_index - 1


def _split(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    items = value if isinstance(value, list) else [value]
    names: list[str] = []
    for item in items:
        if not isinstance(item, str):
            raise ScimError(400, "Attribute names must be strings.", ScimType.INVALID_VALUE)
        names.extend(part.strip() for part in item.split(",") if part.strip())
    return tuple(names)


# Paging numbers beyond a signed 64-bit integer cannot reach SQL (OFFSET / LIMIT).
_LARGEST_INTEGER = 2**63 - 1


def _integer(name: str, value: Any) -> int | None:
    """A paging parameter as a finite integer of SQL's range, or 400 invalidValue.

    JSON bodies may send `1e400` (infinity to Python), `NaN` or `1.5`; query parameters any
    text. A whole number written as a float (`10.0`) is accepted.
    """
    if value is None or value == "":
        return None
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value = int(value)
    if isinstance(value, str):
        try:
            value = int(value.strip())
        except ValueError:
            value = None
    if isinstance(value, bool) or not isinstance(value, int) or abs(value) > _LARGEST_INTEGER:
        shown = value if isinstance(value, int | float) and not isinstance(value, bool) else None
        raise ScimError(
            400,
            f"'{name}' must be an integer between {-_LARGEST_INTEGER} and {_LARGEST_INTEGER}"
            + (f", not {shown!r}." if shown is not None else "."),
            ScimType.INVALID_VALUE,
        )
    return value


def _build(
    values: Mapping[str, Any], *, max_page_size: int, limits: Limits, translated: bool
) -> ListQuery:
    check_values(list(values.values()), "A query parameter")
    filter_text = values.get("filter")
    if filter_text is not None and not isinstance(filter_text, str):
        raise ScimError(400, "'filter' must be a string.", ScimType.INVALID_FILTER)
    # Before any parser or SQL sees it; a translated (1.1) filter had its length checked as sent.
    limits.check_filter(filter_text, length=not translated)
    start_index = _integer("startIndex", values.get("startIndex"))
    count = _integer("count", values.get("count"))
    sort_by = values.get("sortBy")
    if sort_by is not None and (not isinstance(sort_by, str) or not sort_by.strip()):
        raise ScimError(400, "'sortBy' must name an attribute.", ScimType.INVALID_VALUE)
    sort_order = values.get("sortOrder") or "ascending"
    if not isinstance(sort_order, str) or sort_order.lower() not in ("ascending", "descending"):
        raise ScimError(
            400, "'sortOrder' must be 'ascending' or 'descending'.", ScimType.INVALID_VALUE
        )
    projection = Projection(
        _split(values.get("attributes")), _split(values.get("excludedAttributes"))
    )
    if projection.attributes and projection.excluded_attributes:
        raise ScimError(
            400,
            "'attributes' and 'excludedAttributes' cannot be given together.",
            ScimType.INVALID_VALUE,
        )
    return ListQuery(
        filter=filter_text if filter_text and filter_text.strip() else None,
        # RFC 7644 section 3.4.2.4: below 1 means 1; negative counts mean 0; we cap the page.
        start_index=max(1, start_index if start_index is not None else 1),
        count=min(max(0, count if count is not None else max_page_size), max_page_size),
        sort_by=sort_by.strip() if sort_by else None,
        descending=sort_order.lower() == "descending",
        projection=projection,
    )


def list_query_from_params(
    params: Mapping[str, Any],
    *,
    max_page_size: int,
    limits: Limits = DEFAULT_LIMITS,
    translated: bool = False,
) -> ListQuery:
    """A ListQuery from a GET's query parameters (names matched case-insensitively).

    `translated`: the parameters are a 1.1 request's, rewritten in 2.0 terms.
    """
    by_name = {name.lower(): name for name in _PARAMETERS}
    values: dict[str, Any] = {}
    for key in params:
        name = by_name.get(key.lower())
        if name is not None:
            values[name] = params[key]
    return _build(values, max_page_size=max_page_size, limits=limits, translated=translated)


def list_query_from_search(
    body: Any, *, max_page_size: int, limits: Limits = DEFAULT_LIMITS
) -> ListQuery:
    """A ListQuery from a POST /.search SearchRequest body."""
    if not isinstance(body, dict):
        raise ScimError(400, "The SearchRequest must be a JSON object.", ScimType.INVALID_SYNTAX)
    schemas = body.get("schemas")
    if schemas is not None and (not isinstance(schemas, list) or SEARCH_SCHEMA not in schemas):
        raise ScimError(
            400, f"A SearchRequest's schemas must list {SEARCH_SCHEMA}.", ScimType.INVALID_SYNTAX
        )
    return list_query_from_params(
        {key: value for key, value in body.items() if key != "schemas"},
        max_page_size=max_page_size,
        limits=limits,
    )


def projection_from_params(params: Mapping[str, Any]) -> Projection:
    """`attributes` / `excludedAttributes` of a single-resource request or a write."""
    return list_query_from_params(
        {
            key: value
            for key, value in params.items()
            if key.lower() in ("attributes", "excludedattributes")
        },
        max_page_size=1,
    ).projection
