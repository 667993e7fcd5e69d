"""What the WSGI server in front needs: chunked request bodies, and gunicorn's errors as JSON."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class ChunkedBodies:
    """Give Django a chunked request body as a sized one, bounded by the body limit.

    Django reads CONTENT_LENGTH bytes of a body and nothing without it, so a body sent with
    `Transfer-Encoding: chunked` (no Content-Length) reached the views empty. gunicorn
    decodes the chunks and marks `wsgi.input_terminated`; then the body is read here, at
    most one byte past the limit (SCIM_MAX_BODY_BYTES under /scim/), and handed on with its
    length. A server that does not terminate the input gets 411 Length Required.
    """

    def __init__(self, application: WSGIApp) -> None:
        """Wrap a WSGI application."""
        self.application = application

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        """Serve one request, with a chunked body turned into a sized one."""
        chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        if chunked and not environ.get("CONTENT_LENGTH"):
            path = environ.get("PATH_INFO", "")
            if not environ.get("wsgi.input_terminated"):
                return _error(
                    start_response, path, 411, "Send the request body with a Content-Length."
                )
            limit = _body_limit(path)
            body = environ["wsgi.input"].read(limit + 1)
            if len(body) > limit:
                return _error(
                    start_response,
                    path,
                    413,
                    f"The request body is larger than the {limit} bytes accepted.",
                )
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
        return self.application(environ, start_response)


def _body_limit(path: str) -> int:
    from provisioning.api.handlers import is_scim_path

    if is_scim_path(path):
        # The larger of the two: the view checks the length against its own limit again
        # (SCIM_MAX_BODY_BYTES, or SCIM_BULK_MAX_PAYLOAD_BYTES on /Bulk).
        return max(settings.SCIM_MAX_BODY_BYTES, settings.SCIM_BULK_MAX_PAYLOAD_BYTES)
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def _error(start_response: Callable[..., Any], path: str, status: int, detail: str) -> list[bytes]:
    from provisioning.api.handlers import is_scim_path, scim_error_json
    from provisioning.scim.errors import ScimError

    reasons = {411: "Length Required", 413: "Content Too Large"}
    if is_scim_path(path):
        body, content_type = scim_error_json(path, ScimError(status, detail)), SCIM_JSON
    else:
        body, content_type = detail.encode(), "text/plain; charset=utf-8"
    # The rest of the body is not read: close the connection rather than drain it.
    start_response(
        f"{status} {reasons[status]}",
        [
            ("Content-Type", content_type),
            ("Content-Length", str(len(body))),
            ("Connection", "close"),
        ],
    )
    return [body]


SCIM_JSON = "application/scim+json"
# gunicorn's own refusals, before any request reaches Django, with what a client can do.
GUNICORN_DETAILS = {
    414: "The request line is longer than this server accepts (GUNICORN_LIMIT_REQUEST_LINE); "
    "send a long filter in the body of POST .search instead.",
    431: "A request header is larger than this server accepts "
    "(GUNICORN_LIMIT_REQUEST_FIELD_SIZE, GUNICORN_LIMIT_REQUEST_FIELDS).",
}


def gunicorn_error_response(status: int, reason: str, message: str) -> bytes:
    """The HTTP response gunicorn sends for a request it refuses, as a SCIM error.

    gunicorn refuses a request before knowing which application path it is for, and IdPs
    parse error bodies as SCIM JSON, so every such answer is one (admin users never send
    request lines or headers that large).
    """
    from provisioning.scim.errors import ERROR_SCHEMA

    detail = GUNICORN_DETAILS.get(status, reason)
    if message:
        detail = f"{detail} ({message})"
    body = json.dumps({"schemas": [ERROR_SCHEMA], "status": str(status), "detail": detail})
    head = (
        f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\nContent-Type: {SCIM_JSON}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return (head + body).encode("latin-1", errors="replace")


def install_gunicorn_json_errors() -> None:
    """Make gunicorn write its refusals (414, 431, 400 ...) as SCIM JSON instead of HTML.

    gunicorn has no setting for its error page; its workers call `gunicorn.util.write_error`
    (sock, status, reason, message), which is replaced here in the worker process. The
    serving test over real HTTP fails if a gunicorn upgrade changes that function.
    """
    from gunicorn import util

    def write_error(sock: Any, status_int: int, reason: str, mesg: str) -> None:
        util.write_nonblock(sock, gunicorn_error_response(status_int, reason, mesg))

    util.write_error = write_error
