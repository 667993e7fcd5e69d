"""Discovery endpoints: ServiceProviderConfig(s), Schemas and (2.0 only) ResourceTypes.

Read-only: any other method answers 405. The documents are the 2.0 ones
(`provisioning.scim.schema`); the view's dialect publishes them (1.1 translates them). In
2.0 a `filter` is refused with 403, as RFC 7644 section 4 recommends, so that no client
believes a filter was applied.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.request import Request
from rest_framework.response import Response

from provisioning.scim.errors import ScimError
from provisioning.scim.query import ListQuery
from provisioning.scim.schema import (
    resource_type_documents,
    schema_documents,
    service_provider_config_document,
)

from .views import EndpointView, scim_response


class DiscoveryView(EndpointView):
    """GET-only lists of documents; refuses filters where the dialect says so."""

    kind = "document"

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        """Authenticate, then refuse a filter (403)."""
        super().initial(request, *args, **kwargs)
        if self.dialect.refuses_discovery_filter and any(
            key.lower() == "filter" for key in request.query_params
        ):
            raise ScimError(403, "Discovery endpoints do not support filtering.")

    def documents(self) -> list[dict[str, Any]]:
        """All documents of the endpoint."""
        raise NotImplementedError

    def find(self, documents: list[dict[str, Any]], document_id: str) -> dict[str, Any]:
        """The document with this id, or 404."""
        for document in documents:
            if document["id"] == document_id:
                return document
        raise ScimError(404, f"No {self.kind} with id {document_id!r}.")

    def get(self, request: Request, document_id: str | None = None) -> Response:
        """The list of documents, or one by id."""
        documents = self.documents()
        if document_id is None:
            query = ListQuery(start_index=1, count=len(documents))
            return scim_response(
                self.dialect.list_response(documents, total=len(documents), query=query)
            )
        return scim_response(self.find(documents, document_id))


class SchemasView(DiscoveryView):
    """/Schemas and /Schemas/{id}: User (with the enterprise extension) and Group."""

    kind = "schema"

    def documents(self) -> list[dict[str, Any]]:
        """The schema documents in this dialect."""
        return self.dialect.schemas(schema_documents(self.locator), locator=self.locator)

    def find(self, documents: list[dict[str, Any]], document_id: str) -> dict[str, Any]:
        """The schema `/Schemas/{id}` names, as the dialect looks it up."""
        return self.dialect.find_schema(documents, document_id)


class ResourceTypesView(DiscoveryView):
    """/ResourceTypes and /ResourceTypes/{id} (SCIM 2.0): User and Group."""

    kind = "resource type"

    def documents(self) -> list[dict[str, Any]]:
        """The resource type documents."""
        return resource_type_documents(self.locator)


class ServiceProviderConfigView(EndpointView):
    """/ServiceProviderConfig (1.1: /ServiceProviderConfigs): what this server implements."""

    def get(self, request: Request) -> Response:
        """The configuration document (Basic auth listed when this configuration has it)."""
        # Bulk is served in 2.0 only (docs/scim-v1.md).
        bulk = self.dialect.name == "v2"
        document = service_provider_config_document(
            locator=self.locator,
            max_page_size=self.max_page_size,
            basic_auth=self.configuration.uses_basic_auth,
            bulk_max_operations=settings.SCIM_BULK_MAX_OPERATIONS if bulk else 0,
            bulk_max_payload_bytes=settings.SCIM_BULK_MAX_PAYLOAD_BYTES if bulk else 0,
        )
        return scim_response(self.dialect.service_provider_config(document, locator=self.locator))
