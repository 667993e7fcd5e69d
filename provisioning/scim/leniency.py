"""The IdP leniency layer: request bodies reshaped into valid SCIM before validation.

Identity providers send shapes RFC 7643/7644 do not allow but every server must accept
(../shared/reference/idp-behaviour.md). Each function here takes the parsed JSON body and
returns a new one that scim2-models validates; what a server must ignore (read-only and
unknown attributes) is dropped here or by the lenient policy in `schema.LENIENT_POLICY`.
Booleans sent as "True"/"False" and PATCH `op` in any case are accepted by scim2-models.
SCIM 1.1 PATCH semantics (a partial resource, `meta.attributes`, values marked
`"operation": "delete"`) are not restated here: they are `provisioning.scim.v1.patch`'s, the
same code the /v1 endpoint uses.
"""

from __future__ import annotations

import logging
from functools import cache
from typing import Any

from scim2_models import Attribute, Resource

from .errors import ScimError, ScimType
from .schema import ENTERPRISE_SCHEMA, GROUP_SCHEMA, PATCH_SCHEMA, USER_SCHEMA, Locator
from .v1.names import Kind
from .v1.patch import patch_in, split_marked
from .v1.resources import marked_delete, without_operation
from .values import check_values

logger = logging.getLogger("scimbridge.scim")

# Attributes a client cannot write; sent anyway (Okta sends `id` and `groups: []`), they are
# ignored rather than refused.
_READ_ONLY = {
    USER_SCHEMA: {"id", "meta", "groups"},
    GROUP_SCHEMA: {"id", "meta"},
}


@cache
def _attributes(schema_id: str) -> dict[str, Attribute]:
    """The attributes a schema declares, by lower-cased name."""
    from .schema import EnterpriseUser, Group, User

    model = {USER_SCHEMA: User, ENTERPRISE_SCHEMA: EnterpriseUser, GROUP_SCHEMA: Group}[schema_id]
    return {attribute.name.lower(): attribute for attribute in model.to_schema().attributes}


def _schemas_of(model: type[Resource[Any]]) -> tuple[str, list[str]]:
    """The base schema of a resource model and the schemas of its extensions."""
    return str(model.__schema__), list(model.get_extension_models())


def _require_object(body: Any, what: str) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise ScimError(400, f"The {what} must be a JSON object.", ScimType.INVALID_SYNTAX)
    return body


def normalise_resource(
    body: Any, model: type[Resource[Any]], *, locator: Locator
) -> dict[str, Any]:
    """Reshape a POST or PUT body for `model` (UserResource or GroupResource)."""
    body = _require_object(body, "request body")
    check_values(body)
    base, extensions = _schemas_of(model)
    result: dict[str, Any] = {}
    nested: dict[str, dict[str, Any]] = {}
    for key, value in body.items():
        if not isinstance(key, str):
            continue
        lowered = key.lower()
        if lowered == "schemas":
            continue
        extension = _matching_schema(lowered, extensions)
        if extension and lowered == extension.lower():
            if isinstance(value, dict):
                nested.setdefault(extension, {}).update(value)
            continue
        if extension:
            # A flat "urn:...:User:employeeNumber" key: an attribute of the extension.
            nested.setdefault(extension, {})[key[len(extension) + 1 :]] = value
            continue
        name = key[len(base) + 1 :] if lowered.startswith(base.lower() + ":") else key
        if name.lower() in _READ_ONLY.get(base, set()):
            continue
        result[_canonical_key(base, name)] = _normalise_attribute(base, name, value, locator)
    for extension, values in nested.items():
        result[extension] = {
            _canonical_key(extension, key): _normalise_attribute(extension, key, value, locator)
            for key, value in values.items()
        }
    result["schemas"] = [base, *[urn for urn in extensions if urn in result]]
    return result


def _matching_schema(lowered_key: str, schemas: list[str]) -> str | None:
    for urn in schemas:
        if lowered_key == urn.lower() or lowered_key.startswith(urn.lower() + ":"):
            return urn
    return None


def _normalise_attribute(schema_id: str, key: str, value: Any, locator: Locator) -> Any:
    """Reshape one attribute's value: lists for multi-valued ones, the manager as an object."""
    attribute = _attributes(schema_id).get(key.split(".", 1)[0].lower())
    if attribute is None or "." in key:
        return value
    value = _canonical_sub_keys(attribute, value)
    if attribute.name == "manager" and schema_id == ENTERPRISE_SCHEMA:
        return normalise_manager(value, locator)
    if attribute.multi_valued and isinstance(value, dict):
        # OneLogin templates send `"emails": {...}`: one value, not a list.
        value = [value]
    if attribute.multi_valued and isinstance(value, list):
        value = [without_operation(item) for item in value]
        if attribute.name == "members" and schema_id == GROUP_SCHEMA:
            value = [_member_with_value(item) for item in value]
    return value


def _id_from_ref(ref: Any) -> str | None:
    """The id a resource's `$ref` ends with (`.../Users/<id>`), or None."""
    if not isinstance(ref, str) or not ref.strip("/"):
        return None
    return ref.rstrip("/").rsplit("/", 1)[-1]


def _member_with_value(member: Any) -> Any:
    """A member sent by `$ref` only gets its `value` from it (RFC 7643 §4.2 requires neither)."""
    if isinstance(member, dict) and not member.get("value"):
        member_id = _id_from_ref(member.get("$ref"))
        if member_id:
            return {**member, "value": member_id}
    return member


def _canonical_key(schema_id: str, key: str) -> str:
    """`key` spelt as the schema spells it (RFC 7643 section 2.1: names are case-insensitive)."""
    attribute = _attributes(schema_id).get(key.lower())
    return attribute.name if attribute is not None else key


def _canonical_sub_keys(attribute: Attribute, value: Any) -> Any:
    """A complex value's keys spelt as the schema spells its sub-attributes.

    scim2-models matches sub-attribute names case-sensitively, and the leniency rules below
    look for `value`; Microsoft's reference tests send `"Manager": {"Value": ...}`.
    """
    names = {sub.name.lower(): sub.name for sub in attribute.sub_attributes or []}
    if not names:
        return value

    def canonical(item: Any) -> Any:
        if not isinstance(item, dict):
            return item
        return {
            names.get(key.lower(), key) if isinstance(key, str) else key: sub
            for key, sub in item.items()
        }

    if isinstance(value, list):
        return [canonical(item) for item in value]
    return canonical(value)


def normalise_manager(value: Any, locator: Locator) -> Any:
    """The enterprise `manager` as an object with `value` and `$ref`, or None for no manager.

    scim2-models requires both, RFC 7643 section 4.3 only recommends them: the one sent
    gives the other. Entra sends the manager's id as a bare string, OneLogin as `managerId`;
    a manager with no id at all (`{}`, `""`, only a `displayName`) names nobody.
    """
    if isinstance(value, str):
        value = {"value": value}
    if not isinstance(value, dict):
        return value
    manager: dict[str, Any] = {}
    for key, item in value.items():
        lowered = key.lower() if isinstance(key, str) else key
        if lowered in ("value", "managerid"):
            manager["value"] = item
        elif lowered == "$ref":
            manager["$ref"] = item
        elif lowered != "displayname":
            manager[key] = item
    manager_id, ref = manager.get("value"), manager.get("$ref")
    if not manager_id and _id_from_ref(ref):
        manager_id = manager["value"] = _id_from_ref(ref)
    if manager_id in (None, "") and not ref:
        return None
    if isinstance(manager_id, str) and manager_id and not ref:
        manager["$ref"] = locator.user(manager_id)
    return manager


def normalise_patch(body: Any, model: type[Resource[Any]], *, locator: Locator) -> dict[str, Any]:
    """Reshape a PATCH body: SCIM 1.1 bodies become PatchOp, operations get cleaned up."""
    body = _require_object(body, "request body")
    check_values(body)
    operations = next((value for key, value in body.items() if key.lower() == "operations"), None)
    base, _ = _schemas_of(model)
    if operations is None and _looks_like_scim11_patch(body):
        # Okta's 1.1-era connectors send /v2 the body of a 1.1 PATCH: the 1.1 rules apply.
        kind = Kind.USER if base == USER_SCHEMA else Kind.GROUP
        translated = patch_in(body, kind, pathless_member_add=True)
        operations = translated["Operations"] if translated else []
    if operations is None:
        raise ScimError(
            400,
            "A PATCH body needs an 'Operations' list (RFC 7644 section 3.5.2).",
            ScimType.INVALID_SYNTAX,
        )
    if not isinstance(operations, list):
        raise ScimError(400, "'Operations' must be a list.", ScimType.INVALID_SYNTAX)
    cleaned: list[dict[str, Any]] = []
    for operation in operations:
        cleaned.extend(_normalise_operation(_require_object(operation, "operation"), base, locator))
    if operations and not cleaned:
        # Every operation targeted read-only attributes: nothing to do, and nothing wrong.
        return {"schemas": [PATCH_SCHEMA], "Operations": []}
    return {"schemas": [PATCH_SCHEMA], "Operations": cleaned}


def _looks_like_scim11_patch(body: dict[str, Any]) -> bool:
    schemas = body.get("schemas") or []
    if isinstance(schemas, list) and PATCH_SCHEMA in schemas:
        return False
    return any(key.lower() not in {"schemas", "id"} for key in body)


def _normalise_operation(
    operation: dict[str, Any], base: str, locator: Locator
) -> list[dict[str, Any]]:
    """Clean one operation; it may vanish (read-only target) or split (1.1 member deletes)."""
    fields = {key.lower(): value for key, value in operation.items()}
    path = fields.get("path")
    if isinstance(path, str):
        path = path.strip() or None
    result: dict[str, Any] = {"op": fields.get("op")}
    if path is not None:
        result["path"] = path
    if "value" in fields:
        result["value"] = fields["value"]
    if isinstance(path, str) and _root_attribute(path, base) in _READ_ONLY.get(base, set()):
        logger.debug("Ignoring a PATCH operation on read-only %r", path)
        return []
    return [
        part
        for whole in _split_filtered_keys(result)
        for part in _split_member_deletes(whole)
        if "value" not in part or _normalise_value(part, base, locator)
    ]


def _split_filtered_keys(operation: dict[str, Any]) -> list[dict[str, Any]]:
    """A path-less add/replace's keys with a value filter become operations with that path.

    Entra (`aadOptscim062020`) sends `{"emails[type eq \"work\"].value": "x"}` inside the
    value map; as a key it would be an unknown attribute and silently dropped.
    """
    value = operation.get("value")
    if "path" in operation or not isinstance(value, dict):
        return [operation]
    filtered = {key: item for key, item in value.items() if isinstance(key, str) and "[" in key}
    if not filtered:
        return [operation]
    rest = {key: item for key, item in value.items() if key not in filtered}
    parts = [{"op": operation["op"], "value": rest}] if rest else []
    parts.extend(
        {"op": operation["op"], "path": key, "value": item} for key, item in filtered.items()
    )
    return parts


def _normalise_value(operation: dict[str, Any], base: str, locator: Locator) -> bool:
    """Normalise an operation's value in place; False when nothing is left to write."""
    path, value = operation.get("path"), operation["value"]
    if path is None and isinstance(value, dict):
        value = normalise_resource(value, _model_for(base), locator=locator)
        value.pop("schemas", None)
        operation["value"] = value
        return bool(value)
    if isinstance(path, str):
        operation["value"] = _normalise_path_value(path, value, base, locator)
    return True


def _model_for(schema_id: str) -> type[Resource[Any]]:
    from .schema import GroupResource, UserResource

    return UserResource if schema_id == USER_SCHEMA else GroupResource


def _root_attribute(path: str, base: str) -> str:
    """The lower-cased top-level attribute a path names, core-schema prefix removed."""
    lowered = path.lower()
    if lowered.startswith(base.lower() + ":"):
        lowered = lowered[len(base) + 1 :]
    for separator in ("[", "."):
        lowered = lowered.split(separator, 1)[0]
    return lowered.strip()


def _normalise_path_value(path: str, value: Any, base: str, locator: Locator) -> Any:
    lowered = path.lower()
    if lowered.startswith(ENTERPRISE_SCHEMA.lower() + ":"):
        attribute = lowered[len(ENTERPRISE_SCHEMA) + 1 :]
        if attribute == "manager":
            manager = _attributes(ENTERPRISE_SCHEMA)["manager"]
            return normalise_manager(_canonical_sub_keys(manager, value), locator)
        return value
    if "[" in path or "." in _root_path(path, base):
        return value
    return _normalise_attribute(base, _root_path(path, base), value, locator)


def _root_path(path: str, base: str) -> str:
    return path[len(base) + 1 :] if path.lower().startswith(base.lower() + ":") else path


def _split_member_deletes(operation: dict[str, Any]) -> list[dict[str, Any]]:
    """Members marked `"operation": "delete"` inside an add/replace become a remove.

    That is how SCIM 1.1 clients (Okta's agent) remove members; the rest is still added. The
    marker is read by the 1.1 PATCH code (`split_marked`), as on /v1.
    """
    value = operation.get("value")
    path = operation.get("path")
    if isinstance(path, str) and path.lower() == "members":
        members = value
    elif path is None and isinstance(value, dict):
        members = next((item for key, item in value.items() if key.lower() == "members"), None)
    else:
        return [operation]
    if not isinstance(members, list):
        return [operation]
    if not any(marked_delete(item) for item in members):
        return [operation]
    removed, kept = split_marked(members)
    operations = [{"op": "remove", "path": "members", "value": removed}]
    if path is not None:
        if kept:
            operations.append({**operation, "value": kept})
        return operations
    rest = {key: item for key, item in value.items() if key.lower() != "members"}
    if kept:
        rest["members"] = kept
    if rest:
        operations.append({**operation, "value": rest})
    return operations

