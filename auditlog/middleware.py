"""Middleware giving every SCIM response an X-Request-Id and recording it when the log is on."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase

from configurations.process_cache import stamp_snapshot

from . import context
from .recording import Recording
from .selectors import recording_settings

logger = logging.getLogger("scimbridge.auditlog")

SCIM_PREFIX = "/scim/"
REQUEST_ID_HEADER = "X-Request-Id"


def _configuration_name(request: HttpRequest) -> str:
    """The authenticated configuration's name (DRF mirrors it onto request.auth), or "-"."""
    return getattr(getattr(request, "auth", None), "name", None) or "-"


def _start_recording(request: HttpRequest) -> Recording | None:
    """A Recording when the log is on, else None; a failure here only skips the recording."""
    try:
        current = recording_settings()
        if not current.enabled:
            return None
        return Recording.start(request, max_body_bytes=current.max_body_bytes)
    except Exception:
        logger.warning("Audit log unavailable; request not recorded", exc_info=True)
        return None


class AuditLogMiddleware:
    """For requests under /scim/: request id, context for logs and Jira calls, the entry.

    Placed right after SecurityMiddleware so that its duration covers the whole stack and
    that responses produced by any later middleware carry the request id too.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        """Serve the request; SCIM requests are tagged, timed and (when on) recorded."""
        if not request.path_info.startswith(SCIM_PREFIX):
            return self.get_response(request)
        with stamp_snapshot():
            return self._serve(request)

    def _serve(self, request: HttpRequest) -> HttpResponseBase:
        started = time.perf_counter()
        request_id = context.request_id_from_header(request.META.get("HTTP_X_REQUEST_ID"))
        recording = _start_recording(request)
        with context.request_scope(
            request_id, collect_jira_calls=recording is not None
        ) as jira_calls:
            response = self.get_response(request)
            duration_ms = (time.perf_counter() - started) * 1000
            response[REQUEST_ID_HEADER] = request_id
            if recording is not None:
                recording.finish(
                    request,
                    response,
                    request_id=request_id,
                    duration_ms=duration_ms,
                    jira_calls=jira_calls,
                )
            if settings.AUDITLOG_LOG_REQUESTS:
                logger.info(
                    # The id itself is on the record (request_id) and in the log format.
                    "SCIM %s %s -> %s in %.0f ms",
                    request.method,
                    request.path,
                    response.status_code,
                    duration_ms,
                    # Fields of their own in JSON logs (LOG_FORMAT=json).
                    extra={
                        "configuration": _configuration_name(request),
                        "method": request.method,
                        "path": request.path,
                        "status": response.status_code,
                        "duration_ms": round(duration_ms, 1),
                    },
                )
        return response
