"""The writes of one batch of Jira users: compared with their rows, new ones inserted, changed
ones locked and updated."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from django.db.models import Q
from django.db.models.functions import Lower

from provisioning.list_cache import users_changed
from provisioning.models import Origin, ScimUser, ScimUserValue
from provisioning.scim import mapping

from .batching import insert_each_on_conflict, insert_rows
from .jira_rows import JiraUserFacts, UnmappableUser, new_user_fields, primary_email, with_email
from .runs import RunContext

# What sync may change on an existing row.
UPDATED_FIELDS = [
    "user_name",
    "display_name",
    "active",
    "resource",
    "jira_user_key",
    "origin",
    "version",
    "last_modified",
    "jira_confirmed_at",
]
# The columns of a new row (every other one takes its default), in the order of `_NewUser.row`.
INSERTED_FIELDS = [
    "id",
    "directory",
    "user_name",
    "display_name",
    "active",
    "resource",
    "jira_user_key",
    "origin",
    "version",
    "created",
    "last_modified",
    "jira_confirmed_at",
]
VALUE_FIELDS = ["user", "attribute", "position", "value", "type", "primary", "data"]


class _Stored(NamedTuple):
    """What the batch's read holds of a row: enough to tell whether Jira changed it."""

    pk: uuid.UUID
    jira_user_key: str | None
    user_name: str
    display_name: str | None
    active: bool | None
    resource: dict[str, Any] | None


@dataclass(frozen=True)
class _NewUser:
    """A Jira user to insert: its new row id and the fields the mapping built."""

    id: uuid.UUID
    facts: JiraUserFacts
    fields: mapping.UserFields

    def row(self, directory_id: Any, now: datetime) -> tuple[Any, ...]:
        """The values of `INSERTED_FIELDS`."""
        fields = self.fields
        return (
            self.id,
            directory_id,
            fields.user_name,
            fields.display_name,
            fields.active,
            fields.resource,
            self.facts.key,
            Origin.SYNC,
            1,
            now,
            now,
            now,
        )


@dataclass
class Writes:
    """What one batch writes, decided row by row (rows to change while they are locked)."""

    to_create: list[_NewUser] = field(default_factory=list)
    to_update: list[ScimUser] = field(default_factory=list)
    values_changed: list[ScimUser] = field(default_factory=list)


def _stored_rows(directory: Any, batch: list[JiraUserFacts]) -> list[_Stored]:
    """The directory's rows these Jira users may map to (by Jira key or userName), unlocked.

    By key first, then by name only for the users no key found: after the first run that
    is nobody, and one lookup by 500 keys costs a third of one by 500 keys or 500 names.
    """
    rows = ScimUser.objects.filter(directory=directory)
    found = [
        _Stored(*values)
        for values in rows.filter(jira_user_key__in=[facts.key for facts in batch]).values_list(
            *_Stored._fields
        )
    ]
    keys = {row.jira_user_key for row in found}
    names = [facts.name.lower() for facts in batch if facts.key not in keys]
    if names:
        found.extend(
            _Stored(*values)
            for values in rows.annotate(name_lower=Lower("user_name"))
            .filter(name_lower__in=names)
            .values_list(*_Stored._fields)
        )
    return found


def triage(
    ctx: RunContext, directory: Any, batch: list[JiraUserFacts], writes: Writes
) -> list[JiraUserFacts]:
    """Queue new users in ``writes``; return the users whose rows are to be changed."""
    rows = _stored_rows(directory, batch)
    by_key = {row.jira_user_key: row for row in rows if row.jira_user_key}
    names = {row.user_name.lower() for row in rows}
    pending: dict[str, _NewUser] = {}
    to_lock = []
    for facts in batch:
        row = by_key.get(facts.key)
        if row is not None:
            if _differences(row, facts):
                to_lock.append(facts)
            continue
        name = facts.name.lower()
        if name in names:
            to_lock.append(facts)  # a row to link, or a clash the locked pass reports
            continue
        if name in pending:
            # A Jira user and a new row whose names differ only in case cannot both land.
            _report_clash(ctx, facts, pending[name].id, pending[name].facts.key)
            continue
        new = _new_user(ctx, facts)
        if new is not None:
            pending[name] = new
            writes.to_create.append(new)
    return to_lock


def _report_clash(ctx: RunContext, facts: JiraUserFacts, row_id: Any, key: str) -> None:
    ctx.error(
        "user",
        facts.name,
        f"SCIM user {row_id} has this userName but is linked to Jira user {key}; left as it is.",
    )


def _locked_rows(directory: Any, batch: list[JiraUserFacts]) -> list[ScimUser]:
    """The directory's rows these Jira users may map to (by Jira key or userName), locked."""
    keys = [facts.key for facts in batch]
    names = [facts.name.lower() for facts in batch]
    return list(
        ScimUser.objects.select_for_update()
        .filter(directory=directory)
        .annotate(name_lower=Lower("user_name"))
        .filter(Q(jira_user_key__in=keys) | Q(name_lower__in=names))
    )


def plan_locked(
    ctx: RunContext, directory: Any, batch: list[JiraUserFacts], now: datetime, writes: Writes
) -> None:
    """Match each Jira user with its locked row (by key, else by name) and decide the write."""
    rows = _locked_rows(directory, batch)
    by_key = {row.jira_user_key: row for row in rows if row.jira_user_key}
    by_name: dict[str, ScimUser | _NewUser] = {row.user_name.lower(): row for row in rows}
    for facts in batch:
        row = by_key.get(facts.key)
        linked = False
        if row is None:
            found = by_name.get(facts.name.lower())
            if isinstance(found, _NewUser):
                _report_clash(ctx, facts, found.id, found.facts.key)
                continue
            if found is not None and found.jira_user_key and found.jira_user_key != facts.key:
                _report_clash(ctx, facts, found.id, found.jira_user_key)
                continue
            if found is not None:
                row = found
                row.jira_user_key = facts.key
                # The Jira user existed before: linking it does not make it SCIM's to delete.
                row.origin = Origin.SYNC
                linked = True
        if row is None:
            # Its row went since the batch's first read (a SCIM delete): a new one.
            new = _new_user(ctx, facts)
            if new is not None:
                by_name[facts.name.lower()] = new
                writes.to_create.append(new)
            continue
        _plan_update(ctx, writes, row, facts, linked=linked, now=now)


def _new_user(ctx: RunContext, facts: JiraUserFacts) -> _NewUser | None:
    """A new row's id and fields for a Jira user; None (recorded) if unmappable."""
    try:
        fields = new_user_fields(facts)
    except UnmappableUser as exc:
        ctx.error("user", facts.name, str(exc))
        return None
    return _NewUser(id=uuid.uuid4(), facts=facts, fields=fields)


def _plan_update(
    ctx: RunContext,
    writes: Writes,
    row: ScimUser,
    facts: JiraUserFacts,
    *,
    linked: bool,
    now: datetime,
) -> None:
    """Copy Jira's values onto a matched row; queue it when it was linked or changed."""
    changed_values = _apply_facts(row, facts)
    if linked or changed_values is not None:
        row.bump(confirmed=True, at=now)
        writes.to_update.append(row)
        ctx.count("users", "linked" if linked else "updated")
        if changed_values:
            writes.values_changed.append(row)


def _differences(row: ScimUser | _Stored, facts: JiraUserFacts) -> set[str]:
    """Where Jira differs from the row: ``user_name``, ``display_name``, ``active``, ``email``."""
    found = set()
    if row.user_name != facts.name:
        found.add("user_name")
    if row.display_name != facts.display_name and facts.display_name is not None:
        found.add("display_name")
    # A row the IdP never gave `active` (None) already reads as active; keep it so.
    if bool(row.active is not False) != facts.active:
        found.add("active")
    if primary_email(row.resource or {}) != facts.email:
        found.add("email")
    return found


def _apply_facts(row: ScimUser, facts: JiraUserFacts) -> bool | None:
    """Copy Jira's values onto the row; None if nothing changed, else whether e-mails did."""
    differences = _differences(row, facts)
    if not differences:
        return None
    if "user_name" in differences:
        row.user_name = facts.name
    if "display_name" in differences:
        row.display_name = facts.display_name
    if "active" in differences:
        row.active = facts.active
    if "email" in differences:
        row.resource = with_email(row.resource or {}, facts.email)
        return True
    return False


def create(ctx: RunContext, directory: Any, pending: list[_NewUser], now: datetime) -> None:
    """Insert the new rows and their value rows (set-based: COPY on PostgreSQL)."""
    if not pending:
        return
    by_id = {new.id: new for new in pending}

    def failed(row: tuple[Any, ...], exc: Exception) -> None:
        name = by_id[row[0]].fields.user_name
        ctx.error("user", name, f"Could not be added (a SCIM write raced it): {exc}")

    created = insert_each_on_conflict(
        ScimUser,
        INSERTED_FIELDS,
        [new.row(directory.pk, now) for new in pending],
        on_error=failed,
    )
    users_changed()  # what ScimUser.objects.bulk_create would tell the list cache
    ctx.count("users", "created", len(created))
    insert_rows(
        ScimUserValue,
        VALUE_FIELDS,
        (
            (row[0], v.attribute, v.position, v.value, v.type, v.primary, v.data)
            for row in created
            for v in by_id[row[0]].fields.values
        ),
    )


def replace_values(users: list[ScimUser]) -> None:
    """Rebuild the value rows of users whose document changed (as every SCIM write does)."""
    ScimUserValue.objects.filter(user__in=users).delete()
    insert_rows(
        ScimUserValue,
        VALUE_FIELDS,
        (
            (user.pk, v.attribute, v.position, v.value, v.type, v.primary, v.data)
            for user in users
            for v in mapping.value_rows(user.resource or {})
        ),
    )
