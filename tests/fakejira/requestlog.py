"""The fake Jira's record of every request it received."""

from __future__ import annotations

import fnmatch
import threading
from dataclasses import dataclass, field
from typing import Any


@dataclass
class LoggedRequest:
    """One request as the fake Jira saw it, and what it answered."""

    method: str
    path: str  # the REST path, without host or context path
    query: dict[str, list[str]]
    query_string: str
    body: Any  # parsed JSON, text, or None
    headers: dict[str, str]
    status: int | None = None  # None: no answer (disconnect) or still running
    user: str | None = None  # username of the authenticated caller
    fault: str | None = None  # kind of the injected fault, if one fired
    extra: dict[str, Any] = field(default_factory=dict)

    def arg(self, name: str) -> str | None:
        """First value of a query parameter."""
        values = self.query.get(name)
        return values[0] if values else None


class RequestLog:
    """A thread-safe list of ``LoggedRequest``."""

    def __init__(self) -> None:
        """Start empty."""
        self._lock = threading.Lock()
        self._entries: list[LoggedRequest] = []

    def append(self, entry: LoggedRequest) -> None:
        """Record a request (its status is filled in before the answer is sent)."""
        with self._lock:
            self._entries.append(entry)

    def entries(self, method: str | None = None, path: str | None = None) -> list[LoggedRequest]:
        """A copy of the log, optionally only one method and/or a ``fnmatch`` path pattern."""
        with self._lock:
            found = list(self._entries)
        if method is not None:
            found = [e for e in found if e.method == method.upper()]
        if path is not None:
            found = [e for e in found if fnmatch.fnmatchcase(e.path, path)]
        return found

    def clear(self) -> None:
        """Forget every entry."""
        with self._lock:
            self._entries.clear()
