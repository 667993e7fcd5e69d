"""What a write's body carries, counted against the request limits (`limits.Limits`).

Counted on the 2.0 body (after the dialect's translation, before the leniency layer and
validation), so that an oversized write is refused before any of it is parsed into
resources, stored or sent to Jira: group members of a POST/PUT/PATCH, operations of a
PATCH and values per multi-valued user attribute.
"""

from __future__ import annotations

from typing import Any

from .limits import Limits
from .mapping import USER_MULTI_VALUED
from .schema import GROUP_SCHEMA, USER_SCHEMA
from .v1.names import Kind

_MULTI_VALUED = {name.lower(): name for name in USER_MULTI_VALUED}


def check_resource(body: Any, kind: Kind, limits: Limits) -> None:
    """Refuse a POST/PUT body with too many members (groups) or values (users)."""
    if not isinstance(body, dict):
        return
    if kind == Kind.GROUP:
        limits.check_members(_members(body))
        return
    for key, value in body.items():
        _check_user_attribute(_root(key, USER_SCHEMA), value, limits)


def check_patch(body: Any, kind: Kind, limits: Limits) -> None:
    """Refuse a PatchOp with too many operations, members in all or values in one."""
    if not isinstance(body, dict):
        return
    operations = next((value for key, value in body.items() if key.lower() == "operations"), None)
    if not isinstance(operations, list):
        return
    limits.check_operations(len(operations))
    members = 0
    for operation in operations:
        if not isinstance(operation, dict):
            continue
        fields = {str(key).lower(): value for key, value in operation.items()}
        path, value = fields.get("path"), fields.get("value")
        if isinstance(path, str) and path.strip():
            root = _root(path.strip(), GROUP_SCHEMA if kind == Kind.GROUP else USER_SCHEMA)
            if kind == Kind.GROUP and root == "members":
                members += len(value) if isinstance(value, list) else 1
            elif kind == Kind.USER:
                _check_user_attribute(root, value, limits)
            limits.check_filter(path if "[" in path else None)
        elif isinstance(value, dict):
            if kind == Kind.GROUP:
                members += _members(value)
            else:
                for key, item in value.items():
                    _check_user_attribute(_root(key, USER_SCHEMA), item, limits)
    limits.check_members(members)


def _members(body: dict[Any, Any]) -> int:
    """How many members a group body (or a path-less PATCH value) lists."""
    count = 0
    for key, value in body.items():
        if _root(key, GROUP_SCHEMA) == "members" and isinstance(value, list):
            count += len(value)
    return count


def _check_user_attribute(root: str, value: Any, limits: Limits) -> None:
    name = _MULTI_VALUED.get(root)
    if name is not None and isinstance(value, list):
        limits.check_values(name, len(value))


def _root(key: Any, schema: str) -> str:
    """The lower-cased top-level attribute a key or path names, core URN removed."""
    if not isinstance(key, str):
        return ""
    lowered = key.strip().lower()
    if lowered.startswith(schema.lower() + ":"):
        lowered = lowered[len(schema) + 1 :]
    for separator in ("[", "."):
        lowered = lowered.split(separator, 1)[0]
    return lowered.strip()
