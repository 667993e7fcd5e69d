"""Per-request state carried in context variables: the request id and the entry being recorded."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

# Longest list of Jira calls stored with one entry; the total is counted beyond it.
MAX_STORED_JIRA_CALLS = 200

# A client's X-Request-Id is echoed only when it is this harmless: no spaces, no control
# characters (header injection), nothing a spreadsheet would run as a formula.
# Inside, the characters of UUIDs, hex and base64 ids and trace headers (`Root=1-5759e988`).
_VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:=/+\-]{0,127}")

# Placeholder on log records written outside a SCIM request.
NO_REQUEST_ID = "-"

_request_id: ContextVar[str | None] = ContextVar("auditlog_request_id", default=None)
_jira_calls: ContextVar[JiraCallCollector | None] = ContextVar("auditlog_jira_calls", default=None)


@dataclass
class JiraCallCollector:
    """The Jira calls one recorded request made, as the entry stores them."""

    calls: list[dict[str, Any]] = field(default_factory=list)
    count: int = 0
    # Domain events of the request (renames with old and new names, adoptions).
    events: list[dict[str, Any]] = field(default_factory=list)

    def add(self, call: Any) -> None:
        """Keep one call (the first MAX_STORED_JIRA_CALLS are stored, all are counted)."""
        self.count += 1
        if len(self.calls) < MAX_STORED_JIRA_CALLS:
            self.calls.append(
                {
                    "method": call.method,
                    "path": call.path,
                    "query": call.query,
                    "status": call.status,
                    "duration_ms": round(call.duration_ms, 1),
                    "error": call.error,
                    "attempt": getattr(call, "attempt", 1),
                }
            )


def request_id_from_header(value: str | None) -> str:
    """The client's request id when it is valid, else a new one."""
    if value and _VALID_REQUEST_ID.fullmatch(value):
        return value
    return str(uuid.uuid4())


def current_request_id() -> str | None:
    """The X-Request-Id of the SCIM request being served in this context, if any."""
    return _request_id.get()


@contextmanager
def request_scope(
    request_id: str, *, collect_jira_calls: bool
) -> Iterator[JiraCallCollector | None]:
    """Serve one SCIM request in this scope: its id for log records, a collector for Jira calls."""
    collector = JiraCallCollector() if collect_jira_calls else None
    id_token = _request_id.set(request_id)
    calls_token = _jira_calls.set(collector)
    try:
        yield collector
    finally:
        _jira_calls.reset(calls_token)
        _request_id.reset(id_token)


def record_jira_call(call: Any) -> None:
    """Jira client observer: append the call to the entry of the request being recorded."""
    collector = _jira_calls.get()
    if collector is not None:
        collector.add(call)


def record_event(kind: str, **data: Any) -> None:
    """Note a domain event (e.g. `user_renamed` with old and new names) on the entry of the
    request being recorded; stored only when the request succeeds (a failed write's
    events were rolled back with it)."""
    collector = _jira_calls.get()
    if collector is not None and len(collector.events) < MAX_STORED_JIRA_CALLS:
        collector.events.append({"kind": kind, **data})


def install_log_record_factory() -> None:
    """Give every log record a `request_id` attribute, so `%(request_id)s` works in formats."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "_auditlog_request_id", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        record.request_id = _request_id.get() or NO_REQUEST_ID
        return record

    factory._auditlog_request_id = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


class RequestIdFilter(logging.Filter):
    """Logging filter that guarantees `record.request_id`, also for records made before the
    record factory is installed (settings and app loading)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Add the current request id (or "-") when the record lacks one."""
        if not hasattr(record, "request_id"):
            record.request_id = _request_id.get() or NO_REQUEST_ID
        return True
