"""SCIM 1.1 Users and Groups ↔ SCIM 2.0 resources: schemas, the enterprise extension, meta.

The 1.1 core schema puts User and Group attributes under one URN and names the manager's
id `managerId`; 2.0 splits User and Group URNs, names it `value`, and adds `$ref`s and
`meta.resourceType`. Everything else is spelled alike in both versions.
"""

from __future__ import annotations

from typing import Any

from .names import (
    BASE_SCHEMA_V2,
    CORE_SCHEMA,
    ENTERPRISE_SCHEMA,
    ENTERPRISE_SCHEMA_V2,
    MANAGER,
    MANAGER_ID_V1,
    MANAGER_ID_V2,
    Kind,
    strip_prefix,
)

DELETE = "delete"


def marked_delete(value: Any) -> bool:
    """Whether a multi-valued value carries the 1.1 `"operation": "delete"` marker."""
    if not isinstance(value, dict):
        return False
    operation = next((item for key, item in value.items() if key.lower() == "operation"), None)
    return isinstance(operation, str) and operation.lower() == DELETE


def without_operation(value: Any) -> Any:
    """A multi-valued value without its 1.1 `operation` marker."""
    if isinstance(value, dict):
        return {key: item for key, item in value.items() if key.lower() != "operation"}
    return value


def manager_in(value: Any) -> Any:
    """The 1.1 manager `{"managerId", "displayName"}` as the 2.0 `{"value", ...}`."""
    if isinstance(value, str):
        return {MANAGER_ID_V2: value}
    if not isinstance(value, dict):
        return value
    return {
        (MANAGER_ID_V2 if key.lower() == MANAGER_ID_V1.lower() else key): item
        for key, item in value.items()
    }


def value_in(name: str, value: Any) -> Any:
    """One attribute's value in 2.0 terms: 1.1 markers and names replaced."""
    if name.lower() == MANAGER:
        return manager_in(value)
    if isinstance(value, list):
        return [without_operation(item) for item in value]
    return value


def attributes_in(body: dict[str, Any], kind: Kind) -> list[tuple[str, Any]]:
    """The attributes of a 1.1 body as (2.0 attribute path, value), in body order.

    Core attributes keep their names (a `urn:scim:schemas:core:1.0:` prefix is dropped);
    enterprise ones, nested under their 1.1 URN or flat with it as prefix, get the 2.0 URN.
    Keys that are already 2.0 names or URNs pass unchanged. Values are returned as sent.
    """
    pairs: list[tuple[str, Any]] = []
    for key, value in body.items():
        if not isinstance(key, str):
            continue
        lowered = key.lower()
        if lowered == CORE_SCHEMA.lower():
            if isinstance(value, dict):
                pairs.extend(attributes_in(value, kind))
            continue
        if kind == Kind.USER and lowered == ENTERPRISE_SCHEMA.lower():
            if isinstance(value, dict):
                pairs.extend(
                    (f"{ENTERPRISE_SCHEMA_V2}:{name}", item)
                    for name, item in value.items()
                    if isinstance(name, str)
                )
            continue
        core = strip_prefix(key, CORE_SCHEMA)
        extension = strip_prefix(key, ENTERPRISE_SCHEMA) if kind == Kind.USER else None
        if core is not None:
            pairs.append((core, value))
        elif extension is not None:
            pairs.append((f"{ENTERPRISE_SCHEMA_V2}:{extension}", value))
        else:
            pairs.append((key, value))
    return pairs


def resource_in(body: Any, kind: Kind) -> Any:
    """A 1.1 User or Group (POST, PUT) as the 2.0 resource the core validates.

    Values marked `"operation": "delete"` mean nothing in a full resource: they are left
    out. `meta` is read-only and dropped. A body that is not an object is returned as is,
    for the core to refuse with its own error.
    """
    if not isinstance(body, dict):
        return body
    base = BASE_SCHEMA_V2[kind]
    document: dict[str, Any] = {"schemas": [base]}
    extension: dict[str, Any] = {}
    for path, value in attributes_in(body, kind):
        if path.lower() in ("schemas", "meta"):
            continue
        kept = (
            [item for item in value if not marked_delete(item)]
            if isinstance(value, list)
            else value
        )
        extension_name = strip_prefix(path, ENTERPRISE_SCHEMA_V2)
        if extension_name is not None:
            extension[extension_name] = value_in(extension_name, kept)
        elif path.lower() == ENTERPRISE_SCHEMA_V2.lower() and isinstance(value, dict):
            # A 2.0 client's nested extension object, sent to the 1.1 endpoint.
            extension.update({name: value_in(name, item) for name, item in value.items()})
        else:
            document[path] = value_in(path, kept)
    if extension:
        document["schemas"].append(ENTERPRISE_SCHEMA_V2)
        document[ENTERPRISE_SCHEMA_V2] = extension
    return document


def _manager_out(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    manager = {}
    for key, item in value.items():
        if key == MANAGER_ID_V2:
            manager[MANAGER_ID_V1] = item
        elif key != "$ref":
            manager[key] = item
    return manager


def _value_out(name: str, value: Any) -> Any:
    """One attribute's value in 1.1 terms: `$ref`s dropped (1.1 has none)."""
    if name == MANAGER:
        return _manager_out(value)
    if isinstance(value, list):
        return [
            {key: item for key, item in entry.items() if key != "$ref"}
            if isinstance(entry, dict)
            else entry
            for entry in value
        ]
    return value


def resource_out(document: dict[str, Any]) -> dict[str, Any]:
    """A 2.0 User or Group as rendered by the core, in the 1.1 core schema.

    `meta` loses `resourceType` (a 2.0 addition); the enterprise extension moves to its
    1.1 URN; `$ref`s disappear; the manager's `value` is `managerId` again.
    """
    result: dict[str, Any] = {"schemas": [CORE_SCHEMA]}
    for key, value in document.items():
        if key == "schemas":
            continue
        if key == "meta" and isinstance(value, dict):
            result["meta"] = {name: item for name, item in value.items() if name != "resourceType"}
        elif key == ENTERPRISE_SCHEMA_V2 and isinstance(value, dict):
            result["schemas"].append(ENTERPRISE_SCHEMA)
            result[ENTERPRISE_SCHEMA] = {
                name: _value_out(name, item) for name, item in value.items()
            }
        else:
            result[key] = _value_out(key, value)
    return result
