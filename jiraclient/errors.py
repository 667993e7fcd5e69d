"""Typed errors of the Jira client, and their mapping from HTTP answers and network failures."""

from __future__ import annotations

import time
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import requests
from urllib3.exceptions import NameResolutionError, NewConnectionError, ReadTimeoutError

# Longest piece of a non-JSON error body worth quoting (plain-text answers of old Jiras).
TEXT_EXCERPT = 200


class JiraError(Exception):
    """Base of every Jira client error; ``str()`` is safe to show (never holds a secret)."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        method: str | None = None,
        path: str | None = None,
        messages: list[str] | tuple[str, ...] = (),
        field_errors: dict[str, str] | None = None,
    ) -> None:
        """Keep the HTTP status and Jira's own messages next to a readable summary."""
        super().__init__(message)
        self.status = status
        self.method = method
        self.path = path
        self.messages: list[str] = list(messages)
        self.field_errors: dict[str, str] = dict(field_errors or {})


class JiraNotFound(JiraError):  # noqa: N818 - established API names
    """404: the user, group or resource does not exist (or the base URL is wrong)."""


class JiraRefused(JiraError):  # noqa: N818 - established API names
    """400: Jira refused the change; see ``field_errors`` (``username``, ...) and ``messages``."""


class JiraConflict(JiraError):  # noqa: N818 - established API names
    """The user or group already exists; ``existing`` is what Jira has, when it could be read."""

    def __init__(
        self, message: str, *, existing: dict[str, Any] | None = None, **kwargs: Any
    ) -> None:
        """Carry the existing object so a caller can decide to link it or report a conflict."""
        super().__init__(message, **kwargs)
        self.existing = existing


class JiraUnauthorized(JiraError):  # noqa: N818 - established API names
    """401: bad, expired or revoked credentials, or a CAPTCHA lock-out; never retried."""

    def __init__(
        self,
        message: str,
        *,
        login_reason: str | None = None,
        denied_reason: str | None = None,
        **kwargs: Any,
    ) -> None:
        """Keep Seraph's ``X-Seraph-LoginReason`` / ``X-Authentication-Denied-Reason``."""
        super().__init__(message, **kwargs)
        self.login_reason = login_reason
        self.denied_reason = denied_reason


class JiraForbidden(JiraError):  # noqa: N818 - established API names
    """403: not an administrator, Basic auth disabled, or a CAPTCHA lock-out; never retried."""


class JiraUnexpectedResponse(JiraError):  # noqa: N818 - established API names
    """An answer the client cannot use: a redirect, a non-JSON body, an unusual status."""


class JiraTransient(JiraError):  # noqa: N818 - established API names
    """Try again later: 5xx, 429, connection failures and timeouts.

    ``retry_after`` is Jira's ``Retry-After`` in seconds, when it sent one. ``maybe_applied``
    says the request may have reached Jira and been applied (a timed-out POST): re-read
    before repeating it.
    """

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        maybe_applied: bool = True,
        **kwargs: Any,
    ) -> None:
        """Record the retry hint and whether Jira may have applied the request."""
        super().__init__(message, **kwargs)
        self.retry_after = retry_after
        self.maybe_applied = maybe_applied


class JiraConnectionError(JiraTransient):
    """Jira could not be reached: bad host name (DNS), refused connection, dropped connection."""


class JiraTimeout(JiraTransient):
    """Jira did not answer in time (connect or read timeout)."""


class JiraTLSError(JiraTransient):
    """The TLS handshake failed: untrusted or mismatched certificate, or not a TLS server."""


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (seconds or an HTTP date)."""
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(moment.timestamp() - time.time(), 0.0)


def _body_details(response: requests.Response) -> tuple[list[str], dict[str, str]]:
    """Jira's ``errorMessages``/``errors`` (or ``message``), or a plain-text excerpt."""
    content_type = response.headers.get("Content-Type", "")
    if "json" in content_type:
        try:
            body = response.json()
        except ValueError:
            return [], {}
        if isinstance(body, dict):
            messages = [str(m) for m in body.get("errorMessages") or []]
            if body.get("message"):
                messages.append(str(body["message"]))
            errors = body.get("errors") or {}
            fields = {str(k): str(v) for k, v in errors.items()} if isinstance(errors, dict) else {}
            return messages, fields
        return [], {}
    if content_type.startswith("text/plain") and response.text.strip():
        # Older Jiras answer some 400s (e.g. "already a member") in plain text.
        return [response.text.strip()[:TEXT_EXCERPT]], {}
    return [], {}  # HTML error pages say nothing useful


def _summary(
    method: str, path: str, status: int, messages: list[str], fields: dict[str, str]
) -> str:
    """``Jira answered 400 to POST /rest/api/2/user: username: ...``."""
    details = "; ".join([*messages, *(f"{k}: {v}" for k, v in fields.items())])
    text = f"Jira answered {status} to {method} {path}"
    return f"{text}: {details}" if details else text


def error_from_response(response: requests.Response, method: str, path: str) -> JiraError:
    """The typed error for a non-2xx answer."""
    status = response.status_code
    messages, fields = _body_details(response)
    common: dict[str, Any] = {
        "status": status,
        "method": method,
        "path": path,
        "messages": messages,
        "field_errors": fields,
    }
    message = _summary(method, path, status, messages, fields)
    if status == 400:
        return JiraRefused(message, **common)
    if status == 401:
        return JiraUnauthorized(
            message,
            login_reason=response.headers.get("X-Seraph-LoginReason"),
            denied_reason=response.headers.get("X-Authentication-Denied-Reason"),
            **common,
        )
    if status == 403:
        return JiraForbidden(message, **common)
    if status == 404:
        return JiraNotFound(message, **common)
    if status == 409:
        return JiraConflict(message, **common)
    if status == 429 or status >= 500:
        return JiraTransient(
            message,
            retry_after=parse_retry_after(response.headers.get("Retry-After")),
            # A rate-limited request was not processed; a 5xx one may have been.
            maybe_applied=status != 429 and method.upper() not in ("GET", "HEAD"),
            **common,
        )
    if 300 <= status < 400:
        location = urlsplit(response.headers.get("Location", ""))
        target = f"{location.scheme}://{location.netloc}{location.path}" if location.netloc else "?"
        return JiraUnexpectedResponse(
            f"{message}: redirected to {target} (check the base URL's scheme and context path)",
            **common,
        )
    return JiraUnexpectedResponse(message, **common)


def _tls_reason(text: str) -> str:
    """A short, readable reason from an SSL error's text."""
    lowered = text.lower()
    if "wrong_version_number" in lowered or "wrong version number" in lowered:
        return "the server does not speak TLS (is the URL meant to be http://?)"
    if "hostname mismatch" in lowered or "doesn't match" in lowered:
        return "the certificate does not match the host name"
    if "certificate verify failed" in lowered:
        detail = lowered.split("certificate verify failed:", 1)[-1].split("(")[0].strip(" )'\"")
        return f"certificate verify failed ({detail})" if detail else "certificate verify failed"
    return "TLS handshake failed"


def _root_cause(exc: BaseException) -> BaseException | None:
    """The urllib3 reason inside a requests exception (``MaxRetryError.reason``)."""
    inner = exc.args[0] if exc.args else None
    return getattr(inner, "reason", inner) if isinstance(inner, BaseException) else None


def error_from_exception(
    exc: requests.RequestException,
    method: str,
    url: str,
    *,
    connect_timeout: float,
    read_timeout: float,
) -> JiraError:
    """The typed error for a network failure; messages name host and path, nothing secret."""
    parts = urlsplit(url)
    host, path = parts.netloc, parts.path
    common: dict[str, Any] = {"method": method, "path": path}
    if isinstance(exc, requests.exceptions.SSLError):
        return JiraTLSError(
            f"TLS error talking to {host}: {_tls_reason(str(exc))}", maybe_applied=False, **common
        )
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return JiraTimeout(
            f"Connecting to {host} timed out after {connect_timeout:g} s",
            maybe_applied=False,
            **common,
        )
    if isinstance(exc, requests.exceptions.ReadTimeout):
        return JiraTimeout(
            f"Jira did not answer {method} {path} within {read_timeout:g} s", **common
        )
    if isinstance(exc, requests.exceptions.ConnectionError):
        cause = _root_cause(exc)
        if isinstance(cause, ReadTimeoutError):  # timed out while reading the body
            return JiraTimeout(
                f"Jira did not answer {method} {path} within {read_timeout:g} s", **common
            )
        if isinstance(cause, NameResolutionError):
            return JiraConnectionError(
                f"Cannot resolve the host name of {host}", maybe_applied=False, **common
            )
        if isinstance(cause, NewConnectionError):
            return JiraConnectionError(
                f"Cannot connect to {host} (connection refused or host unreachable)",
                maybe_applied=False,
                **common,
            )
        return JiraConnectionError(
            f"Connection to {host} broke during {method} {path} (no answer received)", **common
        )
    if isinstance(exc, (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema)):
        return JiraError(f"Invalid Jira URL for {method} {path}", **common)
    return JiraConnectionError(f"{type(exc).__name__} during {method} {path} on {host}", **common)
