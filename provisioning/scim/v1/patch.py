"""SCIM 1.1 PATCH (a partial resource) as SCIM 2.0 PATCH operations for the core to apply.

The 1.1 rules (API 1.1, "Modifying with PATCH"): the attributes `meta.attributes` names are
removed first; then the body is merged into the resource. A singular attribute replaces the
stored one; a complex one's sub-attributes are merged into it; a multi-valued one's values
are added, or merged into the stored value with the same `value`; values marked
`"operation": "delete"` are removed. An attribute both named in `meta.attributes` and sent
is replaced by what was sent.

This module is the one home of those rules: the /v1 endpoint translates every PATCH body
with `patch_in`, and the /v2 leniency (`provisioning.scim.leniency`) calls the same
`patch_in` for a 1.1-shaped body sent without `Operations`, and `split_marked` for values
marked `"operation": "delete"` inside 2.0 operations. Where the two endpoints differ, the
difference is a keyword of `patch_in` (documented in docs/scim-v1.md).

Every rule is expressed as 2.0 operations evaluated by the core inside the write's lock, so
no translation depends on a copy of the resource read earlier, and group members stay row
operations (adding one member to a large group costs O(1) queries).
"""

from __future__ import annotations

import json
from typing import Any

from provisioning.scim.errors import ScimError, ScimType
from provisioning.scim.schema import PATCH_SCHEMA

from .names import MULTI_VALUED, READ_ONLY, Kind, attribute_to_v2, root_attribute
from .resources import attributes_in, marked_delete, value_in, without_operation

Operation = dict[str, Any]


def patch_in(
    body: Any, kind: Kind, *, pathless_member_add: bool = False
) -> dict[str, Any] | None:
    """The 2.0 PatchOp body for a 1.1 PATCH body; None when it asks for no change.

    `pathless_member_add`: members added are sent as one path-less `add` of
    `{"members": [...]}` instead of an `add` on the `members` path. Both reach the core as
    the same membership action; the /v2 leniency keeps the path-less form it has always
    produced for the bodies of Okta's 1.1-era connectors.
    """
    if not isinstance(body, dict):
        raise ScimError(
            400,
            "A SCIM 1.1 PATCH body must be a JSON object holding the attributes to change.",
            ScimType.INVALID_SYNTAX,
        )
    cleared = _cleared(body, kind)
    attributes = [
        (path, value)
        for path, value in attributes_in(body, kind)
        if root_attribute(path) not in READ_ONLY[kind]
    ]
    sent = {path.lower() for path, _ in attributes}
    operations: list[Operation] = [
        {"op": "remove", "path": path} for path in cleared if path.lower() not in sent
    ]
    replaced = {path.lower() for path in cleared}
    for path, value in attributes:
        operations.extend(
            _merge(
                path,
                value,
                kind,
                replace=path.lower() in replaced,
                pathless_member_add=pathless_member_add,
            )
        )
    if not operations:
        return None
    return {"schemas": [PATCH_SCHEMA], "Operations": operations}


def _field(value: dict[str, Any], name: str) -> Any:
    """A key of a JSON object, matched without case (IdP templates vary)."""
    return next((item for key, item in value.items() if key.lower() == name), None)


def _cleared(body: dict[str, Any], kind: Kind) -> list[str]:
    """The 2.0 paths of the attributes `meta.attributes` asks to remove."""
    meta = _field(body, "meta")
    if meta is None:
        return []
    names = _field(meta, "attributes") if isinstance(meta, dict) else None
    if names is None:
        return []
    if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
        raise ScimError(
            400, "'meta.attributes' must be a list of attribute names.", ScimType.INVALID_SYNTAX
        )
    paths = [attribute_to_v2(name) for name in names if name.strip()]
    return [path for path in paths if root_attribute(path) not in READ_ONLY[kind]]


def _merge(
    path: str, value: Any, kind: Kind, *, replace: bool, pathless_member_add: bool
) -> list[Operation]:
    """The operations merging (or, with `replace`, setting) one attribute of the body."""
    root = root_attribute(path)
    if value is None:
        return [{"op": "remove", "path": path}]
    if root in MULTI_VALUED[kind] and path.lower() == root:
        values = value if isinstance(value, list) else [value]
        if replace:
            kept = [without_operation(item) for item in values if not marked_delete(item)]
            return [{"op": "replace", "path": path, "value": kept}]
        if kind == Kind.GROUP:
            return _members(path, values, pathless_add=pathless_member_add)
        return _values(path, values)
    operations: list[Operation] = [{"op": "remove", "path": path}] if replace else []
    operations.append({"op": "replace", "path": path, "value": value_in(root, value)})
    return operations


def split_marked(values: list[Any]) -> tuple[list[Operation], list[Any]]:
    """Values marked `"operation": "delete"` (as `{"value": ...}` refs) and the others.

    The refs select what to remove by `value`; the others lose their marker.
    """
    removed = [{"value": _field(item, "value")} for item in values if marked_delete(item)]
    kept = [without_operation(item) for item in values if not marked_delete(item)]
    return removed, kept


def _members(path: str, values: list[Any], *, pathless_add: bool) -> list[Operation]:
    """Group members: removals by id, then one `add` (current members are left alone)."""
    removed, added = split_marked(values)
    operations: list[Operation] = []
    if removed:
        operations.append({"op": "remove", "path": path, "value": removed})
    if added and pathless_add:
        operations.append({"op": "add", "value": {path: added}})
    elif added:
        operations.append({"op": "add", "path": path, "value": added})
    return operations


def _identity(value: Any) -> str | None:
    """The value filter selecting the stored value a 1.1 value stands for.

    Values are told apart by `value` (emails, phone numbers...); those without one
    (addresses) by `type`. A value with neither is simply added.
    """
    if not isinstance(value, dict):
        return None
    for name in ("value", "type"):
        item = _field(value, name.lower())
        if isinstance(item, str):
            return f"{name} eq {json.dumps(item, ensure_ascii=False)}"
    return None


def _values(path: str, values: list[Any]) -> list[Operation]:
    """A user's multi-valued attribute: deletions first, then each value added or merged."""
    removals: list[Operation] = []
    merges: list[Operation] = []
    for value in values:
        identity = _identity(value)
        if marked_delete(value):
            if identity is None:
                raise ScimError(
                    400,
                    f'A value of \'{path}\' marked "operation": "delete" must carry its '
                    "'value' (or 'type') to say which value to delete.",
                    ScimType.NO_TARGET,
                )
            removals.append({"op": "remove", "path": f"{path}[{identity}]"})
        elif identity is None:
            merges.append({"op": "add", "path": path, "value": [without_operation(value)]})
        else:
            # A filter that matches nothing creates the value (the core's lenient policy):
            # that is 1.1's "added if it does not exist, merged if it does".
            merges.append(
                {"op": "replace", "path": f"{path}[{identity}]", "value": without_operation(value)}
            )
    return removals + merges
