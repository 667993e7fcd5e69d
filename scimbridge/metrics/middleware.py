"""Counts and times every SCIM request by configuration, resource, method and status."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.http import HttpRequest
from django.http.response import HttpResponseBase

from configurations.models import ScimConfiguration

from . import series

SCIM_PREFIX = "/scim/"
# Resource label values: SCIM's endpoints (any case, as the API accepts them), else "other"
# so that a scanner's paths cannot create series without end.
RESOURCES = {
    name.lower(): name
    for name in (
        "Users",
        "Groups",
        "Me",
        "Bulk",
        ".search",
        "ServiceProviderConfig",
        "ServiceProviderConfigs",
        "Schemas",
        "ResourceTypes",
    )
}

METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})


def resource_of(path: str) -> str:
    """The SCIM endpoint a path addresses: ``/scim/v2/Users/42`` → ``Users``."""
    segments = [s for s in path.removeprefix(SCIM_PREFIX).split("/") if s]
    if segments and segments[0].lower() in {"v1", "v2"}:
        segments = segments[1:]
    if not segments:
        return "other"
    return RESOURCES.get(segments[0].lower(), "other")


def configuration_of(request: HttpRequest) -> str:
    """The name of the configuration the SCIM view authenticated, ``-`` for none."""
    auth = getattr(request, "auth", None)
    return auth.name if isinstance(auth, ScimConfiguration) else "-"


class ScimMetricsMiddleware:
    """Placed beside the audit-log middleware: the same span, the whole stack below it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        """Django's middleware protocol."""
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        """Serve the request; SCIM requests are counted and timed."""
        if not request.path_info.startswith(SCIM_PREFIX):
            return self.get_response(request)
        started = time.perf_counter()
        response = self.get_response(request)
        method = request.method if request.method in METHODS else "other"
        labels = (configuration_of(request), resource_of(request.path_info), method)
        series.SCIM_REQUESTS.labels(*labels, str(response.status_code)).inc()
        series.SCIM_REQUEST_SECONDS.labels(*labels).observe(time.perf_counter() - started)
        return response
