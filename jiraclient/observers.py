"""Process-wide observers told about every HTTP attempt the Jira client makes (audit, metrics)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

logger = logging.getLogger("scimbridge.jira")


@dataclass(frozen=True)
class JiraCall:
    """One HTTP attempt: what was asked, how it ended, how long it took. Holds no secret."""

    method: str
    path: str  # URL path without scheme or host (includes Jira's context path)
    query: str  # encoded query string; parameters that could hold secrets are redacted
    status: int | None  # None when no HTTP answer arrived
    duration_ms: float
    error: str | None  # client error class name (e.g. "JiraTimeout"), None on success
    attempt: int = 1  # 1 for the first try, 2+ for retries
    base_url: str = ""  # the configured Jira base URL (no credentials)


Observer = Callable[[JiraCall], None]

_lock = threading.Lock()
_observers: list[Observer] = []


def add_observer(observer: Observer) -> None:
    """Register ``observer`` (adding the same one twice keeps one registration)."""
    with _lock:
        if observer not in _observers:
            _observers.append(observer)


def remove_observer(observer: Observer) -> None:
    """Unregister ``observer``; unknown observers are ignored."""
    with _lock:
        if observer in _observers:
            _observers.remove(observer)


def notify(call: JiraCall) -> None:
    """Tell every observer; an observer that raises is logged and never breaks the call."""
    with _lock:
        current = list(_observers)
    for observer in current:
        try:
            observer(call)
        except Exception:  # an audit hook must never break provisioning
            logger.warning(
                "Jira call observer %r failed",
                getattr(observer, "__qualname__", observer),
                exc_info=True,
            )
