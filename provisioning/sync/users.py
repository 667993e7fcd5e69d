"""The user pass of Sync Users & Groups: stream Jira's users, create, link and update rows."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from jiraclient import JiraClient, JiraNotFound
from jiraclient.paging import unique_by
from provisioning.list_cache import users_changed
from provisioning.models import Origin, ScimUser, ScimUserValue
from provisioning.scim import mapping

from .batching import chunks, insert_each_on_conflict, insert_rows
from .jira_rows import (
    JiraUserFacts,
    UnmappableUser,
    new_user_fields,
    primary_email,
    with_email,
)
from .models import ScimUserLastLogin
from .protection import ProtectedUsers
from .runs import RunContext


def iter_jira_users(
    client: JiraClient, *, extra_groups: Iterable[str] = (), scope: Iterable[str] = ()
) -> Iterator[JiraUserFacts]:
    """Every Jira user the site lists, by the version's rules; with `scope`, only its members.

    `scope` names the Jira groups the directory syncs (Directory.sync_groups): their members
    (nested ones included), each once. Protection is decided by the caller.
    """
    groups = list(scope)
    if groups:
        beans = unique_by(_members_of(client, groups))
    else:
        beans = client.iter_all_users(page_size=settings.SYNC_PAGE_SIZE, extra_groups=extra_groups)
    for bean in beans:
        if bean.get("key") is None or bean.get("name") is None:
            continue
        yield JiraUserFacts.from_bean(bean)


def _members_of(client: JiraClient, groups: list[str]) -> Iterator[dict[str, Any]]:
    for group in groups:
        try:
            yield from client.iter_group_members(group, page_size=settings.SYNC_PAGE_SIZE)
        except JiraNotFound:
            continue  # a scope group deleted in Jira: nobody to sync from it


def sync_users(
    ctx: RunContext,
    client: JiraClient,
    *,
    extra_groups: Iterable[str],
    protected: ProtectedUsers,
    scope: Iterable[str] = (),
) -> set[str]:
    """Map the listed Jira users into the directory's rows; returns the Jira keys seen.

    Protected users (`protected`) and users linked to another directory of the site are
    never mapped, and counted. The set of keys (about 70 bytes each) is what tells gone
    users apart afterwards; it is the only thing that grows with the site, everything else
    is one batch at a time.
    """
    directory = ctx.run.directory
    seen: set[str] = set()
    users = iter_jira_users(client, extra_groups=extra_groups, scope=scope)
    for batch in chunks(users, settings.SYNC_BATCH_SIZE):
        fresh = [facts for facts in batch if facts.key not in seen]
        seen.update(facts.key for facts in fresh)
        allowed = [f for f in fresh if not protected.protects(key=f.key, name=f.name)]
        # "seen" counts the users this directory may map; protected ones are counted apart.
        ctx.count("users", "seen", len(allowed))
        ctx.count("users", "protected", len(fresh) - len(allowed))
        elsewhere = _linked_elsewhere(directory, [facts.key for facts in allowed])
        mine = [facts for facts in allowed if facts.key not in elsewhere]
        ctx.count("users", "elsewhere", len(allowed) - len(mine))
        _write_batch(ctx, directory, mine)
        ctx.beat()
    return seen


def _linked_elsewhere(directory: Any, keys: list[str]) -> set[str]:
    """Which of these Jira keys another directory of the same site already maps."""
    if not keys:
        return set()
    return set(
        ScimUser.objects.filter(
            directory__jira_site_id=directory.jira_site_id, jira_user_key__in=keys
        )
        .exclude(directory=directory)
        .values_list("jira_user_key", flat=True)
    )


def unmap_protected_users(ctx: RunContext, protected: ProtectedUsers) -> None:
    """Drop synced rows whose Jira user is protected now (an older sync, a new admin).

    Only the rows go; Jira is not touched. Rows SCIM created stay (their IdP manages them;
    a protected name on the site's list still refuses every write to them).
    """
    rows = ScimUser.objects.filter(directory=ctx.run.directory, jira_user_key__isnull=False)
    doomed = [
        pk
        for pk, key, name in rows.exclude(origin=Origin.SCIM)
        .values_list("pk", "jira_user_key", "user_name")
        .iterator(chunk_size=2000)
        if protected.protects(key=key, name=name)
    ]
    for batch in chunks(doomed, 500):
        ScimUser.objects.filter(pk__in=batch).delete()
    ctx.count("users", "unmapped", len(doomed))


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
class _Writes:
    """What one batch writes, decided row by row (rows to change while they are locked)."""

    to_create: list[_NewUser] = field(default_factory=list)
    to_update: list[ScimUser] = field(default_factory=list)
    values_changed: list[ScimUser] = field(default_factory=list)


def _write_batch(ctx: RunContext, directory: Any, batch: list[JiraUserFacts]) -> None:
    """Compare the batch with its rows; create, link or update (locked) only what differs.

    One plain read of the few columns compared tells which users are unchanged (nothing is
    written for them: a run that changes nothing writes nothing), which have no row (they
    are inserted; the unique userName catches a SCIM create racing them) and which need
    their rows locked, read again and written in the batch's transaction.
    """
    if not batch:
        return
    now = timezone.now()
    writes = _Writes()
    to_lock = _triage(ctx, directory, batch, writes)
    if not to_lock and not writes.to_create and not any(f.has_last_login for f in batch):
        return
    with transaction.atomic():
        if to_lock:
            _plan_writes(ctx, directory, to_lock, now, writes)
        _create(ctx, directory, writes.to_create, now)
        if writes.to_update:
            ScimUser.objects.bulk_update(writes.to_update, UPDATED_FIELDS)
        if writes.values_changed:
            _replace_values(writes.values_changed)
        _record_last_login(batch, directory)


def _stored_rows(directory: Any, batch: list[JiraUserFacts]) -> list[_Stored]:
    """The directory's rows these Jira users may map to (by Jira key or userName), unlocked."""
    keys = [facts.key for facts in batch]
    names = [facts.name.lower() for facts in batch]
    return [
        _Stored(*values)
        for values in ScimUser.objects.filter(directory=directory)
        .annotate(name_lower=Lower("user_name"))
        .filter(Q(jira_user_key__in=keys) | Q(name_lower__in=names))
        .values_list(*_Stored._fields)
    ]


def _triage(
    ctx: RunContext, directory: Any, batch: list[JiraUserFacts], writes: _Writes
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


def _plan_writes(
    ctx: RunContext, directory: Any, batch: list[JiraUserFacts], now: datetime, writes: _Writes
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
    writes: _Writes,
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


def _create(ctx: RunContext, directory: Any, pending: list[_NewUser], now: datetime) -> None:
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


def _replace_values(users: list[ScimUser]) -> None:
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


def _record_last_login(batch: list[JiraUserFacts], directory: Any) -> None:
    """Keep last-login info current when the beans carry it (Jira 11.3+), at no extra call."""
    facts_by_key = {facts.key: facts for facts in batch if facts.has_last_login}
    if not facts_by_key:
        return
    last_login_upsert(
        directory=directory, logins={k: f.last_login for k, f in facts_by_key.items()}
    )


def last_login_upsert(*, directory: Any, logins: dict[str, Any]) -> int:
    """Store Jira's last login for the directory's users with these Jira keys; returns rows."""
    pairs = ScimUser.objects.filter(
        directory=directory, jira_user_key__in=list(logins)
    ).values_list("id", "jira_user_key")
    now = timezone.now()
    rows = [
        ScimUserLastLogin(user_id=user_id, last_login_at=logins[key], synced_at=now)
        for user_id, key in pairs
    ]
    ScimUserLastLogin.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["user"],
        update_fields=["last_login_at", "synced_at"],
    )
    return len(rows)


def remove_gone_users(
    ctx: RunContext, client: JiraClient, *, seen: set[str], scoped: bool = False
) -> None:
    """Delete rows linked to Jira users that no longer exist (each absence checked by key).

    A listing can miss users (10.0-10.2 lists group members only; a user may be renamed
    mid-run), so an unseen key is asked for directly and only a 404 removes the row. With a
    sync scope (`scoped`), an unseen synced row is a user who left the scope's groups: its
    row goes without asking (Jira is not touched).
    """
    directory = ctx.run.directory
    linked = (
        ScimUser.objects.filter(directory=directory, jira_user_key__isnull=False)
        .order_by("pk")
        .values_list("pk", "jira_user_key", "origin")
    )
    # Collected first: deleting under an open cursor is not portable (SQLite).
    candidates = [row for row in linked.iterator(chunk_size=2000) if row[1] not in seen]
    for batch in chunks(candidates, 200):
        gone = []
        left_scope = []
        for pk, key, origin in batch:
            if scoped and origin == Origin.SYNC:
                left_scope.append(pk)
            elif client.find_user(key=key) is None:
                gone.append(pk)
            else:
                ctx.count("users", "skipped")
        if gone or left_scope:
            ScimUser.objects.filter(pk__in=gone + left_scope).delete()
            ctx.count("users", "removed", len(gone))
            ctx.count("users", "unmapped", len(left_scope))
        ctx.beat()
