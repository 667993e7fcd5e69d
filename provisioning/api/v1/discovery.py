"""/ServiceProviderConfigs and /Schemas in SCIM 1.1, translated from the 2.0 documents."""

from __future__ import annotations

from typing import Any

from rest_framework.request import Request
from rest_framework.response import Response

from provisioning.api.views import scim_response
from provisioning.scim.errors import ScimError
from provisioning.scim.query import ListQuery
from provisioning.scim.schema import schema_documents, service_provider_config_document
from provisioning.scim.v1.discovery import (
    find_schema,
    schema_documents_out,
    service_provider_config_out,
)
from provisioning.scim.v1.query import list_response

from .views import ScimV1View


class ServiceProviderConfigView(ScimV1View):
    """/ServiceProviderConfigs: what this server implements, as 2.0 advertises it."""

    def get(self, request: Request) -> Response:
        """The configuration document (Basic auth listed when this configuration has it)."""
        document = service_provider_config_document(
            locator=self.locator,
            max_page_size=self.max_page_size,
            basic_auth=self.configuration.uses_basic_auth,
        )
        location = self.locator.endpoint("ServiceProviderConfigs")
        return scim_response(service_provider_config_out(document, location=location))


class SchemasView(ScimV1View):
    """/Schemas and /Schemas/{id}: the User (with the enterprise extension) and Group schemas."""

    def documents(self) -> list[dict[str, Any]]:
        """The 1.1 schema documents."""
        return schema_documents_out(schema_documents(self.locator), base_url=self.locator.base_url)

    def get(self, request: Request, document_id: str | None = None) -> Response:
        """The list of schemas, or one by id, name or endpoint."""
        documents = self.documents()
        if document_id is None:
            query = ListQuery(start_index=1, count=len(documents))
            return scim_response(list_response(documents, total=len(documents), query=query))
        document = find_schema(documents, document_id)
        if document is None:
            raise ScimError(404, f"No schema {document_id!r}; this server has User and Group.")
        return scim_response(document)
