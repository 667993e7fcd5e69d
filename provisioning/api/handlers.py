"""Django's own error views (handler400/404/500): a SCIM error under /scim/, HTML elsewhere.

The SCIM views answer their errors through `scim_exception_handler`; these cover what Django
answers before or around a view, such as an unknown `Host` (DisallowedHost, 400) or an error
raised in a middleware (500), which IdPs would otherwise receive as an HTML page.
"""

from __future__ import annotations

import json

from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse
from django.views import defaults

from provisioning.scim.errors import ScimError, error_body_v1, error_body_v2

from .renderers import SCIM_MEDIA_TYPE

SCIM_PREFIX = "/scim/"


def is_scim_path(path: str) -> bool:
    """Whether a request path belongs to the SCIM API (either dialect)."""
    return path.startswith(SCIM_PREFIX)


def scim_error_json(path: str, error: ScimError) -> bytes:
    """The error body in the dialect the path selects (SCIM 1.1 under /scim/v1)."""
    v1 = path == "/scim/v1" or path.startswith("/scim/v1/")
    body = error_body_v1(error) if v1 else error_body_v2(error)
    return json.dumps(body).encode()


def _scim_response(request: HttpRequest, error: ScimError) -> HttpResponse:
    response = HttpResponse(
        scim_error_json(request.path_info, error),
        status=error.status,
        content_type=SCIM_MEDIA_TYPE,
    )
    for name, value in error.headers.items():
        response[name] = value
    return response


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """400 from Django itself: unknown Host, malformed request, a suspicious operation."""
    if not is_scim_path(request.path_info):
        return defaults.bad_request(request, exception)
    if isinstance(exception, DisallowedHost):
        detail = (
            "The Host header names a host this server does not answer for; "
            "add it to ALLOWED_HOSTS or call the configured SCIM URL."
        )
    else:
        detail = "The request was refused as malformed."
    return _scim_response(request, ScimError(400, detail))


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """404 from Django's URL resolver or an Http404 outside the SCIM views."""
    if not is_scim_path(request.path_info):
        return defaults.page_not_found(request, exception)
    return _scim_response(request, ScimError(404, f"No SCIM endpoint at {request.path}."))


def server_error(request: HttpRequest) -> HttpResponse:
    """500 for an exception no view handled (a middleware, the database at startup)."""
    if not is_scim_path(request.path_info):
        return defaults.server_error(request)
    return _scim_response(
        request, ScimError(500, "Internal error; the request was not applied. See the server log.")
    )
