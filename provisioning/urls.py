"""URLs under /scim/: the SCIM 2.0 API at v2/ and the SCIM 1.1 API at v1/, one set of views.

Each route hands its view the dialect it speaks (`as_view(dialect=V1)`); the views are the
same for both (`provisioning.scim.dialect` translates).
"""

import re
from typing import Any

from django.urls import URLPattern, re_path

from .api.base import NotImplementedEndpointView, UnknownEndpointView
from .api.bulk import BulkView
from .api.discovery import ResourceTypesView, SchemasView, ServiceProviderConfigView
from .api.fast_reads import Serve, user_by_id, user_list, with_fast_read
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


def _any_case(name: str) -> str:
    """A pattern matching `name` in any case whose reverse() is `name` as written.

    Endpoint names are matched case-insensitively (Microsoft's reference collection sends
    `/users`); `(?i)` cannot be reversed, while Django reverses a class such as `[Uu]` to
    its first letter, so `Location` and `meta.location` keep the canonical names.
    """
    return "".join(f"[{c}{c.swapcase()}]" if c.isalpha() else re.escape(c) for c in name)


USERS, GROUPS, SCHEMAS = _any_case("Users"), _any_case("Groups"), _any_case("Schemas")
RESOURCE_TYPES = _any_case("ResourceTypes")
# 2.0 names it ServiceProviderConfig, 1.1 ServiceProviderConfigs; each accepts both.
SERVICE_PROVIDER_CONFIG = _any_case("ServiceProviderConfig") + "[sS]?"
SEARCH = _any_case(".search")
ID = r"(?P<resource_id>[^/]+)"
DOCUMENT = r"(?P<document_id>[^/]+)"


def _route(
    dialect: Dialect, pattern: str, view: Any, name: str | None = None, fast: Serve | None = None
) -> URLPattern:
    """`pattern` under the dialect's base; a trailing slash is accepted (IdP admins paste both).

    `fast`: what answers the route's most frequent GETs first (api/fast_reads.py).
    """
    route_name = f"scim-{dialect.name}-{name}" if name else None
    function = view.as_view(dialect=dialect)
    if fast is not None:
        function = with_fast_read(function, fast)
    return re_path(rf"^{dialect.name}/{pattern}/?$", function, name=route_name)


def _resources(dialect: Dialect) -> list[URLPattern]:
    """The resource endpoints both dialects have (item routes after any `.search`)."""
    return [
        _route(dialect, USERS, UserCollectionView, "users", fast=user_list),
        _route(dialect, f"{USERS}/{ID}", UserItemView, "user", fast=user_by_id),
        _route(dialect, GROUPS, GroupCollectionView, "groups"),
        _route(dialect, f"{GROUPS}/{ID}", GroupItemView, "group"),
        _route(dialect, SCHEMAS, SchemasView, "schemas"),
        _route(dialect, f"{SCHEMAS}/{DOCUMENT}", SchemasView),
    ]


v2 = [
    # 2.0 only, and before /Users/{id} and /Groups/{id}, which would take `.search` as an id.
    _route(V2, f"{USERS}/{SEARCH}", UserSearchView, "users-search"),
    _route(V2, f"{GROUPS}/{SEARCH}", GroupSearchView, "groups-search"),
    _route(V2, SEARCH, RootSearchView, "search"),
    *_resources(V2),
    _route(V2, SERVICE_PROVIDER_CONFIG, ServiceProviderConfigView, "service-provider-config"),
    _route(V2, RESOURCE_TYPES, ResourceTypesView, "resource-types"),
    _route(V2, f"{RESOURCE_TYPES}/{DOCUMENT}", ResourceTypesView),
    _route(V2, _any_case("Bulk"), BulkView, "bulk"),
]

v1 = [
    *_resources(V1),
    _route(V1, SERVICE_PROVIDER_CONFIG, ServiceProviderConfigView, "service-provider-configs"),
]


def _not_implemented(dialect: Dialect) -> list[URLPattern]:
    """RFC 7644 endpoints this server does not offer: a SCIM 501, under any sub-path."""
    view = NotImplementedEndpointView.as_view(dialect=dialect)
    return [
        re_path(rf"^{dialect.name}/{_any_case(name)}(?:/[\s\S]*)?$", view, {"endpoint": name})
        for name in NotImplementedEndpointView.NOT_OFFERED[dialect.name]
    ]


urlpatterns = [
    *v2,
    *v1,
    *_not_implemented(V2),
    *_not_implemented(V1),
    # Catch-alls last: unknown URLs answer a SCIM 404 in their dialect.
    # `[\s\S]`, not `.`: a path holding a newline (`%0A`) is an unknown endpoint too
    # (a SCIM 404), not Django's HTML 404.
    re_path(r"^v1(?:/[\s\S]*)?$", UnknownEndpointView.as_view(dialect=V1)),
    re_path(r"^[\s\S]*$", UnknownEndpointView.as_view(dialect=V2)),
]
