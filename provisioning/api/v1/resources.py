"""/Users and /Groups in SCIM 1.1: the 2.0 views, with requests and answers translated.

Reading, writing and checking are the 2.0 views', selectors' and services' (and so are the
Jira write-through and the audit log). These views only translate the request body and
query into 2.0 terms (`provisioning.scim.v1`) and the rendered 2.0 documents into 1.1.
"""

from __future__ import annotations

from typing import Any

from rest_framework.request import Request
from rest_framework.response import Response

from provisioning.api.resources import GROUPS, USERS, CollectionView, ItemView, ResourceView
from provisioning.api.views import empty_response, scim_response
from provisioning.scim.patch import parse_patch
from provisioning.scim.query import ListQuery
from provisioning.scim.v1 import query as v1_query
from provisioning.scim.v1.names import Kind
from provisioning.scim.v1.patch import patch_in
from provisioning.scim.v1.resources import resource_in, resource_out

from .views import ScimV1View


class ResourceViewV1(ScimV1View, ResourceView):
    """Translation in and out, placed before the 2.0 collection and item views."""

    kind: Kind

    def wire_body(self) -> Any:
        """The JSON body as the client sent it."""
        return super().body()

    def body(self) -> Any:
        """The body of a POST or PUT as the 2.0 resource the 2.0 view validates."""
        return resource_in(self.wire_body(), self.kind)

    def render_one(self, row: Any, *, status: int = 200, location: bool = False) -> Response:
        """One resource in 1.1, projected by the request's `attributes`."""
        projection = v1_query.projection(self.request.query_params)
        [document] = self.resource_type.renderer.render(
            [row], locator=self.locator, projection=projection
        )
        # From the locator, not meta.location: `attributes` may have left meta out.
        url = self.locator.user(row.pk) if self.kind == Kind.USER else self.locator.group(row.pk)
        return scim_response(
            resource_out(document), status=status, etag=row.etag, location=url if location else None
        )

    def render_list(self, query: ListQuery) -> Response:
        """A 1.1 ListResponse page."""
        page = self.resource_type.list(directory=self.configuration.directory, query=query)
        documents = self.resource_type.renderer.render(
            page.items, locator=self.locator, projection=query.projection
        )
        resources = [resource_out(document) for document in documents]
        return scim_response(v1_query.list_response(resources, total=page.total, query=query))


class CollectionViewV1(ResourceViewV1, CollectionView):
    """GET (list) and POST (create) on /Users and /Groups."""

    def get(self, request: Request) -> Response:
        """List: the 1.1 filter, sortBy and attributes translated, paged as in 2.0."""
        return self.render_list(
            v1_query.list_query(request.query_params, max_page_size=self.max_page_size)
        )


class ItemViewV1(ResourceViewV1, ItemView):
    """GET, PUT, PATCH, DELETE on /Users/{id} and /Groups/{id}."""

    def patch(self, request: Request, resource_id: str) -> Response:
        """A 1.1 PATCH applied as the 2.0 operations it stands for.

        Users answer 200 with the resource; groups 204 unless `attributes` is given (as in
        2.0, so that a membership change never renders 100k members).
        """
        row = self._row(resource_id)
        body = patch_in(self.wire_body(), self.kind)
        patch = parse_patch(body, self.resource_type.model, locator=self.locator) if body else None
        row = self.resource_type.patch(
            row=row,
            patch=patch,
            configuration=self.configuration,
            preconditions=self._preconditions(),
        )
        if self.resource_type.patch_returns_resource or v1_query.projection(request.query_params):
            return self.render_one(row)
        return empty_response(status=204, etag=row.etag)


class UserCollectionView(CollectionViewV1):
    """/v1/Users."""

    kind = Kind.USER
    resource_type = USERS


class UserItemView(ItemViewV1):
    """/v1/Users/{id}."""

    kind = Kind.USER
    resource_type = USERS


class GroupCollectionView(CollectionViewV1):
    """/v1/Groups."""

    kind = Kind.GROUP
    resource_type = GROUPS


class GroupItemView(ItemViewV1):
    """/v1/Groups/{id}."""

    kind = Kind.GROUP
    resource_type = GROUPS
