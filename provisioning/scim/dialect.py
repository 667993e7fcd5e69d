"""The SCIM dialects: how a request reaches the 2.0 core and how its answer leaves it.

One set of views serves /scim/v2 and /scim/v1; the URL conf gives each view its dialect
(`View.as_view(dialect=V1)`). SCIM 2.0 is the identity dialect; SCIM 1.1 translates bodies,
query parameters and PATCH bodies into 2.0 terms (`provisioning.scim.v1`) and rendered 2.0
documents, ListResponses, errors and discovery documents back into 1.1. Pure code: no
Django, DRF, ORM or Jira.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from .errors import ScimError, error_body_v1, error_body_v2
from .limits import Limits
from .query import (
    DEFAULT_LIMITS,
    ListQuery,
    Projection,
    list_query_from_params,
    projection_from_params,
)
from .schema import Locator
from .v1 import discovery as v1_discovery
from .v1 import query as v1_query
from .v1.names import Kind
from .v1.patch import patch_in
from .v1.resources import resource_in, resource_out

LIST_RESPONSE_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse"

# What `Dialect.patch_in` returns for a PATCH body that asks for no change.
NO_CHANGE: Final = object()


class Dialect:
    """SCIM 2.0, the identity: every request and answer passes unchanged."""

    name = "v2"
    # RFC 7644 section 4: refuse a filter on /Schemas and /ResourceTypes (403), so that no
    # client believes it was applied. 1.1 has no such rule and its endpoint never refused.
    refuses_discovery_filter = True

    @property
    def users_route(self) -> str:
        """The URL name of this dialect's /Users endpoint (its base URL is derived from it)."""
        return f"scim-{self.name}-users"

    def resource_in(self, body: Any, kind: Kind) -> Any:
        """A POST or PUT body as the 2.0 resource the core makes lenient and validates."""
        return body

    def patch_in(self, body: Any, kind: Kind) -> Any:
        """A PATCH body as the 2.0 PatchOp body the core parses, or NO_CHANGE."""
        return body

    def list_query(
        self, params: Mapping[str, Any], *, max_page_size: int, limits: Limits = DEFAULT_LIMITS
    ) -> ListQuery:
        """The query of a list request (filter, sort, paging, attributes)."""
        return list_query_from_params(params, max_page_size=max_page_size, limits=limits)

    def projection(self, params: Mapping[str, Any]) -> Projection:
        """`attributes` / `excludedAttributes` of a single-resource request."""
        return projection_from_params(params)

    def resource_out(self, document: dict[str, Any]) -> dict[str, Any]:
        """A rendered 2.0 User or Group as the answer carries it."""
        return document

    def list_response(
        self, resources: list[dict[str, Any]], *, total: int, query: ListQuery
    ) -> dict[str, Any]:
        """A ListResponse (RFC 7644 section 3.4.2)."""
        return {
            "schemas": [LIST_RESPONSE_SCHEMA],
            "totalResults": total,
            "startIndex": query.start_index,
            "itemsPerPage": len(resources),
            "Resources": resources,
        }

    def error_body(self, error: ScimError) -> dict[str, Any]:
        """The body of an error answer."""
        return error_body_v2(error)

    def service_provider_config(
        self, document: dict[str, Any], *, locator: Locator
    ) -> dict[str, Any]:
        """The 2.0 ServiceProviderConfig document as this dialect publishes it."""
        return document

    def schemas(self, documents: list[dict[str, Any]], *, locator: Locator) -> list[dict[str, Any]]:
        """The 2.0 schema documents as this dialect publishes them."""
        return documents

    def find_schema(self, documents: list[dict[str, Any]], wanted: str) -> dict[str, Any]:
        """The schema `/Schemas/{wanted}` names (by id), or 404."""
        for document in documents:
            if document["id"] == wanted:
                return document
        raise ScimError(404, f"No schema with id {wanted!r}.")


class DialectV1(Dialect):
    """SCIM 1.1, translated to and from the 2.0 core."""

    name = "v1"
    refuses_discovery_filter = False

    def resource_in(self, body: Any, kind: Kind) -> Any:
        """The 1.1 resource in 2.0 terms (schemas, enterprise URN, `managerId`)."""
        return resource_in(body, kind)

    def patch_in(self, body: Any, kind: Kind) -> Any:
        """The 1.1 partial resource as 2.0 operations (`provisioning.scim.v1.patch`)."""
        translated = patch_in(body, kind)
        return NO_CHANGE if translated is None else translated

    def list_query(
        self, params: Mapping[str, Any], *, max_page_size: int, limits: Limits = DEFAULT_LIMITS
    ) -> ListQuery:
        """The 1.1 filter, sortBy and attributes rewritten in 2.0 terms, paged as in 2.0."""
        return v1_query.list_query(params, max_page_size=max_page_size, limits=limits)

    def projection(self, params: Mapping[str, Any]) -> Projection:
        """`attributes` (and `excludedAttributes`) with 1.1 names translated."""
        return v1_query.projection(params)

    def resource_out(self, document: dict[str, Any]) -> dict[str, Any]:
        """The 2.0 document in the 1.1 core schema."""
        return resource_out(document)

    def list_response(
        self, resources: list[dict[str, Any]], *, total: int, query: ListQuery
    ) -> dict[str, Any]:
        """A 1.1 ListResponse (the 1.1 core schema, no message schema)."""
        return v1_query.list_response(resources, total=total, query=query)

    def error_body(self, error: ScimError) -> dict[str, Any]:
        """The 1.1 `{"Errors": [...]}` body."""
        return error_body_v1(error)

    def service_provider_config(
        self, document: dict[str, Any], *, locator: Locator
    ) -> dict[str, Any]:
        """/ServiceProviderConfigs in the 1.1 shape."""
        location = locator.endpoint("ServiceProviderConfigs")
        return v1_discovery.service_provider_config_out(document, location=location)

    def schemas(self, documents: list[dict[str, Any]], *, locator: Locator) -> list[dict[str, Any]]:
        """One 1.1 resource schema per resource type."""
        return v1_discovery.schema_documents_out(documents, base_url=locator.base_url)

    def find_schema(self, documents: list[dict[str, Any]], wanted: str) -> dict[str, Any]:
        """The schema by id, name (`User`) or endpoint (`Users`), or 404."""
        document = v1_discovery.find_schema(documents, wanted)
        if document is None:
            raise ScimError(404, f"No schema {wanted!r}; this server has User and Group.")
        return document


V2: Final = Dialect()
V1: Final = DialectV1()
