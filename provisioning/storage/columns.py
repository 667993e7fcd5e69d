"""Where each SCIM attribute lives in the SCIM tables, for filters and sorting.

A filter or a sortBy names attributes; this module tells the translators whether an
attribute is a column, a string inside a JSON column, a constant, or a multi-valued
attribute stored as rows of another table (and where its sub-attributes live in them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from django.db import models
from scim2_models import AttributeBinding, BaseModel

from provisioning.models import ScimGroup, ScimMembership, ScimUser, ScimUserValue
from provisioning.scim.mapping import USER_MULTI_VALUED
from provisioning.scim.schema import ENTERPRISE_SCHEMA, GROUP_SCHEMA, USER_SCHEMA, split_binding

Kind = Literal["text", "bool", "datetime", "uuid", "binary"]


@dataclass(frozen=True)
class Column:
    """A column of the row (a `__` path may follow a foreign key)."""

    name: str
    kind: Kind = "text"


@dataclass(frozen=True)
class JsonText:
    """A string stored under `keys` in the JSON column `column`."""

    column: str
    keys: tuple[str, ...]
    kind: Kind = "text"

    @property
    def lookup(self) -> str:
        """The Django key-transform path, e.g. `resource__name__givenName`."""
        return "__".join((self.column, *self.keys))


@dataclass(frozen=True)
class ComplexJson:
    """A single-valued complex attribute in a JSON column, e.g. `name`."""

    parts: tuple[JsonText, ...]


@dataclass(frozen=True)
class Constant:
    """A value every resource (or row) has, e.g. `meta.resourceType`."""

    value: str


@dataclass(frozen=True)
class Unfilterable:
    """An attribute this server does not filter or sort on, and why."""

    reason: str


Location = Column | JsonText | ComplexJson | Constant | Unfilterable


@dataclass(frozen=True)
class Rows:
    """A multi-valued attribute stored as rows of `model`, linked by `link` to the resource."""

    model: type[models.Model]
    link: str
    where: dict[str, Any]
    subs: dict[str, Location]
    # Any other sub-attribute: a string in this JSON column of the row (None: unknown).
    json_column: str | None = None
    # How rows are ordered when "the first value" is meant (sorting without a primary).
    order: tuple[str, ...] = ("pk",)
    # A boolean column marking the primary value, if the attribute has one.
    primary: str | None = None

    def sub(self, name: str) -> Location:
        """Where a sub-attribute (SCIM name) lives inside a row."""
        location = self.subs.get(name.lower())
        if location is not None:
            return location
        if self.json_column is not None:
            return JsonText(self.json_column, (name,))
        return Unfilterable(f"'{name}' of this attribute cannot be filtered on")


@dataclass(frozen=True)
class ResourceStorage:
    """How one resource type is stored: its model, columns, JSON and multi-valued rows."""

    model: type[models.Model]
    schema: str
    columns: dict[str, Location]
    rows: dict[str, Rows] = field(default_factory=dict)
    # The JSON column holding every other attribute, keyed as the schema spells them.
    json_column: str | None = None
    extensions: tuple[str, ...] = ()

    def locate(self, binding: AttributeBinding) -> Location | Rows:
        """Where the attribute a binding designates is stored."""
        schema, attribute, sub = split_binding(binding)
        path = f"{attribute}.{sub}" if sub else attribute
        if schema == self.schema:
            location = self.columns.get(path.lower())
            if location is not None:
                return location
            rows = self.rows.get(attribute.lower())
            if rows is not None:
                return rows
        elif schema not in self.extensions:
            return Unfilterable(f"'{path}' is not stored by this server")
        if self.json_column is None:
            return Unfilterable(f"'{path}' cannot be filtered on")
        prefix = () if schema == self.schema else (schema,)
        if sub is None and _is_complex(binding):
            names = _sub_attribute_names(binding)
            return ComplexJson(
                tuple(JsonText(self.json_column, (*prefix, attribute, name)) for name in names)
            )
        keys = (*prefix, attribute) if sub is None else (*prefix, attribute, sub)
        return JsonText(self.json_column, keys)


def _is_complex(binding: AttributeBinding) -> bool:
    target = binding.target_type
    return isinstance(target, type) and issubclass(target, BaseModel)


def _sub_attribute_names(binding: AttributeBinding) -> list[str]:
    """The SCIM names of a complex attribute's sub-attributes, as stored in JSON."""
    target: Any = binding.target_type
    return [info.serialization_alias or name for name, info in target.model_fields.items()]


def _user_value_rows(attribute: str) -> Rows:
    return Rows(
        model=ScimUserValue,
        link="user",
        where={"attribute": attribute},
        subs={
            "value": Column("value", "binary" if attribute == "x509Certificates" else "text"),
            "type": Column("type"),
            "primary": Column("primary", "bool"),
        },
        json_column="data",
        order=("position",),
        primary="primary",
    )


_META = {
    "meta": Unfilterable("'meta' is complex; filter on 'meta.created' or 'meta.lastModified'"),
    "meta.created": Column("created", "datetime"),
    "meta.lastmodified": Column("last_modified", "datetime"),
    "meta.location": Unfilterable("'meta.location' cannot be filtered on; filter on 'id'"),
    "meta.version": Unfilterable("'meta.version' cannot be filtered on"),
    "schemas": Unfilterable("'schemas' cannot be filtered on"),
    "id": Column("id", "uuid"),
    "externalid": Column("external_id"),
}
_REF = Unfilterable("'$ref' cannot be filtered on; filter on 'value'")

USER_STORAGE = ResourceStorage(
    model=ScimUser,
    schema=USER_SCHEMA,
    columns={
        **_META,
        "meta.resourcetype": Constant("User"),
        "username": Column("user_name"),
        "displayname": Column("display_name"),
        "active": Column("active", "bool"),
        "password": Unfilterable("'password' is write-only and cannot be filtered on"),
    },
    rows={
        **{
            attribute.lower(): _user_value_rows(attribute)
            for attribute in USER_MULTI_VALUED
        },
        "groups": Rows(
            model=ScimMembership,
            link="user",
            where={},
            subs={
                "value": Column("group_id", "uuid"),
                "display": Column("group__display_name"),
                "type": Constant("direct"),
                "$ref": _REF,
            },
        ),
    },
    json_column="resource",
    extensions=(ENTERPRISE_SCHEMA,),
)

GROUP_STORAGE = ResourceStorage(
    model=ScimGroup,
    schema=GROUP_SCHEMA,
    columns={
        **_META,
        "meta.resourcetype": Constant("Group"),
        "displayname": Column("display_name"),
    },
    rows={
        "members": Rows(
            model=ScimMembership,
            link="group",
            where={},
            subs={
                "value": Column("user_id", "uuid"),
                "display": Column("display"),
                "type": Constant("User"),
                "$ref": _REF,
            },
        ),
    },
)
