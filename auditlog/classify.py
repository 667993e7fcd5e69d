"""What a SCIM request did, derived from its method, path and response alone.

The SCIM views are not consulted: the audit log reads what went over the wire, so it keeps
working whatever the views do internally.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from .models import Operation

RESOURCE_TYPES = {"users": "User", "groups": "Group", "me": "User"}
DISCOVERY_TYPES = {
    "serviceproviderconfig": "ServiceProviderConfig",
    "serviceproviderconfigs": "ServiceProviderConfig",
    "schemas": "Schema",
    "resourcetypes": "ResourceType",
}
_ITEM_OPERATIONS = {
    "GET": Operation.READ,
    "PUT": Operation.REPLACE,
    "PATCH": Operation.PATCH,
    "DELETE": Operation.DELETE,
}
_MAX_RESOURCE_TYPE = 40
_MAX_RESOURCE_ID = 255


@dataclass(frozen=True)
class Classification:
    """The SCIM operation, resource type and resource id of one request."""

    operation: str
    resource_type: str = ""
    resource_id: str = ""


def _segments(path: str, prefix: str) -> list[str]:
    """Path segments after the prefix and the version (`/scim/v2/Users/1` → [Users, 1])."""
    rest = path.removeprefix(prefix)
    segments = [segment for segment in rest.split("/") if segment]
    if segments and segments[0].lower() in {"v1", "v2"}:
        segments = segments[1:]
    return segments


def _created_id(location: str | None, document: Any) -> str:
    """The id of a created resource: the body's `id`, else the last segment of Location."""
    if isinstance(document, dict) and isinstance(document.get("id"), str | int):
        return str(document["id"])
    if location:
        segments = [s for s in urlsplit(location).path.split("/") if s]
        if segments:
            return unquote(segments[-1])
    return ""


def classify(
    *,
    method: str,
    path: str,
    status: int,
    location: str | None = None,
    document: Any = None,
    prefix: str = "/scim/",
) -> Classification:
    """Classify a request; `document` is the parsed response body (None when not JSON)."""
    method = method.upper()
    segments = _segments(path, prefix)
    if not segments:
        return Classification(Operation.OTHER)
    head = segments[0].lower()
    if head in DISCOVERY_TYPES:
        return Classification(
            Operation.DISCOVERY,
            DISCOVERY_TYPES[head],
            unquote(segments[1])[:_MAX_RESOURCE_ID] if len(segments) > 1 else "",
        )
    if head == "bulk":
        return Classification(Operation.BULK)
    if head == ".search":
        return Classification(Operation.SEARCH if method == "POST" else Operation.OTHER)
    resource_type = RESOURCE_TYPES.get(head)
    if resource_type is None:
        return Classification(Operation.OTHER, segments[0][:_MAX_RESOURCE_TYPE])
    if head == "me":
        # /Me is the authenticated subject: an item operation without an id in the path.
        operation = _ITEM_OPERATIONS.get(method, Operation.OTHER)
        return Classification(
            operation, resource_type, _created_id(None, document)[:_MAX_RESOURCE_ID]
        )
    if len(segments) == 1:
        if method == "GET":
            return Classification(Operation.LIST, resource_type)
        if method == "POST":
            created = _created_id(location, document) if 200 <= status < 300 else ""
            return Classification(Operation.CREATE, resource_type, created[:_MAX_RESOURCE_ID])
        return Classification(Operation.OTHER, resource_type)
    if len(segments) == 2 and segments[1].lower() == ".search":
        operation = Operation.SEARCH if method == "POST" else Operation.OTHER
        return Classification(operation, resource_type)
    if len(segments) == 2:
        return Classification(
            _ITEM_OPERATIONS.get(method, Operation.OTHER),
            resource_type,
            unquote(segments[1])[:_MAX_RESOURCE_ID],
        )
    return Classification(Operation.OTHER, resource_type)
