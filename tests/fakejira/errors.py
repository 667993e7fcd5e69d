"""The error a fake Jira handler raises to answer with Jira's error envelope."""

from __future__ import annotations

from typing import Any


class JiraHttpError(Exception):
    """An HTTP error answer: Jira's envelope ``{"errorMessages", "errors"}`` unless ``body``."""

    def __init__(
        self,
        status: int,
        messages: list[str] | tuple[str, ...] = (),
        errors: dict[str, str] | None = None,
        *,
        body: Any = None,
        headers: dict[str, str] | None = None,
        content_type: str | None = None,
    ) -> None:
        super().__init__(status, messages, errors)
        self.status = status
        self.body = (
            body
            if body is not None
            else {"errorMessages": list(messages), "errors": dict(errors or {})}
        )
        self.headers = dict(headers or {})
        self.content_type = content_type


def not_found(message: str) -> JiraHttpError:
    """404 with one error message, as Jira answers for a missing user or group."""
    return JiraHttpError(404, [message])


def bad_request(message: str | None = None, **errors: str) -> JiraHttpError:
    """400 with an optional error message and field errors."""
    return JiraHttpError(400, [message] if message else [], errors)
