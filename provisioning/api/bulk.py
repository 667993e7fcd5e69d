"""POST /Bulk (RFC 7644 section 3.7): each operation served by the endpoint it names.

Nothing here creates, replaces, patches or deletes: an operation becomes a request to
`/Users`, `/Groups`, `/Users/{id}` or `/Groups/{id}` of the same dialect, carrying the
Bulk request's credential, and is served by the same view, services, write-through and
protection rules as a single request — authenticated, recorded in the audit log
(`X-Request-Id` `<bulk id>.<n>`) and logged on its own. Each operation is therefore its
own `@scim_write` unit: it is applied whole or not at all; what ran before it stays.
The protocol side (shape, bulkIds, order, cycles) is `provisioning.scim.bulk`.
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.handlers.wsgi import WSGIRequest
from django.http import HttpRequest, HttpResponseBase
from django.urls import Resolver404, resolve
from rest_framework.request import Request
from rest_framework.response import Response

from auditlog.context import current_request_id
from auditlog.middleware import AuditLogMiddleware
from provisioning.scim import bulk
from provisioning.scim.errors import ScimError, ScimType

from .renderers import SCIM_MEDIA_TYPE
from .resources import CollectionView, ItemView
from .views import EndpointView, scim_response

# Headers of the Bulk request an operation does not inherit: its own body and preconditions.
_NOT_INHERITED = frozenset(
    {"CONTENT_LENGTH", "CONTENT_TYPE", "QUERY_STRING", "HTTP_IF_MATCH", "HTTP_IF_NONE_MATCH"}
)


class BulkView(EndpointView):
    """POST /Bulk: the operations in dependency order, one answer per operation run."""

    @property
    def max_body_bytes(self) -> int:
        """The Bulk body may be larger than a single request's: `maxPayloadSize`."""
        return settings.SCIM_BULK_MAX_PAYLOAD_BYTES

    def check_body_size(self, length: int) -> None:
        """413 past maxPayloadSize, with RFC 7644 section 3.7.4's detail."""
        bulk.check_payload_size(length, max_payload_bytes=self.max_body_bytes)

    def post(self, request: Request) -> Response:
        """Run the operations; 200 with a BulkResponse whatever each operation answered."""
        parsed = bulk.parse_bulk_request(
            self.body(), max_operations=settings.SCIM_BULK_MAX_OPERATIONS
        )
        run = _Run(self, parsed)
        return scim_response(bulk.bulk_response(run.results()))


class _Run:
    """One Bulk request being run: the ids its POSTs resolved and the answers so far."""

    def __init__(self, view: BulkView, request: bulk.BulkRequest) -> None:
        self.view = view
        self.request = request
        self.creators = {
            op.bulk_id: op.index for op in request.operations if op.method == "POST" and op.bulk_id
        }
        self.resolved: dict[str, str] = {}
        self.answers: dict[int, dict[str, Any]] = {}
        self.errors = 0
        self.base_path = view.request.path_info.rstrip("/").rsplit("/", 1)[0]
        self.request_id = (current_request_id() or "bulk")[:100]

    def results(self) -> list[dict[str, Any]]:
        """Run the plan and answer in request order (RFC 7644 leaves the order open)."""
        deadline = time.monotonic() + settings.SCIM_BULK_BUDGET_SECONDS
        for step in bulk.execution_plan(self.request.operations):
            if self.request.fail_on_errors and self.errors >= self.request.fail_on_errors:
                break  # RFC 7644 section 3.7.3: the rest is neither run nor answered
            if time.monotonic() >= deadline:
                self.answers[step.operation.index] = self._not_run(step.operation)
                continue
            self.answers[step.operation.index] = self._step(step)
        return [self.answers[index] for index in sorted(self.answers)]

    def _step(self, step: bulk.Step) -> dict[str, Any]:
        operation = step.operation
        error = step.error or bulk.unresolved_reference(
            operation, resolved=self.resolved, defined=self.creators
        )
        if error is not None:
            return self._failed(operation, error)
        path = bulk.resolved_path(operation, self.resolved)
        data = bulk.substitute(operation.data, self.resolved)
        status, headers, document = self._dispatch(operation, path, data)
        if status >= 400:
            self.errors += 1
            return bulk.operation_result(
                operation, status=status, location=self._location(path), response=document
            )
        if operation.method == "POST" and isinstance(document, dict):
            created = str(document.get("id", ""))
            if operation.bulk_id and created:
                self.resolved[operation.bulk_id] = created
        return bulk.operation_result(
            operation,
            status=status,
            location=headers.get("Location") or self._location(path),
            version=headers.get("ETag"),
        )

    def _failed(self, operation: bulk.BulkOperation, error: ScimError) -> dict[str, Any]:
        self.errors += 1
        path = operation.path if bulk.BULK_ID_PREFIX not in operation.path else None
        return bulk.operation_result(
            operation,
            status=error.status,
            location=self._location(path) if path else None,
            response=self.view.dialect.error_body(error),
        )

    def _not_run(self, operation: bulk.BulkOperation) -> dict[str, Any]:
        budget = settings.SCIM_BULK_BUDGET_SECONDS
        error = ScimError(
            503,
            f"{operation.label} was not run: the bulk request took longer than {budget:g} s "
            "(SCIM_BULK_BUDGET_SECONDS); nothing of it was applied. Send it again.",
        )
        return self._failed(operation, error)

    def _location(self, path: str | None) -> str | None:
        """The canonical URL of an item path (`/users/7` -> `.../Users/7`); None for /Users."""
        if not path:
            return None
        head, _, resource_id = path.strip("/").partition("/")
        if not resource_id:
            return None
        locator = self.view.locator
        return locator.user(resource_id) if head.lower() == "users" else locator.group(resource_id)

    def _dispatch(
        self, operation: bulk.BulkOperation, path: str, data: Any
    ) -> tuple[int, dict[str, str], Any]:
        """Serve the operation as the single request it stands for: (status, headers, body)."""
        full_path = self.base_path + path
        try:
            match = resolve(full_path)
        except Resolver404:
            match = None
        view_class = getattr(match.func, "view_class", None) if match else None
        wanted = CollectionView if operation.method == "POST" else ItemView
        if match is None or view_class is None or not issubclass(view_class, wanted):
            error = ScimError(
                400,
                f"{operation.label}: a bulk operation reaches /Users, /Groups, /Users/{{id}} "
                "or /Groups/{id} only.",
                ScimType.INVALID_PATH,
            )
            return error.status, {}, self.view.dialect.error_body(error)
        request = self._request(operation, full_path, data)

        def serve(sub: HttpRequest) -> HttpResponseBase:
            response = match.func(sub, *match.args, **match.kwargs)
            if hasattr(response, "render") and not response.is_rendered:
                response.render()
            return response

        response = _recorded(serve)(request)
        content = getattr(response, "content", b"")
        document = json.loads(content) if content else None
        headers = {key: response[key] for key in ("Location", "ETag") if response.has_header(key)}
        return response.status_code, headers, document

    def _request(self, operation: bulk.BulkOperation, path: str, data: Any) -> WSGIRequest:
        """A request like the Bulk request (credential, client address, host) for one op."""
        body = b"" if data is None else json.dumps(data).encode()
        environ = {
            key: value for key, value in self.view.request.META.items() if key not in _NOT_INHERITED
        }
        environ.update(
            {
                "REQUEST_METHOD": operation.method,
                "PATH_INFO": path,
                "QUERY_STRING": "",
                "CONTENT_TYPE": SCIM_MEDIA_TYPE,
                "CONTENT_LENGTH": str(len(body)),
                "wsgi.input": io.BytesIO(body),
                "HTTP_X_REQUEST_ID": f"{self.request_id}.{operation.index}",
            }
        )
        environ.setdefault("wsgi.url_scheme", self.view.request.scheme)
        if operation.version:
            environ["HTTP_IF_MATCH"] = operation.version
        return WSGIRequest(environ)


def _recorded(serve: Callable[[HttpRequest], HttpResponseBase]) -> AuditLogMiddleware:
    """`serve` inside the audit middleware: the operation's own entry, request id and log line."""
    return AuditLogMiddleware(serve)
