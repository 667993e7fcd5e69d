"""URLs under /scim/: the SCIM 2.0 API at v2/ and the SCIM 1.1 API at v1/."""

from django.urls import re_path

from .api.base import UnknownEndpointView, UnknownEndpointViewV1
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
from .api.v1.urls import v1_urlpatterns

# A trailing slash is accepted everywhere: IdP admins paste base URLs with and without one.
v2 = [
    re_path(r"^v2/Users/?$", UserCollectionView.as_view(), name="scim-v2-users"),
    re_path(r"^v2/Users/\.search/?$", UserSearchView.as_view(), name="scim-v2-users-search"),
    re_path(r"^v2/Users/(?P<resource_id>[^/]+)/?$", UserItemView.as_view(), name="scim-v2-user"),
    re_path(r"^v2/Groups/?$", GroupCollectionView.as_view(), name="scim-v2-groups"),
    re_path(r"^v2/Groups/\.search/?$", GroupSearchView.as_view(), name="scim-v2-groups-search"),
    re_path(r"^v2/Groups/(?P<resource_id>[^/]+)/?$", GroupItemView.as_view(), name="scim-v2-group"),
    re_path(r"^v2/\.search/?$", RootSearchView.as_view(), name="scim-v2-search"),
    re_path(
        r"^v2/ServiceProviderConfigs?/?$",
        ServiceProviderConfigView.as_view(),
        name="scim-v2-service-provider-config",
    ),
    re_path(r"^v2/Schemas/?$", SchemasView.as_view(), name="scim-v2-schemas"),
    re_path(r"^v2/Schemas/(?P<document_id>[^/]+)/?$", SchemasView.as_view()),
    re_path(r"^v2/ResourceTypes/?$", ResourceTypesView.as_view(), name="scim-v2-resource-types"),
    re_path(r"^v2/ResourceTypes/(?P<document_id>[^/]+)/?$", ResourceTypesView.as_view()),
]

urlpatterns = [
    *v2,
    *v1_urlpatterns,
    # Catch-alls last: unknown URLs answer a SCIM 404 in their dialect.
    re_path(r"^v1(?:/.*)?$", UnknownEndpointViewV1.as_view()),
    re_path(r"^.*$", UnknownEndpointView.as_view()),
]
