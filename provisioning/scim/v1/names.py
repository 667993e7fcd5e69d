"""SCIM 1.1 schema URNs and attribute names, and their SCIM 2.0 counterparts."""

from __future__ import annotations

from enum import StrEnum

from provisioning.scim.mapping import USER_MULTI_VALUED
from provisioning.scim.schema import ENTERPRISE_SCHEMA as ENTERPRISE_SCHEMA_V2
from provisioning.scim.schema import GROUP_SCHEMA as GROUP_SCHEMA_V2
from provisioning.scim.schema import USER_SCHEMA as USER_SCHEMA_V2

# SCIM 1.1 has one core schema for every resource, and the enterprise extension beside it.
CORE_SCHEMA = "urn:scim:schemas:core:1.0"
ENTERPRISE_SCHEMA = "urn:scim:schemas:extension:enterprise:1.0"


class Kind(StrEnum):
    """The resource types of the 1.1 API (their names match the 2.0 resource types)."""

    USER = "User"
    GROUP = "Group"


# 2.0 base schema of each kind.
BASE_SCHEMA_V2 = {Kind.USER: USER_SCHEMA_V2, Kind.GROUP: GROUP_SCHEMA_V2}
# Multi-valued attributes a client writes, by lower-cased name (`groups` is read-only).
MULTI_VALUED = {
    Kind.USER: {name.lower(): name for name in USER_MULTI_VALUED},
    Kind.GROUP: {"members": "members"},
}
# Attributes a client never writes; IdPs send them anyway (Okta sends `id` in PATCH bodies).
READ_ONLY = {
    Kind.USER: {"id", "meta", "schemas", "groups"},
    Kind.GROUP: {"id", "meta", "schemas"},
}
# 1.1 names the manager's id `managerId`; 2.0 names it `value`.
MANAGER = "manager"
MANAGER_ID_V1 = "managerId"
MANAGER_ID_V2 = "value"


def strip_prefix(name: str, urn: str) -> str | None:
    """The attribute after `urn:` or `urn.` (1.1 qualifies extension attributes with a dot)."""
    lowered = name.lower()
    for separator in (":", "."):
        if lowered.startswith(urn.lower() + separator):
            return name[len(urn) + 1 :]
    return None


def _manager_in(path: str) -> str:
    """`manager.managerId` → `manager.value`; any other path is unchanged."""
    attribute, dot, sub = path.partition(".")
    if dot and attribute.lower() == MANAGER and sub.lower() == MANAGER_ID_V1.lower():
        return f"{attribute}.{MANAGER_ID_V2}"
    return path


def attribute_to_v2(name: str) -> str:
    """A 1.1 attribute name (filter, sortBy, attributes, meta.attributes) in 2.0 notation.

    `urn:scim:schemas:core:1.0:userName` → `userName`;
    `urn:scim:schemas:extension:enterprise:1.0:manager.managerId` (or `...1.0.manager...`)
    → `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value`; the
    bare extension URN (to clear the whole extension) → the 2.0 one.
    Names already in 2.0 notation pass unchanged, for the core to accept or refuse.
    """
    name = name.strip()
    if name.lower() == ENTERPRISE_SCHEMA.lower():
        return ENTERPRISE_SCHEMA_V2
    core = strip_prefix(name, CORE_SCHEMA)
    if core is not None:
        return _manager_in(core)
    extension = strip_prefix(name, ENTERPRISE_SCHEMA)
    if extension is not None:
        return f"{ENTERPRISE_SCHEMA_V2}:{_manager_in(extension)}"
    return _manager_in(name)


def root_attribute(path: str) -> str:
    """The lower-cased top-level attribute of a 2.0 path (`name.givenName` → `name`)."""
    lowered = path.lower()
    for urn in (USER_SCHEMA_V2, GROUP_SCHEMA_V2, ENTERPRISE_SCHEMA_V2):
        if lowered.startswith(urn.lower() + ":"):
            lowered = lowered[len(urn) + 1 :]
            break
    return lowered.split(".", 1)[0].split("[", 1)[0].strip()
