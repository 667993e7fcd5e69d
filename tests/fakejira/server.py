"""The HTTP side of the fake Jira: a threading server and its request handler."""

from __future__ import annotations

import contextlib
import json
import logging
import secrets
import socket
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urlsplit

# Importing the endpoint modules registers their routes.
from . import api_groups, api_system, api_users  # noqa: F401
from .auth import AuthResult, authenticate, authorize
from .errors import JiraHttpError
from .faults import FaultRule, retry_after_header
from .requestlog import LoggedRequest
from .routing import Request, Response, find_route

if TYPE_CHECKING:
    from .fake import FakeJira

logger = logging.getLogger(__name__)

JSON_TYPE = "application/json;charset=UTF-8"
TEXT_TYPE = "text/plain;charset=UTF-8"


class FakeJiraServer(ThreadingHTTPServer):
    """A threading HTTP server that knows its ``FakeJira``."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], fake: FakeJira) -> None:
        """Bind to ``address``; handlers reach the fake through ``self.fake``."""
        self.fake = fake
        super().__init__(address, FakeJiraHandler)


def _encode(response: Response) -> tuple[bytes, str | None]:
    """Body bytes and content type for a handler response."""
    if response.body is None or response.status == 204:
        return b"", None
    if isinstance(response.body, (dict, list)):
        return json.dumps(response.body).encode(), response.content_type or JSON_TYPE
    return str(response.body).encode(), response.content_type or "text/plain;charset=UTF-8"


def _error_response(err: JiraHttpError) -> Response:
    """The answer for a ``JiraHttpError``."""
    return Response(err.status, err.body, err.headers, err.content_type)


class FakeJiraHandler(BaseHTTPRequestHandler):
    """Parses a request, applies faults, authenticates, routes, answers."""

    server: FakeJiraServer
    protocol_version = "HTTP/1.1"  # keep-alive, as Jira behind Tomcat
    server_version = "FakeJira"
    # Buffer headers and body into one write: two small writes meet Nagle's algorithm and
    # the client's delayed ACK, costing 40 ms per request.
    wbufsize = -1

    def setup(self) -> None:
        """Track the connection so ``stop()`` can cut idle keep-alive sockets."""
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.fake.track_connection(self.connection, open_=True)

    def finish(self) -> None:
        """Untrack the connection."""
        self.server.fake.track_connection(self.connection, open_=False)
        # The client may be gone (timeout tests): nothing left to flush then.
        with contextlib.suppress(OSError):
            super().finish()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        """Keep test output quiet; the request log has the details."""
        logger.debug(format, *args)

    def do_GET(self) -> None:
        """Dispatch a GET."""
        self._handle()

    def do_POST(self) -> None:
        """Dispatch a POST."""
        self._handle()

    def do_PUT(self) -> None:
        """Dispatch a PUT."""
        self._handle()

    def do_DELETE(self) -> None:
        """Dispatch a DELETE."""
        self._handle()

    # -- plumbing --------------------------------------------------------------------

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _parse_body(self, raw: bytes) -> tuple[Any, JiraHttpError | None]:
        """Parsed JSON (or text for the log) and the error Jira would answer, if any."""
        if not raw:
            return None, None
        content_type = (self.headers.get("Content-Type") or "").lower()
        text = raw.decode("utf-8", errors="replace")
        if "json" not in content_type:
            # Jira's XSRF filter stops non-JSON posts first; with the no-check token the
            # JSON-only resource then refuses the media type.
            if (self.headers.get("X-Atlassian-Token") or "").lower() != "no-check":
                return text, JiraHttpError(403, body="XSRF check failed", content_type=TEXT_TYPE)
            return text, JiraHttpError(415, body="Unsupported Media Type", content_type=TEXT_TYPE)
        try:
            return json.loads(text), None
        except ValueError:
            return text, JiraHttpError(400, ["Unexpected character in the JSON request body."])

    def _send(self, entry: LoggedRequest, response: Response) -> None:
        data, content_type = _encode(response)
        entry.status = response.status  # before the answer: a test may read the log at once
        try:
            self.send_response(response.status)
            if content_type:
                self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("X-AREQUESTID", secrets.token_hex(4))
            self.send_header("Cache-Control", "no-cache, no-store, no-transform")
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.end_headers()
            if data and self.command != "HEAD":
                self.wfile.write(data)
            self.wfile.flush()
        except OSError:
            self.close_connection = True  # the client gave up (read timeout)

    def _drop(self, entry: LoggedRequest) -> None:
        """Close the socket without answering: the client sees a connection reset."""
        entry.status = None
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def _handle(self) -> None:
        fake = self.server.fake
        url = urlsplit(self.path)
        query = parse_qs(url.query, keep_blank_values=True)
        raw_body = self._read_body()
        body, body_error = self._parse_body(raw_body)
        path = fake.rest_path(unquote(url.path))
        entry = LoggedRequest(
            method=self.command,
            path=path if path is not None else unquote(url.path),
            query=query,
            query_string=url.query,
            body=body,
            headers=dict(self.headers.items()),
        )
        fake.log.append(entry)
        if path is None:
            self._send(entry, Response(404, {"errorMessages": ["Not found"], "errors": {}}))
            return
        decision = fake.faults.decide(self.command, path, query)
        if decision.delay:
            fake.sleep(decision.delay)
        rule = decision.rule
        if rule is not None:
            entry.fault = rule.kind
            early = self._fault_before(entry, rule)
            if early:
                return
        if body_error is not None:
            response = _error_response(body_error)
        else:
            response = self._dispatch(entry, path, query, body)
        if rule is not None:
            self._fault_after(entry, rule, response)
            return
        self._send(entry, response)

    def _fault_before(self, entry: LoggedRequest, rule: FaultRule) -> bool:
        """Faults that answer without touching Jira's state; True when answered."""
        fake = self.server.fake
        if rule.kind == "error":
            body = (
                rule.body
                if rule.body is not None
                else {"errorMessages": ["Internal server error"], "errors": {}}
            )
            self._send(entry, Response(rule.status, body, dict(rule.headers or {})))
            return True
        if rule.kind == "rate_limit":
            headers = {
                "Retry-After": retry_after_header(rule.retry_after),
                "X-RateLimit-Limit": "10",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Interval-Seconds": "1",
                "X-RateLimit-FillRate": "10",
            }
            body = (
                rule.body
                if rule.body is not None
                else {"errorMessages": ["Rate limit exceeded."], "errors": {}}
            )
            self._send(entry, Response(429, body, headers))
            return True
        if rule.kind == "timeout" and not rule.apply:
            fake.sleep(rule.seconds)
            self._send(entry, Response(504, "Gateway Timeout", content_type="text/plain"))
            return True
        if rule.kind == "disconnect" and not rule.apply:
            self._drop(entry)
            return True
        return False

    def _fault_after(self, entry: LoggedRequest, rule: FaultRule, response: Response) -> None:
        """Faults that let Jira apply the change, then spoil the answer."""
        if rule.kind == "applied_then_error":
            body = (
                rule.body
                if rule.body is not None
                else {"errorMessages": ["Internal server error"], "errors": {}}
            )
            entry.extra["applied_status"] = response.status
            self._send(entry, Response(rule.status, body))
        elif rule.kind == "timeout":
            self.server.fake.sleep(rule.seconds)
            self._send(entry, response)
        elif rule.kind == "disconnect":
            entry.extra["applied_status"] = response.status
            self._drop(entry)
        else:  # latency-only rules never reach here; answer normally
            self._send(entry, response)

    def _dispatch(
        self, entry: LoggedRequest, path: str, query: dict[str, list[str]], body: Any
    ) -> Response:
        """Authenticate, route and run the handler with the state lock held."""
        fake = self.server.fake
        state = fake.state
        auth = AuthResult()
        with state.lock:
            try:
                auth = authenticate(
                    state,
                    self.headers,
                    base_url=fake.base_url,
                    issue_sessions=fake.issue_session_cookies,
                    captcha_after=fake.captcha_after,
                )
                entry.user = auth.user.name if auth.user else None
                found = find_route(self.command, path, fake.base_url)
                authorize(state, auth, found.access)
                request = Request(
                    self.command, path, query, body, self.headers, fake.base_url, state, auth.user
                )
                response = found.handler(request)
            except JiraHttpError as err:
                response = _error_response(err)
            except Exception:  # a bug in the fake: answer like Jira's 500 page, keep serving
                logger.exception("fake Jira handler failed")
                response = Response(500, {"errorMessages": ["Internal server error"], "errors": {}})
        if auth.new_session:
            response.headers["Set-Cookie"] = f"JSESSIONID={auth.new_session}; Path=/; HttpOnly"
        return response
