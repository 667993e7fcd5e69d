"""Turning one SCIM request and its response into an audit log entry."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.utils import timezone
from rest_framework.throttling import BaseThrottle

from configurations.models import ScimConfiguration

from . import redaction
from .classify import classify
from .context import JiraCallCollector
from .services import entry_record, unauthenticated_entry_allowed

logger = logging.getLogger("scimbridge.auditlog")

STREAMING_BODY = "[not recorded: streaming response]"
UNREADABLE_BODY = "[not recorded: the request body could not be read ({reason})]"
TOO_LARGE_BODY = "[not recorded: the request body is larger than SCIM_MAX_BODY_BYTES ({limit})]"


def _client_address(request: HttpRequest) -> str:
    """The client's address as the SCIM API sees it (honours TRUSTED_PROXY_COUNT)."""
    return (BaseThrottle().get_ident(request) or "")[:64]


def _configuration(request: HttpRequest) -> ScimConfiguration | None:
    """The configuration the SCIM view authenticated.

    DRF's Request mirrors what authentication returned onto the Django request it wraps
    (`request.auth`), so the middleware sees it without knowing the views.
    """
    auth = getattr(request, "auth", None)
    return auth if isinstance(auth, ScimConfiguration) else None


def _parse(text: str) -> Any:
    """The JSON document of a response body, or None."""
    if not text or text[0] not in "{[":
        return None
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


def _request_body(request: HttpRequest, max_body_bytes: int) -> tuple[str, bool]:
    """The stored form of an authenticated request's body, and whether it was cut.

    The SCIM view read it after authentication (Django caches it); a body the view did
    not read is read here only when it is within SCIM_MAX_BODY_BYTES.
    """
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > settings.SCIM_MAX_BODY_BYTES:
        return TOO_LARGE_BODY.format(limit=settings.SCIM_MAX_BODY_BYTES), False
    try:
        raw = request.body
    except Exception as exc:  # noqa: BLE001 - too big or already consumed: record why, go on
        return UNREADABLE_BODY.format(reason=type(exc).__name__), False
    encoding = request.encoding or settings.DEFAULT_CHARSET
    return redaction.cap(redaction.redact_body(raw, encoding=encoding), max_bytes=max_body_bytes)


@dataclass
class Recording:
    """A request being recorded: when it started and the body cap in force."""

    started_at: datetime
    max_body_bytes: int

    @classmethod
    def start(cls, request: HttpRequest, *, max_body_bytes: int) -> Recording:
        """Note the start; nothing of the request is read before it is authenticated."""
        return cls(started_at=timezone.now(), max_body_bytes=max_body_bytes)

    def finish(
        self,
        request: HttpRequest,
        response: HttpResponseBase,
        *,
        request_id: str,
        duration_ms: float,
        jira_calls: JiraCallCollector | None,
    ) -> None:
        """Store the entry; errors are logged, never raised (recording must not fail a request).

        Unauthenticated (401) and throttled (429) requests are stored as metadata only and
        at most AUDITLOG_UNAUTHENTICATED_PER_MINUTE per address and minute.
        """
        try:
            if _configuration(request) is None:
                fields = self._metadata(request, response, request_id, duration_ms)
                if unauthenticated_entry_allowed(address=fields["client_address"]):
                    entry_record(**fields)
                return
            fields = self._fields(request, response, request_id, duration_ms)
            calls = jira_calls or JiraCallCollector()
            events = calls.events if response.status_code < 400 else []
            entry_record(
                **fields, jira_calls=calls.calls, jira_call_count=calls.count, events=events
            )
        except Exception:
            logger.warning(
                "Could not record SCIM request %s in the audit log", request_id, exc_info=True
            )

    def _metadata(
        self, request: HttpRequest, response: HttpResponseBase, request_id: str, duration_ms: float
    ) -> dict[str, Any]:
        """What an unauthenticated request leaves: no body, query or user agent."""
        return {
            "created_at": self.started_at,
            "configuration": None,
            "configuration_name": "",
            "client_address": _client_address(request),
            "method": (request.method or "")[:10],
            "path": redaction.storable(request.path[:2048]),
            "status": response.status_code,
            "duration_ms": round(duration_ms, 2),
            "request_id": request_id,
        }

    def _fields(
        self, request: HttpRequest, response: HttpResponseBase, request_id: str, duration_ms: float
    ) -> dict[str, Any]:
        request_text, request_truncated = _request_body(request, self.max_body_bytes)
        if response.streaming:
            response_text, document = STREAMING_BODY, None
        else:
            response_text = response.content.decode("utf-8", errors="replace")
            document = _parse(response_text)
            if document is not None:
                response_text = json.dumps(redaction.redact_document(document), ensure_ascii=False)
            elif response_text:
                response_text = redaction.redact_body(response.content)
        response_text, response_truncated = redaction.cap(
            redaction.storable(response_text), self.max_body_bytes
        )
        kind = classify(
            method=request.method or "",
            path=request.path_info,
            status=response.status_code,
            location=response.get("Location"),
            document=document,
        )
        configuration = _configuration(request)
        return {
            "created_at": self.started_at,
            "configuration": configuration,
            "configuration_name": configuration.name if configuration else "",
            "client_address": _client_address(request),
            "user_agent": redaction.storable(request.META.get("HTTP_USER_AGENT", "")[:512]),
            "method": (request.method or "")[:10],
            "path": redaction.storable(request.path[:2048]),
            "query": redaction.storable(
                redaction.redact_query(request.META.get("QUERY_STRING", ""))[:2048]
            ),
            "status": response.status_code,
            "duration_ms": round(duration_ms, 2),
            "operation": kind.operation,
            "resource_type": kind.resource_type,
            "resource_id": kind.resource_id,
            "request_id": request_id,
            "request_body": request_text,
            "request_body_truncated": request_truncated,
            "response_body": response_text,
            "response_body_truncated": response_truncated,
        }
