"""Discovery endpoints (RFC 7644 section 4): ServiceProviderConfig, Schemas, ResourceTypes.

Read-only: any other method answers 405. A `filter` is refused with 403, as section 4
recommends, so that no client believes a filter was applied.
"""

from __future__ import annotations

from typing import Any

from rest_framework.request import Request
from rest_framework.response import Response

from provisioning.scim.errors import ScimError
from provisioning.scim.query import ListQuery
from provisioning.scim.schema import (
    resource_type_documents,
    schema_documents,
    service_provider_config_document,
)

from .views import ScimV2View, list_body, scim_response


class DiscoveryView(ScimV2View):
    """GET-only; refuses filters."""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        """Authenticate, then refuse a filter (403)."""
        super().initial(request, *args, **kwargs)
        if any(key.lower() == "filter" for key in request.query_params):
            raise ScimError(403, "Discovery endpoints do not support filtering.")

    def documents(self) -> list[dict[str, Any]]:
        """All documents of the endpoint."""
        raise NotImplementedError

    def get(self, request: Request, document_id: str | None = None) -> Response:
        """The list of documents, or one by id."""
        documents = self.documents()
        if document_id is None:
            query = ListQuery(start_index=1, count=len(documents))
            return scim_response(list_body(documents, total=len(documents), query=query))
        for document in documents:
            if document["id"] == document_id:
                return scim_response(document)
        raise ScimError(404, f"No {self.kind} with id {document_id!r}.")

    kind = "document"


class SchemasView(DiscoveryView):
    """/Schemas and /Schemas/{id}: the core User, the enterprise extension, the core Group."""

    kind = "schema"

    def documents(self) -> list[dict[str, Any]]:
        """The schema documents."""
        return schema_documents(self.locator)


class ResourceTypesView(DiscoveryView):
    """/ResourceTypes and /ResourceTypes/{id}: User and Group."""

    kind = "resource type"

    def documents(self) -> list[dict[str, Any]]:
        """The resource type documents."""
        return resource_type_documents(self.locator)


class ServiceProviderConfigView(ScimV2View):
    """/ServiceProviderConfig: what this server implements."""

    def get(self, request: Request) -> Response:
        """The configuration document (Basic auth listed when this configuration has it)."""
        return scim_response(
            service_provider_config_document(
                locator=self.locator,
                max_page_size=self.max_page_size,
                basic_auth=self.configuration.uses_basic_auth,
            )
        )
