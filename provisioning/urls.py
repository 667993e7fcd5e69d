"""URLs under /scim/: the SCIM 2.0 API at v2/ and the SCIM 1.1 API at v1/, one set of views.

Each route hands its view the dialect it speaks (`as_view(dialect=V1)`); the views are the
same for both (`provisioning.scim.dialect` translates).
"""

from typing import Any

from django.urls import URLPattern, re_path

from .api.base import UnknownEndpointView
from .api.discovery import ResourceTypesView, SchemasView, ServiceProviderConfigView
from .api.resources import (
    GroupCollectionView,
    GroupItemView,
    GroupSearchView,
    UserCollectionView,
    UserItemView,
    UserSearchView,
)
from .api.search import RootSearchView
from .scim.dialect import V1, V2, Dialect

USER = r"Users/(?P<resource_id>[^/]+)"
GROUP = r"Groups/(?P<resource_id>[^/]+)"


def _route(dialect: Dialect, pattern: str, view: Any, name: str | None = None) -> URLPattern:
    """`pattern` under the dialect's base; a trailing slash is accepted (IdP admins paste both)."""
    route_name = f"scim-{dialect.name}-{name}" if name else None
    return re_path(rf"^{dialect.name}/{pattern}/?$", view.as_view(dialect=dialect), name=route_name)


def _resources(dialect: Dialect) -> list[URLPattern]:
    """The resource endpoints both dialects have (item routes after any `.search`)."""
    return [
        _route(dialect, "Users", UserCollectionView, "users"),
        _route(dialect, USER, UserItemView, "user"),
        _route(dialect, "Groups", GroupCollectionView, "groups"),
        _route(dialect, GROUP, GroupItemView, "group"),
        _route(dialect, "Schemas", SchemasView, "schemas"),
        _route(dialect, r"Schemas/(?P<document_id>[^/]+)", SchemasView),
    ]


v2 = [
    # 2.0 only, and before /Users/{id} and /Groups/{id}, which would take `.search` as an id.
    _route(V2, r"Users/\.search", UserSearchView, "users-search"),
    _route(V2, r"Groups/\.search", GroupSearchView, "groups-search"),
    _route(V2, r"\.search", RootSearchView, "search"),
    *_resources(V2),
    # 2.0 names it ServiceProviderConfig; the 1.1 plural is accepted too.
    _route(V2, r"ServiceProviderConfigs?", ServiceProviderConfigView, "service-provider-config"),
    _route(V2, "ResourceTypes", ResourceTypesView, "resource-types"),
    _route(V2, r"ResourceTypes/(?P<document_id>[^/]+)", ResourceTypesView),
]

v1 = [
    *_resources(V1),
    # 1.1 names it ServiceProviderConfigs; the 2.0 singular is accepted too.
    _route(V1, r"ServiceProviderConfigs?", ServiceProviderConfigView, "service-provider-configs"),
]

urlpatterns = [
    *v2,
    *v1,
    # Catch-alls last: unknown URLs answer a SCIM 404 in their dialect.
    # `[\s\S]`, not `.`: a path holding a newline (`%0A`) is an unknown endpoint too
    # (a SCIM 404), not Django's HTML 404.
    re_path(r"^v1(?:/[\s\S]*)?$", UnknownEndpointView.as_view(dialect=V1)),
    re_path(r"^[\s\S]*$", UnknownEndpointView.as_view(dialect=V2)),
]
