"""Resource ↔ storage: SCIM resources split into the SCIM tables' columns, JSON and rows,
and rebuilt from them for responses."""

from __future__ import annotations

import unicodedata
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from pydantic import ValidationError
from scim2_models import Context

from .errors import ScimError, ScimType, from_validation
from .limits import (
    DISPLAY_NAME_MAX_LENGTH,
    EXTERNAL_ID_MAX_LENGTH,
    GROUP_NAME_MAX_LENGTH,
    MAX_VALUES,
    USER_NAME_MAX_LENGTH,
    Limits,
)
from .schema import ENTERPRISE_SCHEMA, GROUP_SCHEMA, GroupResource, Locator, UserResource

# Multi-valued User attributes: kept whole in the user's JSON and, as rows, filterable in SQL.
USER_MULTI_VALUED = (
    "emails",
    "phoneNumbers",
    "ims",
    "photos",
    "addresses",
    "entitlements",
    "roles",
    "x509Certificates",
)
# User attributes with a column of their own (SCIM name → column).
USER_COLUMNS = {
    "userName": "user_name",
    "externalId": "external_id",
    "displayName": "display_name",
    "active": "active",
}
# Not stored in the JSON: assigned by the server, derived from other tables, or write-only.
_NOT_STORED = ("schemas", "id", "meta", "groups", "password")



class StoredResource(Protocol):
    """What a stored resource offers for rendering (a row of the SCIM tables, for one)."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def external_id(self) -> str | None: ...
    @property
    def created(self) -> datetime: ...
    @property
    def last_modified(self) -> datetime: ...
    @property
    def etag(self) -> str: ...


class StoredUser(StoredResource, Protocol):
    """A stored user: its columns (`USER_COLUMNS`) and the JSON of every other attribute."""

    @property
    def user_name(self) -> str: ...
    @property
    def display_name(self) -> str | None: ...
    @property
    def active(self) -> bool | None: ...
    @property
    def resource(self) -> dict[str, Any] | None: ...


class StoredGroup(StoredResource, Protocol):
    """A stored group: its displayName (members come separately, as `MemberRow`s)."""

    @property
    def display_name(self) -> str: ...


@dataclass(frozen=True)
class ValueRow:
    """One value of a multi-valued attribute, as stored in a ScimUserValue row."""

    attribute: str
    position: int
    value: str | None
    type: str | None
    primary: bool | None
    data: dict[str, Any]


@dataclass
class UserFields:
    """A User resource split into what the SCIM tables store."""

    user_name: str
    external_id: str | None
    display_name: str | None
    active: bool | None
    resource: dict[str, Any]
    values: list[ValueRow]
    # Write-only: handed to the Jira step, never stored.
    password: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class MemberRef:
    """A group member as a request names it."""

    value: uuid.UUID
    display: str | None = None


@dataclass
class GroupFields:
    """A Group resource split into what the SCIM tables store."""

    display_name: str
    external_id: str | None
    members: list[MemberRef] | None


@dataclass(frozen=True)
class GroupRef:
    """A group as it appears in a user's `groups`."""

    id: uuid.UUID
    display_name: str


@dataclass(frozen=True)
class MemberRow:
    """A member as it appears in a group's `members`."""

    user_id: uuid.UUID
    display: str | None


def jira_name(attribute: str, value: Any) -> str:
    """A name that becomes a Jira name (userName, group displayName), as Jira will hold it.

    Jira trims names, so an untrimmed name would be stored here as something Jira does not
    hold (the link breaks and orphans are left behind): it is trimmed here, the one place
    both dialects and POST, PUT and PATCH pass through. A control character left inside
    (tab, newline, NUL...) is refused with 400: Jira would keep it, IdPs never mean it.
    """
    if not isinstance(value, str) or not value.strip():
        raise ScimError(400, f"'{attribute}' must be a non-empty string.", ScimType.INVALID_VALUE)
    trimmed = value.strip()
    if any(unicodedata.category(character) == "Cc" for character in trimmed):
        raise ScimError(
            400,
            f"'{attribute}' {trimmed!r} contains a control character.",
            ScimType.INVALID_VALUE,
        )
    return trimmed


def _check_length(name: str, value: str | None, limit: int) -> None:
    if value is not None and len(value) > limit:
        raise ScimError(400, f"'{name}' is longer than {limit} characters.", ScimType.INVALID_VALUE)


def user_fields(resource: UserResource, *, max_values: int = MAX_VALUES) -> UserFields:
    """Split a validated User resource into columns, JSON and multi-valued rows.

    `max_values`: values allowed per multi-valued attribute (SCIM_MAX_ATTRIBUTE_VALUES), as
    a PATCH may add to what the user already holds.
    """
    document = resource.model_dump(scim_ctx=Context.DEFAULT)
    password = document.get("password")
    for key in _NOT_STORED:
        document.pop(key, None)
    columns = {column: document.pop(name, None) for name, column in USER_COLUMNS.items()}
    user_name = jira_name("userName", columns["user_name"])
    _check_length("userName", user_name, USER_NAME_MAX_LENGTH)
    _check_length("externalId", columns["external_id"], EXTERNAL_ID_MAX_LENGTH)
    _check_length("displayName", columns["display_name"], DISPLAY_NAME_MAX_LENGTH)
    limits = Limits(attribute_values=max_values)
    for attribute in USER_MULTI_VALUED:
        limits.check_values(attribute, len(document.get(attribute) or ()))
    enterprise = document.get(ENTERPRISE_SCHEMA)
    if isinstance(enterprise, dict) and isinstance(enterprise.get("manager"), dict):
        # The manager's $ref is derived from its id and this server's URL at render time.
        manager = {
            key: value
            for key, value in enterprise["manager"].items()
            if key not in {"$ref", "displayName"}
        }
        if manager:
            enterprise["manager"] = manager
        else:
            del enterprise["manager"]
        if not enterprise:
            del document[ENTERPRISE_SCHEMA]
    return UserFields(
        user_name=user_name,
        external_id=columns["external_id"],
        display_name=columns["display_name"],
        active=columns["active"],
        resource=document,
        values=list(value_rows(document)),
        password=password,
    )


def value_rows(document: dict[str, Any]) -> Iterable[ValueRow]:
    """The rows of the multi-valued attributes of a stored user document."""
    for attribute in USER_MULTI_VALUED:
        for position, entry in enumerate(document.get(attribute) or ()):
            if not isinstance(entry, dict):
                continue
            value = entry.get("value")
            kind = entry.get("type")
            primary = entry.get("primary")
            yield ValueRow(
                attribute=attribute,
                position=position,
                value=None if value is None else str(value),
                type=None if kind is None else str(kind),
                primary=primary if isinstance(primary, bool) else None,
                data=entry,
            )


def user_document(
    user: StoredUser, *, locator: Locator, groups: Sequence[GroupRef] | None = None
) -> dict[str, Any]:
    """The stored user as a SCIM JSON document (before projection)."""
    document: dict[str, Any] = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "id": str(user.id),
        "meta": _meta("User", locator.user(user.id), user.created, user.last_modified, user.etag),
        "userName": user.user_name,
    }
    for name, column in USER_COLUMNS.items():
        value = getattr(user, column)
        if value is not None and name != "userName":
            document[name] = value
    document.update(user.resource or {})
    enterprise = document.get(ENTERPRISE_SCHEMA)
    if isinstance(enterprise, dict):
        document["schemas"].append(ENTERPRISE_SCHEMA)
        manager = enterprise.get("manager")
        if isinstance(manager, dict) and manager.get("value"):
            enterprise = {
                **enterprise,
                "manager": {**manager, "$ref": locator.user(manager["value"])},
            }
            document[ENTERPRISE_SCHEMA] = enterprise
    if groups:
        document["groups"] = [
            {
                "value": str(group.id),
                "$ref": locator.group(group.id),
                "display": group.display_name,
                "type": "direct",
            }
            for group in groups
        ]
    return document


def user_resource(
    user: StoredUser, *, locator: Locator, groups: Sequence[GroupRef] | None = None
) -> UserResource:
    """The stored user as a User resource."""
    return UserResource.model_validate(user_document(user, locator=locator, groups=groups))


def group_fields(resource: GroupResource) -> GroupFields:
    """Split a validated Group resource into columns and member references."""
    display_name = jira_name("displayName", resource.display_name)
    _check_length("displayName", display_name, GROUP_NAME_MAX_LENGTH)
    _check_length("externalId", resource.external_id, EXTERNAL_ID_MAX_LENGTH)
    members = None
    if resource.members is not None:
        members = member_refs(
            [member.model_dump(scim_ctx=Context.DEFAULT) for member in resource.members]
        )
    return GroupFields(display_name=display_name, external_id=resource.external_id, members=members)


def member_refs(entries: Iterable[Any]) -> list[MemberRef]:
    """Member references from `members` values; only users can be members."""
    refs: dict[uuid.UUID, MemberRef] = {}
    for entry in entries:
        if not isinstance(entry, dict):
            raise ScimError(
                400, "A member must be an object with a 'value'.", ScimType.INVALID_VALUE
            )
        kind = entry.get("type")
        if isinstance(kind, str) and kind.lower() != "user":
            raise ScimError(
                400,
                f"Member {entry.get('value')!r} has type {kind!r}: only users can be group "
                "members (Jira groups cannot contain groups).",
                ScimType.INVALID_VALUE,
            )
        member_id = parse_id(entry.get("value"))
        if member_id is None:
            raise ScimError(
                400,
                f"Member value {entry.get('value')!r} is not the id of a user of this directory.",
                ScimType.INVALID_VALUE,
            )
        display = entry.get("display")
        refs[member_id] = MemberRef(member_id, display if isinstance(display, str) else None)
    return list(refs.values())


def parse_id(value: Any) -> uuid.UUID | None:
    """The UUID a resource id string names, or None when it names none of ours."""
    if not isinstance(value, str):
        return None
    try:
        parsed = uuid.UUID(value)
    except ValueError:
        return None
    # Ids are case-exact (RFC 7643 section 3.1): only the form we hand out names a resource.
    return parsed if str(parsed) == value else None


def group_document(
    group: StoredGroup, *, locator: Locator, members: Sequence[MemberRow] | None = None
) -> dict[str, Any]:
    """The stored group as a SCIM JSON document (before projection)."""
    document: dict[str, Any] = {
        "schemas": [GROUP_SCHEMA],
        "id": str(group.id),
        "meta": _meta(
            "Group", locator.group(group.id), group.created, group.last_modified, group.etag
        ),
        "displayName": group.display_name,
    }
    if group.external_id is not None:
        document["externalId"] = group.external_id
    if members:
        document["members"] = [
            {
                "value": str(member.user_id),
                "$ref": locator.user(member.user_id),
                "type": "User",
                **({"display": member.display} if member.display is not None else {}),
            }
            for member in members
        ]
    return document


def group_resource(
    group: StoredGroup, *, locator: Locator, members: Sequence[MemberRow] | None = None
) -> GroupResource:
    """The stored group as a Group resource."""
    return GroupResource.model_validate(group_document(group, locator=locator, members=members))


def _meta(
    resource_type: str, location: str, created: datetime, modified: datetime, etag: str
) -> dict[str, Any]:
    return {
        "resourceType": resource_type,
        "created": _timestamp(created),
        "lastModified": _timestamp(modified),
        "location": location,
        "version": etag,
    }


def _timestamp(value: datetime) -> str:
    # As scim2-models writes it: ISO 8601 with "Z" for UTC (the tables hold UTC).
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def validate_user(document: dict[str, Any], context: Context) -> UserResource:
    """Validate a (normalised) User body in a request context."""
    from .schema import LENIENT_POLICY

    try:
        return UserResource.model_validate(document, scim_ctx=context, scim_policy=LENIENT_POLICY)
    except ValidationError as exc:
        raise from_validation(exc, what="User") from exc


def validate_group(document: dict[str, Any], context: Context) -> GroupResource:
    """Validate a (normalised) Group body in a request context."""
    from .schema import LENIENT_POLICY

    try:
        return GroupResource.model_validate(document, scim_ctx=context, scim_policy=LENIENT_POLICY)
    except ValidationError as exc:
        raise from_validation(exc, what="Group") from exc
