"""URLs under /scim/: the SCIM 2.0 API at v2/ and the SCIM 1.1 API at v1/."""

from django.urls import re_path

from .api.base import UnknownEndpointView, UnknownEndpointViewV1

urlpatterns = [
    re_path(r"^v1(?:/.*)?$", UnknownEndpointViewV1.as_view()),
    re_path(r"^.*$", UnknownEndpointView.as_view()),
]
