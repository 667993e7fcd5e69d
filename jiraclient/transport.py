"""HTTP layer of the Jira client: credentials, no cookies, timeouts, safe retries, observers."""

from __future__ import annotations

import http.cookiejar
import logging
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests
from requests.adapters import HTTPAdapter

from .errors import (
    JiraError,
    JiraTLSError,
    JiraTransient,
    JiraUnexpectedResponse,
    error_from_exception,
    error_from_response,
)
from .observers import JiraCall, notify

logger = logging.getLogger("scimbridge.jira")

# Methods Jira applies idempotently: repeating them after a failure converges.
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE"})
# Query parameter names redacted from what observers see (the client never sends such
# parameters, but the guard costs nothing).
SECRET_PARAM_HINTS = ("pass", "token", "secret")
MAX_BACKOFF = 10.0
USER_AGENT = "scimbridge-jira-client/1"


class BearerAuth(requests.auth.AuthBase):
    """``Authorization: Bearer <personal access token>`` on every request."""

    def __init__(self, token: str) -> None:
        """Hold the token; it never appears in ``repr``."""
        self._token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        """Set the header."""
        request.headers["Authorization"] = f"Bearer {self._token}"
        return request

    def __repr__(self) -> str:
        """Never show the token."""
        return "BearerAuth(<hidden>)"


class BasicAuth(requests.auth.HTTPBasicAuth):
    """Basic auth whose ``repr`` hides the password."""

    def __repr__(self) -> str:
        """Show the username only."""
        return f"BasicAuth({self.username!r}, <hidden>)"


class RejectAllCookies(http.cookiejar.DefaultCookiePolicy):
    """Keep no cookie: Jira's session cookie would replace our credentials and hit WebSudo."""

    def set_ok(self, cookie: http.cookiejar.Cookie, request: Any) -> bool:
        """Refuse to store any cookie."""
        return False

    def return_ok(self, cookie: http.cookiejar.Cookie, request: Any) -> bool:
        """Refuse to send any cookie."""
        return False


def redacted_query(params: Mapping[str, Any] | None) -> str:
    """The query string as observers see it, with secret-looking parameters hidden."""
    if not params:
        return ""
    safe = [
        (name, "<redacted>" if any(h in name.lower() for h in SECRET_PARAM_HINTS) else value)
        for name, value in params.items()
        if value is not None
    ]
    return urlencode(safe, doseq=True)


def normalize_base_url(base_url: str) -> str:
    """Check the base URL (scheme, host, no credentials) and drop a trailing slash."""
    parts = urlsplit(base_url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("The Jira base URL must look like https://jira.example.com[/context]")
    if parts.username or parts.password:
        raise ValueError("The Jira base URL must not contain credentials")
    if parts.query or parts.fragment:
        raise ValueError("The Jira base URL must not have a query or fragment")
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


class Transport:
    """Sends requests to one Jira with the retry rules of jira-rest.md."""

    def __init__(
        self,
        base_url: str,
        *,
        auth: requests.auth.AuthBase,
        verify_tls: bool,
        timeout: float,
        connect_timeout: float | None,
        max_retries: int,
        max_retry_wait: float,
        backoff_factor: float,
        session: requests.Session | None,
    ) -> None:
        """Configure a session: credentials on every request, no cookies, JSON, no redirects."""
        self.base_url = normalize_base_url(base_url)
        self.read_timeout = timeout
        self.connect_timeout = connect_timeout if connect_timeout is not None else timeout
        self.max_retries = max(max_retries, 0)
        self.max_retry_wait = max(max_retry_wait, 0.0)
        self.backoff_factor = max(backoff_factor, 0.0)
        self.verify_tls = verify_tls
        if session is None:
            session = requests.Session()
            # Retries are decided here, per method; urllib3 must not retry on its own.
            for prefix in ("http://", "https://"):
                session.mount(prefix, HTTPAdapter(max_retries=0))
        session.auth = auth  # also stops requests from reading ~/.netrc
        session.cookies.set_policy(RejectAllCookies())
        session.cookies.clear()
        session.headers.update({"Accept": "application/json", "User-Agent": USER_AGENT})
        # requests reads the proxy and CA-bundle environment (HTTPS_PROXY, NO_PROXY,
        # REQUESTS_CA_BUNDLE...) again on every request, which costs more than a call to a
        # nearby Jira: read it once, for this base URL, and keep it.
        environment = session.merge_environment_settings(
            self.base_url, {}, None, verify_tls, None
        )
        session.proxies.update(environment["proxies"])
        session.trust_env = False
        self.verify: bool | str = environment["verify"]
        self.session = session

    def close(self) -> None:
        """Close pooled connections."""
        self.session.close()

    def _backoff(self, attempt: int) -> float:
        return min(self.backoff_factor * (2 ** (attempt - 1)), MAX_BACKOFF)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        retry: bool | None = None,
        gone_ok_on_retry: bool = False,
    ) -> requests.Response:
        """Send ``method path``; return the 2xx response or raise a typed ``JiraError``.

        ``retry`` defaults to "only idempotent methods"; a POST is retried only on 429,
        which Jira answers before doing anything. ``gone_ok_on_retry`` turns a 404 into
        success when an earlier attempt of this call may have been applied (a DELETE that
        was answered 500 after deleting).
        """
        method = method.upper()
        retryable = method in IDEMPOTENT_METHODS if retry is None else retry
        url = self.base_url + path
        url_path = urlsplit(url).path
        query = redacted_query(params)
        waited = 0.0
        attempt = 0
        maybe_applied_before = False
        while True:
            attempt += 1
            started = time.monotonic()
            response, error = self._attempt(method, url, url_path, params, json)
            status = response.status_code if response is not None else None
            if status == 404 and gone_ok_on_retry and maybe_applied_before:
                error = None  # an earlier attempt did the job
            self._observe(
                method=method,
                path=url_path,
                query=query,
                status=status,
                started=started,
                error=error,
                attempt=attempt,
            )
            if error is None:
                assert response is not None  # no error means an answer arrived
                return response
            if not isinstance(error, JiraTransient):
                raise error
            maybe_applied_before = maybe_applied_before or error.maybe_applied
            delay = self._retry_delay(error, status, attempt=attempt, retryable=retryable)
            if delay is None or not self._within_budget(method, url_path, error, delay, waited):
                raise error
            self._sleep_before_retry(method, url_path, error, attempt, delay)
            waited += delay

    def _retry_delay(
        self, error: JiraTransient, status: int | None, *, attempt: int, retryable: bool
    ) -> float | None:
        """Seconds to wait before the next attempt; None when this failure is not retried."""
        if status is None:
            # No answer. A certificate problem does not heal by retrying.
            may_retry = retryable and not isinstance(error, JiraTLSError)
            delay = self._backoff(attempt)
        else:
            # Jira answers 429 before doing anything, so even a POST may repeat.
            may_retry = retryable or status == 429
            hinted = error.retry_after
            delay = hinted if hinted is not None else self._backoff(attempt)
        if not may_retry or attempt > self.max_retries:
            return None
        return delay

    def _within_budget(
        self, method: str, url_path: str, error: JiraError, delay: float, waited: float
    ) -> bool:
        """Whether waiting ``delay`` more keeps this call within ``max_retry_wait``."""
        if waited + delay <= self.max_retry_wait:
            return True
        logger.warning(
            "Jira %s %s: %s; not waiting %.1f s more (retry budget %.1f s)",
            method,
            url_path,
            type(error).__name__,
            delay,
            self.max_retry_wait,
        )
        return False

    def _sleep_before_retry(
        self, method: str, url_path: str, error: JiraError, attempt: int, delay: float
    ) -> None:
        logger.info(
            "Jira %s %s: %s; retry %d/%d in %.2f s",
            method,
            url_path,
            type(error).__name__,
            attempt,
            self.max_retries,
            delay,
        )
        time.sleep(delay)

    def _attempt(
        self,
        method: str,
        url: str,
        url_path: str,
        params: Mapping[str, Any] | None,
        json: Any,
    ) -> tuple[requests.Response | None, JiraError | None]:
        """One HTTP exchange: the answer (if any) and the error it amounts to (if any)."""
        try:
            response = self.session.request(
                method,
                url,
                params=params,
                json=json,
                timeout=(self.connect_timeout, self.read_timeout),
                allow_redirects=False,
                verify=self.verify,
            )
        except requests.RequestException as exc:
            return None, error_from_exception(
                exc,
                method,
                url,
                connect_timeout=self.connect_timeout,
                read_timeout=self.read_timeout,
            )
        if 200 <= response.status_code < 300:
            return response, None
        return response, error_from_response(response, method, url_path)

    def _observe(
        self,
        *,
        method: str,
        path: str,
        query: str,
        status: int | None,
        started: float,
        error: JiraError | None,
        attempt: int,
    ) -> None:
        duration_ms = (time.monotonic() - started) * 1000
        logger.debug(
            "Jira %s %s -> %s in %.0f ms (attempt %d)",
            method,
            path,
            status if status is not None else type(error).__name__,
            duration_ms,
            attempt,
        )
        notify(
            JiraCall(
                method=method,
                path=path,
                query=query,
                status=status,
                duration_ms=round(duration_ms, 3),
                error=type(error).__name__ if error is not None else None,
                attempt=attempt,
                base_url=self.base_url,
            )
        )

    def json(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        retry: bool | None = None,
        gone_ok_on_retry: bool = False,
    ) -> Any:
        """``request`` and decode the JSON answer (None for an empty body)."""
        response = self.request(
            method, path, params=params, json=json, retry=retry, gone_ok_on_retry=gone_ok_on_retry
        )
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            url_path = urlsplit(response.url).path
            raise JiraUnexpectedResponse(
                f"Jira answered {response.status_code} to {method} {url_path} with a non-JSON "
                "body: is the base URL really Jira's?",
                status=response.status_code,
                method=method,
                path=url_path,
            ) from None
