"""The /Users and /Groups endpoints: list, create, read, replace, patch, delete, .search.

The same views serve both dialects: the view's `dialect` translates the request into the
2.0 core's terms and the rendered 2.0 documents into the answer (`provisioning.scim.dialect`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rest_framework.request import Request
from rest_framework.response import Response
from scim2_models import Context, Resource

from configurations.models import Directory
from provisioning import selectors
from provisioning.scim import leniency, mapping, sizes
from provisioning.scim.dialect import NO_CHANGE, Dialect
from provisioning.scim.etag import Preconditions
from provisioning.scim.patch import parse_patch
from provisioning.scim.query import ListQuery, Projection, list_query_from_search
from provisioning.scim.schema import (
    GROUP_SCHEMA,
    USER_SCHEMA,
    GroupResource,
    Locator,
    UserResource,
)
from provisioning.scim.v1.names import Kind
from provisioning.services import groups as group_services
from provisioning.services import users as user_services
from provisioning.sync.last_login import decorate_user_documents

from .views import EndpointView, Renderer, empty_response, scim_response


@dataclass(frozen=True)
class ResourceType:
    """Everything the generic views need to serve one resource type."""

    name: Kind
    model: type[Resource[Any]]
    renderer: Renderer
    validate: Callable[[dict[str, Any], Context], Any]
    get: Callable[..., Any]
    list: Callable[..., Any]
    create: Callable[..., Any]
    replace: Callable[..., Any]
    patch: Callable[..., Any]
    delete: Callable[..., Any]
    # PATCH answers 200 with the resource (True) or 204 unless attributes are asked for.
    patch_returns_resource: bool


def _delete_user(*, resource: Any, configuration: Any, preconditions: Preconditions) -> None:
    user_services.user_delete(
        user=resource,
        hard=configuration.delete_users,
        configuration=configuration,
        preconditions=preconditions,
    )


def _delete_group(*, resource: Any, configuration: Any, preconditions: Preconditions) -> None:
    group_services.group_delete(
        group=resource, configuration=configuration, preconditions=preconditions
    )


USERS = ResourceType(
    name=Kind.USER,
    model=UserResource,
    renderer=Renderer(
        model=UserResource,
        schema=USER_SCHEMA,
        related="groups",
        load_related=lambda ids: selectors.user_groups(user_ids=ids),
        document=mapping.user_document,
        decorate=decorate_user_documents,
    ),
    validate=mapping.validate_user,
    get=lambda *, directory, resource_id: selectors.user_get(
        directory=directory, user_id=resource_id
    ),
    list=selectors.user_list,
    create=user_services.user_create,
    replace=lambda *, resource, row, **kwargs: user_services.user_replace(
        user=row, resource=resource, **kwargs
    ),
    patch=lambda *, patch, row, **kwargs: user_services.user_patch(user=row, patch=patch, **kwargs),
    delete=_delete_user,
    # Okta reads the user back from the PATCH response.
    patch_returns_resource=True,
)

GROUPS = ResourceType(
    name=Kind.GROUP,
    model=GroupResource,
    renderer=Renderer(
        model=GroupResource,
        schema=GROUP_SCHEMA,
        related="members",
        load_related=lambda ids: selectors.group_members(group_ids=ids),
        document=mapping.group_document,
    ),
    validate=mapping.validate_group,
    get=lambda *, directory, resource_id: selectors.group_get(
        directory=directory, group_id=resource_id
    ),
    list=selectors.group_list,
    create=group_services.group_create,
    replace=lambda *, resource, row, **kwargs: group_services.group_replace(
        group=row, resource=resource, **kwargs
    ),
    patch=lambda *, patch, row, **kwargs: group_services.group_patch(
        group=row, patch=patch, **kwargs
    ),
    delete=_delete_group,
    # A membership change must not render a member list of 100k: 204 unless asked.
    patch_returns_resource=False,
)


def resource_document(
    resource_type: ResourceType,
    dialect: Dialect,
    row: Any,
    *,
    locator: Locator,
    projection: Projection,
    known_related: dict[Any, Any] | None = None,
) -> dict[str, Any]:
    """One stored resource as the dialect answers it, projected."""
    [document] = resource_type.renderer.render(
        [row], locator=locator, projection=projection, known_related=known_related
    )
    return dialect.resource_out(document)


def list_document(
    resource_type: ResourceType,
    dialect: Dialect,
    *,
    directory: Directory,
    query: ListQuery,
    locator: Locator,
) -> dict[str, Any]:
    """The ListResponse of one page of the directory's resources of this type."""
    page = resource_type.list(directory=directory, query=query)
    documents = resource_type.renderer.render(
        page.items, locator=locator, projection=query.projection
    )
    resources = [dialect.resource_out(document) for document in documents]
    return dialect.list_response(resources, total=page.total, query=query)


class ResourceView(EndpointView):
    """Shared by the collection, item and .search views of one resource type."""

    resource_type: ResourceType

    def projection(self) -> Projection:
        """The request's attributes/excludedAttributes, checked (400) before any write.

        A write refused only when its answer is rendered would be applied yet answered 400.
        """
        projection = self.dialect.projection(self.request.query_params)
        projection.parameters(self.resource_type.model)
        return projection

    def render_one(
        self, row: Any, *, status: int = 200, location: bool = False, created: bool = False
    ) -> Response:
        """One resource, projected by the request's attributes/excludedAttributes.

        `created`: the row was created (or relinked) by this request. A user then belongs
        to no group (`groups` is read-only; hiding a user removed its memberships), so its
        memberships are not read.
        """
        known = {} if created and self.resource_type.name == Kind.USER else None
        document = resource_document(
            self.resource_type,
            self.dialect,
            row,
            locator=self.locator,
            projection=self.projection(),
            known_related=known,
        )
        # From the locator, not meta.location: `attributes` may have projected meta away.
        url = None
        if location:
            is_user = self.resource_type.name == Kind.USER
            url = self.locator.user(row.pk) if is_user else self.locator.group(row.pk)
        return scim_response(document, status=status, etag=row.etag, location=url)

    def render_list(self, query: ListQuery) -> Response:
        """A ListResponse page."""
        return scim_response(
            list_document(
                self.resource_type,
                self.dialect,
                directory=self.configuration.directory,
                query=query,
                locator=self.locator,
            )
        )

    def parsed(self, context: Context) -> Any:
        """The request body, in 2.0 terms, made lenient, validated as a resource of this type."""
        self.projection()
        body = self.dialect.resource_in(self.body(), self.resource_type.name)
        sizes.check_resource(body, self.resource_type.name, self.limits)
        body = leniency.normalise_resource(body, self.resource_type.model, locator=self.locator)
        return self.resource_type.validate(body, context)


class CollectionView(ResourceView):
    """GET (list, filter, sort, page) and POST (create) on /Users and /Groups."""

    def get(self, request: Request) -> Response:
        """List."""
        return self.render_list(
            self.dialect.list_query(
                request.query_params, max_page_size=self.max_page_size, limits=self.limits
            )
        )

    def post(self, request: Request) -> Response:
        """Create: 201 with Location, ETag and the resource."""
        resource = self.parsed(Context.RESOURCE_CREATION_REQUEST)
        row = self.resource_type.create(
            directory=self.configuration.directory,
            resource=resource,
            configuration=self.configuration,
        )
        return self.render_one(row, status=201, location=True, created=True)


class SearchView(ResourceView):
    """POST /Users/.search and /Groups/.search (RFC 7644 section 3.4.3)."""

    def post(self, request: Request) -> Response:
        """Search with a SearchRequest body."""
        return self.render_list(
            list_query_from_search(
                self.body(), max_page_size=self.max_page_size, limits=self.limits
            )
        )


class ItemView(ResourceView):
    """GET, PUT, PATCH, DELETE on /Users/{id} and /Groups/{id}."""

    def _row(self, resource_id: str) -> Any:
        return self.resource_type.get(
            directory=self.configuration.directory, resource_id=resource_id
        )

    def _preconditions(self) -> Preconditions:
        return Preconditions.from_meta(self.request.META)

    def get(self, request: Request, resource_id: str) -> Response:
        """Read; 304 when If-None-Match names the current version."""
        row = self._row(resource_id)
        if self._preconditions().not_modified(row.etag):
            return empty_response(status=304, etag=row.etag)
        return self.render_one(row)

    def put(self, request: Request, resource_id: str) -> Response:
        """Replace."""
        row = self._row(resource_id)
        resource = self.parsed(Context.RESOURCE_REPLACEMENT_REQUEST)
        row = self.resource_type.replace(
            row=row,
            resource=resource,
            configuration=self.configuration,
            preconditions=self._preconditions(),
        )
        return self.render_one(row)

    def patch(self, request: Request, resource_id: str) -> Response:
        """Patch: users answer 200 + resource; groups 204 unless attributes are asked for.

        Groups answer 204 so that a membership change never renders 100k members.
        """
        row = self._row(resource_id)
        self.projection()
        body = self.dialect.patch_in(self.body(), self.resource_type.name)
        sizes.check_patch(body, self.resource_type.name, self.limits)
        patch = (
            None
            if body is NO_CHANGE
            else parse_patch(body, self.resource_type.model, locator=self.locator)
        )
        row = self.resource_type.patch(
            row=row,
            patch=patch,
            configuration=self.configuration,
            preconditions=self._preconditions(),
        )
        # RFC 7644 section 3.5.2: 200 with the resource is required when attributes are asked.
        if self.resource_type.patch_returns_resource or self.dialect.projection(
            request.query_params
        ):
            return self.render_one(row)
        return empty_response(status=204, etag=row.etag)

    def delete(self, request: Request, resource_id: str) -> Response:
        """Delete (or, for users with "delete users" off, disable and hide)."""
        row = self._row(resource_id)
        self.resource_type.delete(
            resource=row, configuration=self.configuration, preconditions=self._preconditions()
        )
        return empty_response(status=204)


class UserCollectionView(CollectionView):
    """/Users."""

    resource_type = USERS


class UserItemView(ItemView):
    """/Users/{id}."""

    resource_type = USERS


class UserSearchView(SearchView):
    """/Users/.search."""

    resource_type = USERS


class GroupCollectionView(CollectionView):
    """/Groups."""

    resource_type = GROUPS


class GroupItemView(ItemView):
    """/Groups/{id}."""

    resource_type = GROUPS


class GroupSearchView(SearchView):
    """/Groups/.search."""

    resource_type = GROUPS
