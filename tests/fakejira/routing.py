"""Request/response records of the fake Jira and the table of REST routes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import Message
from typing import Any, Literal

from .errors import JiraHttpError, bad_request
from .features import Features
from .models import FakeUser
from .state import JiraState

Access = Literal["anonymous", "user", "admin"]


@dataclass
class Request:
    """One parsed REST request, handed to a route handler with the state lock held."""

    method: str
    path: str  # the REST path, without the context path
    query: dict[str, list[str]]
    body: Any
    headers: Message
    base_url: str
    state: JiraState
    user: FakeUser | None = None

    @property
    def features(self) -> Features:
        """The version switches of this fake Jira."""
        return self.state.features

    def arg(self, name: str, default: str | None = None) -> str | None:
        """First value of a query parameter."""
        values = self.query.get(name)
        return values[0] if values else default

    def flag(self, name: str, *, default: bool) -> bool:
        """A boolean query parameter (``true``/``false``)."""
        value = self.arg(name)
        return default if value is None else value.lower() == "true"

    def int_arg(self, name: str, default: int) -> int:
        """An integer query parameter; 400 when it is not a number."""
        value = self.arg(name)
        if value is None or value == "":
            return default
        try:
            return int(value)
        except ValueError:
            raise bad_request(f"Parameter '{name}' must be a number.") from None

    def expand(self) -> set[str]:
        """The ``expand`` parameter as a set of names."""
        return {part.strip() for part in (self.arg("expand") or "").split(",") if part.strip()}

    def json_body(self) -> dict[str, Any]:
        """The body as a JSON object; 400 when it is missing or not an object."""
        if not isinstance(self.body, dict):
            raise bad_request("Request body must be a JSON object.")
        return self.body


@dataclass
class Response:
    """What a handler answers: a dict/list becomes JSON, a str plain text, None no body."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str | None = None


Handler = Callable[[Request], Response]


@dataclass(frozen=True)
class Route:
    """A handler and who may call it."""

    handler: Handler
    access: Access


ROUTES: dict[tuple[str, str], Route] = {}


def route(method: str, path: str, *, access: Access = "user") -> Callable[[Handler], Handler]:
    """Register a handler for ``method`` on the REST ``path`` (relative to ``/rest/api/2``)."""

    def register(handler: Handler) -> Handler:
        ROUTES[(method, "/rest/api/2" + path)] = Route(handler, access)
        return handler

    return register


def find_route(method: str, path: str, base_url: str) -> Route:
    """The route for this request; 404 for an unknown URL, 405 for a wrong method."""
    normalized = path.rstrip("/") or "/"
    found = ROUTES.get((method, normalized))
    if found is not None:
        return found
    if any(p == normalized for (_, p) in ROUTES):
        raise JiraHttpError(405, ["Method Not Allowed"])
    raise JiraHttpError(404, [f"null for uri: {base_url}{path}"])
