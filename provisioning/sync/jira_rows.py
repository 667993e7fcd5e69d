"""What the SCIM tables hold for a Jira user or group: row values built through the mapping."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils.dateparse import parse_datetime
from pydantic import ValidationError
from pydantic.networks import validate_email
from pydantic_core import PydanticCustomError

from provisioning.scim import mapping
from provisioning.scim.errors import ScimError
from provisioning.scim.limits import DISPLAY_NAME_MAX_LENGTH, USER_NAME_MAX_LENGTH
from provisioning.scim.schema import USER_SCHEMA, UserResource


class UnmappableUser(Exception):  # noqa: N818 - reads as a state
    """The Jira user cannot be represented as a SCIM User (e.g. a name over 255 characters)."""


@dataclass(frozen=True)
class JiraUserFacts:
    """The attributes sync takes from a Jira user bean."""

    key: str
    name: str
    display_name: str | None
    email: str | None
    active: bool
    # Present only when Jira exposes it (11.3+): (True, when-or-None); else (False, None).
    has_last_login: bool
    last_login: datetime | None

    @classmethod
    def from_bean(cls, bean: dict[str, Any]) -> JiraUserFacts:
        """Read a user bean of user/search, user/list or group/member."""
        has_last_login = "lastLoginTime" in bean
        raw_login = bean.get("lastLoginTime")
        return cls(
            key=str(bean["key"]),
            name=str(bean["name"]),
            display_name=bean.get("displayName") or None,
            email=bean.get("emailAddress") or None,
            active=bean.get("active", True) is not False,
            has_last_login=has_last_login,
            last_login=parse_jira_time(raw_login) if isinstance(raw_login, str) else None,
        )


def parse_jira_time(value: str) -> datetime | None:
    """Jira's ``2024-05-01T10:00:00.000+0000`` (or ISO 8601) as an aware datetime."""
    text = value.strip()
    # Jira writes the offset without a colon, which Django's parser does not accept.
    if len(text) > 5 and text[-5] in "+-" and text[-4:].isdigit():
        text = f"{text[:-2]}:{text[-2:]}"
    try:
        return parse_datetime(text)
    except ValueError:
        return None


def new_user_fields(facts: JiraUserFacts) -> mapping.UserFields:
    """Columns, JSON and value rows of a new SCIM user, exactly as a SCIM create stores them.

    A plain Jira user (a trimmed name without control characters, lengths within the
    limits, a string display name) is built directly, in the shape the validated path
    stores (tests/provisioning/sync/test_jira_rows.py holds the two to byte equality):
    validating each user through the SCIM model was about 40% of a first sync. The e-mail
    goes through the validator the model's `EmailStr` uses, so it is normalized and refused
    alike. Anything else takes the validated path, which also words the errors.
    """
    fields = _plain_user_fields(facts)
    return fields if fields is not None else validated_user_fields(facts)


def validated_user_fields(facts: JiraUserFacts) -> mapping.UserFields:
    """`new_user_fields` through the SCIM User model's validation, as a SCIM create does."""
    document: dict[str, Any] = {
        "schemas": [USER_SCHEMA],
        "userName": facts.name,
        "active": facts.active,
    }
    if facts.display_name:
        document["displayName"] = facts.display_name
    if facts.email:
        document["emails"] = [{"value": facts.email, "type": "work", "primary": True}]
    try:
        return mapping.user_fields(UserResource.model_validate(document))
    except (ScimError, ValidationError) as exc:
        raise UnmappableUser(str(getattr(exc, "detail", exc))) from exc


def _plain_user_fields(facts: JiraUserFacts) -> mapping.UserFields | None:
    """The fields of a plain Jira user built without the model; None if it is not plain."""
    name, display_name = facts.name, facts.display_name
    if not isinstance(name, str) or len(name) > USER_NAME_MAX_LENGTH:
        return None
    try:
        if mapping.jira_name("userName", name) != name:
            return None  # trimmed: the validated path says how
    except ScimError:
        return None
    if display_name is not None and (
        not isinstance(display_name, str) or len(display_name) > DISPLAY_NAME_MAX_LENGTH
    ):
        return None
    resource: dict[str, Any] = {}
    if facts.email:
        try:
            email = validate_email(facts.email)[1]
        except PydanticCustomError:
            return None
        resource["emails"] = [{"value": email, "type": "work", "primary": True}]
    return mapping.UserFields(
        user_name=name,
        external_id=None,
        display_name=display_name or None,
        active=facts.active,
        resource=resource,
        values=list(mapping.value_rows(resource)),
    )


def primary_email(resource: dict[str, Any]) -> str | None:
    """The e-mail a stored user document shows first: the primary one, else the first."""
    emails = [e for e in resource.get("emails") or () if isinstance(e, dict)]
    for entry in emails:
        if entry.get("primary") is True:
            return entry.get("value")
    return emails[0].get("value") if emails else None


def with_email(resource: dict[str, Any], email: str | None) -> dict[str, Any]:
    """The stored document with Jira's e-mail as its primary e-mail (others kept as written)."""
    document = copy.deepcopy(resource)
    emails = [e for e in document.get("emails") or () if isinstance(e, dict)]
    if email is None:
        # Jira holds one e-mail: without it the primary (or only) one is gone.
        kept = [e for e in emails if e is not _primary_entry(emails)]
        if kept:
            document["emails"] = kept
        else:
            document.pop("emails", None)
        return document
    entry = _primary_entry(emails)
    if entry is None:
        document["emails"] = [{"value": email, "type": "work", "primary": True}, *emails]
    else:
        entry["value"] = email
    return document


def _primary_entry(emails: list[dict[str, Any]]) -> dict[str, Any] | None:
    for entry in emails:
        if entry.get("primary") is True:
            return entry
    return emails[0] if emails else None
