"""One exception handler for the SCIM API: every error becomes a SCIM error response."""

from __future__ import annotations

import logging
import math
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.db import OperationalError
from django.http import Http404
from rest_framework import exceptions as drf
from rest_framework.response import Response
from scim2_models import SCIMException

from provisioning.scim.dialect import V2, Dialect
from provisioning.scim.errors import ScimError, ScimType, from_scim2

from .renderers import ScimRenderer

logger = logging.getLogger("scimbridge.api")

AUTH_FAILED_DETAIL = (
    "Authentication failed: send the configuration's bearer token "
    "(Authorization: Bearer <token>) or its Basic-auth credentials; "
    "the credentials may be wrong, rotated or disabled."
)

ADDRESS_REFUSED_DETAIL = (
    "Requests from this source address are not accepted: the SCIM configuration only "
    "accepts its allowed source addresses (an administrator sets them in the scimbridge "
    "admin; see docs/security.md)."
)


def to_scim_error(exc: Exception) -> ScimError:
    """Translate any exception raised while serving the SCIM API into a ScimError."""
    if isinstance(exc, ScimError):
        return exc
    if isinstance(exc, drf.NotAuthenticated | drf.AuthenticationFailed):
        return ScimError(401, _detail(exc, AUTH_FAILED_DETAIL))
    if isinstance(exc, drf.Throttled):
        wait = math.ceil(exc.wait) if exc.wait else 60
        return ScimError(
            429,
            f"Too many failed authentications from this address; retry in {wait} seconds.",
            headers={"Retry-After": str(wait)},
        )
    if isinstance(exc, drf.PermissionDenied | DjangoPermissionDenied):
        return ScimError(403, _detail(exc, "This credential may not perform this operation."))
    if isinstance(exc, drf.NotFound | Http404):
        return ScimError(404, "Resource not found.")
    if isinstance(exc, drf.MethodNotAllowed):
        return ScimError(405, _detail(exc, "Method not allowed on this endpoint."))
    if isinstance(exc, drf.UnsupportedMediaType):
        return ScimError(
            415,
            f"{_detail(exc, 'Unsupported media type.')} Send application/scim+json "
            "or application/json.",
        )
    if isinstance(exc, RequestDataTooBig):
        return ScimError(413, "The request body is larger than this server accepts.")
    if isinstance(exc, drf.ParseError):
        return ScimError(
            400,
            f"The request body is not valid JSON: {_detail(exc, '')}".rstrip(": "),
            ScimType.INVALID_SYNTAX,
        )
    if isinstance(exc, drf.ValidationError):
        return ScimError(400, _flatten(exc.detail), ScimType.INVALID_VALUE)
    if isinstance(exc, drf.APIException):
        return ScimError(exc.status_code, _detail(exc, "Request failed."))
    translated = _from_dependencies(exc)
    if translated is not None:
        return translated
    logger.error("Unhandled error while serving the SCIM API", exc_info=exc)
    return ScimError(500, "Internal error; the request was not applied. See the server log.")


def _from_dependencies(exc: Exception) -> ScimError | None:
    """Errors of scim2-models and of the database that reach the handler."""
    if isinstance(exc, SCIMException):
        return from_scim2(exc)
    if isinstance(exc, OperationalError):
        # The database is locked or unreachable: nothing was applied, and a retry may succeed.
        logger.warning("Database unavailable while serving the SCIM API: %s", exc)
        return ScimError(
            503,
            "The database is busy or unavailable; the request was not applied. Retry later.",
            headers={"Retry-After": "5"},
        )
    return None


def _detail(exc: Exception, default: str) -> str:
    detail = getattr(exc, "detail", None)
    return str(detail) if detail else default


def _flatten(detail: Any) -> str:
    if isinstance(detail, dict):
        return "; ".join(f"{key}: {_flatten(value)}" for key, value in detail.items())
    if isinstance(detail, list):
        return "; ".join(_flatten(item) for item in detail)
    return str(detail)


def scim_response(error: ScimError, *, dialect: Dialect = V2) -> Response:
    """Render a ScimError as a DRF response in the given dialect."""
    response = Response(dialect.error_body(error), status=error.status, headers=error.headers)
    response.content_type = ScimRenderer.media_type
    return response


def scim_exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    """DRF EXCEPTION_HANDLER for the SCIM views (set per view, not project-wide)."""
    error = to_scim_error(exc)
    auth_header = getattr(exc, "auth_header", None)
    if error.status == 401 and auth_header:
        error.headers.setdefault("WWW-Authenticate", auth_header)
    view = context.get("view")
    return scim_response(error, dialect=getattr(view, "dialect", V2))
