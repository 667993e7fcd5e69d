"""Turning one SCIM request and its response into an audit log entry."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponseBase
from django.utils import timezone
from rest_framework.throttling import BaseThrottle

from configurations.models import ScimConfiguration

from . import redaction
from .classify import classify
from .context import JiraCallCollector
from .services import entry_record

logger = logging.getLogger("scimbridge.auditlog")

STREAMING_BODY = "[not recorded: streaming response]"
UNREADABLE_BODY = "[not recorded: the request body could not be read ({reason})]"


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


@dataclass
class Recording:
    """A request being recorded: what was captured before the view ran."""

    started_at: datetime
    max_body_bytes: int
    request_body: str
    request_body_truncated: bool

    @classmethod
    def start(cls, request: HttpRequest, *, max_body_bytes: int) -> Recording:
        """Capture the request body before the view consumes the stream."""
        try:
            # Reading it here keeps it readable for the view (Django caches request.body).
            raw = request.body
        except Exception as exc:  # noqa: BLE001 - too big or already read: record why, go on
            text, truncated = UNREADABLE_BODY.format(reason=type(exc).__name__), False
        else:
            text, truncated = redaction.cap(redaction.redact_body(raw), max_bytes=max_body_bytes)
        return cls(
            started_at=timezone.now(),
            max_body_bytes=max_body_bytes,
            request_body=text,
            request_body_truncated=truncated,
        )

    def finish(
        self,
        request: HttpRequest,
        response: HttpResponseBase,
        *,
        request_id: str,
        duration_ms: float,
        jira_calls: JiraCallCollector | None,
    ) -> None:
        """Store the entry; errors are logged, never raised (recording must not fail a request)."""
        try:
            fields = self._fields(request, response, request_id, duration_ms)
            calls = jira_calls or JiraCallCollector()
            entry_record(**fields, jira_calls=calls.calls, jira_call_count=calls.count)
        except Exception:
            logger.warning(
                "Could not record SCIM request %s in the audit log", request_id, exc_info=True
            )

    def _fields(
        self, request: HttpRequest, response: HttpResponseBase, request_id: str, duration_ms: float
    ) -> dict[str, Any]:
        if response.streaming:
            response_text, document = STREAMING_BODY, None
        else:
            response_text = response.content.decode("utf-8", errors="replace")
            document = _parse(response_text)
            if document is not None:
                response_text = json.dumps(redaction.redact_document(document), ensure_ascii=False)
            elif response_text:
                response_text = redaction.redact_body(response.content)
        response_text, response_truncated = redaction.cap(response_text, self.max_body_bytes)
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
            "user_agent": request.META.get("HTTP_USER_AGENT", "")[:512],
            "method": (request.method or "")[:10],
            "path": request.path[:2048],
            "query": redaction.redact_query(request.META.get("QUERY_STRING", ""))[:2048],
            "status": response.status_code,
            "duration_ms": round(duration_ms, 2),
            "operation": kind.operation,
            "resource_type": kind.resource_type,
            "resource_id": kind.resource_id,
            "request_id": request_id,
            "request_body": self.request_body,
            "request_body_truncated": self.request_body_truncated,
            "response_body": response_text,
            "response_body_truncated": response_truncated,
        }
