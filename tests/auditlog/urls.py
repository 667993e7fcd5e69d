"""Test URLconf: the admin, SCIM-shaped views to record, and the SCIM catch-all 404.

Kept apart from the project's SCIM endpoints (written concurrently), so that these tests
depend only on the middleware's contract: requests and responses under /scim/.
"""

from __future__ import annotations

import logging

from django.contrib import admin
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.urls import path, re_path
from rest_framework.request import Request
from rest_framework.response import Response

from jiraclient.sites import client_for_site
from provisioning.api.base import ScimView, UnknownEndpointView
from provisioning.scim.dialect import V1

CREATED_ID = "2819c223-7f76-453a-919d-413861904646"
TEST_LOGGER = "scimbridge.tests.auditlog"


class CreateUserView(ScimView):
    """POST answers 201 like a SCIM create: Location, and the resource (echoing the body)."""

    def post(self, request: Request) -> Response:
        """Echo the request's attributes back with an id, as a SCIM server does."""
        logging.getLogger(TEST_LOGGER).warning("creating a user")
        body = dict(request.data)
        body["id"] = CREATED_ID
        location = request.build_absolute_uri(f"/scim/v2/Users/{CREATED_ID}")
        return Response(body, status=201, headers={"Location": location})


class LocationOnlyView(ScimView):
    """POST answers 201 with only a Location header (the id is in no body)."""

    def post(self, request: Request) -> Response:
        """201 without a body."""
        return Response(status=201, headers={"Location": "/scim/v2/Groups/g%2F42"})


class JiraCallingView(ScimView):
    """GET calls Jira twice through the configuration's site, as a provisioning view does."""

    def get(self, request: Request) -> Response:
        """Ask Jira who we are and look a user up."""
        with client_for_site(request.auth.directory.jira_site, max_retries=0) as jira:
            me = jira.myself()
            jira.find_user(username="nobody-here")
        return Response({"jiraAdmin": me["name"]})


class StreamingView(ScimView):
    """A streamed body the recorder must not consume (authenticated: its entry is full)."""

    def get(self, request: Request) -> StreamingHttpResponse:
        """Two chunks."""
        return StreamingHttpResponse(iter(["chunk-1,", "chunk-2"]), content_type="text/plain")


class SecretResponseView(ScimView):
    """A (misbehaving) response that carries a password (authenticated: bodies recorded)."""

    def get(self, request: Request) -> JsonResponse:
        """A user with its password."""
        return JsonResponse({"id": "u1", "userName": "alice", "password": "leaked-secret"})


def broken_view(request: HttpRequest) -> HttpResponse:
    """A view that fails: Django answers 500."""
    raise RuntimeError("view bug")


urlpatterns = [
    path("scim/v2/Users", CreateUserView.as_view()),
    path("scim/v2/Groups", LocationOnlyView.as_view()),
    path("scim/v2/test/jira", JiraCallingView.as_view()),
    path("scim/v2/test/stream", StreamingView.as_view()),
    path("scim/v2/test/secret", SecretResponseView.as_view()),
    path("scim/v2/test/broken", broken_view),
    path("admin/", admin.site.urls),
    re_path(r"^scim/v1(?:/.*)?$", UnknownEndpointView.as_view(dialect=V1)),
    re_path(r"^scim/.*$", UnknownEndpointView.as_view()),
    path("elsewhere", lambda request: HttpResponse("not SCIM")),
]
