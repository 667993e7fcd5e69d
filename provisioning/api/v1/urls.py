"""Routes of the SCIM 1.1 API (included before the /v1 catch-all in provisioning/urls.py)."""

from django.urls import re_path

from .discovery import SchemasView, ServiceProviderConfigView
from .resources import GroupCollectionView, GroupItemView, UserCollectionView, UserItemView

# A trailing slash is accepted everywhere, as in 2.0.
v1_urlpatterns = [
    re_path(r"^v1/Users/?$", UserCollectionView.as_view(), name="scim-v1-users"),
    re_path(r"^v1/Users/(?P<resource_id>[^/]+)/?$", UserItemView.as_view(), name="scim-v1-user"),
    re_path(r"^v1/Groups/?$", GroupCollectionView.as_view(), name="scim-v1-groups"),
    re_path(r"^v1/Groups/(?P<resource_id>[^/]+)/?$", GroupItemView.as_view(), name="scim-v1-group"),
    # 1.1 names it ServiceProviderConfigs; the 2.0 singular is accepted too.
    re_path(
        r"^v1/ServiceProviderConfigs?/?$",
        ServiceProviderConfigView.as_view(),
        name="scim-v1-service-provider-configs",
    ),
    re_path(r"^v1/Schemas/?$", SchemasView.as_view(), name="scim-v1-schemas"),
    re_path(r"^v1/Schemas/(?P<document_id>[^/]+)/?$", SchemasView.as_view()),
]
