"""The user pass of Sync Users & Groups: stream Jira's users, create, link and update rows."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from configurations.models import Directory
from jiraclient import JiraClient, JiraNotFound
from jiraclient.paging import unique_by
from provisioning.models import Origin, ScimUser

from .batching import chunks
from .jira_rows import JiraUserFacts
from .models import ScimUserLastLogin
from .protection import ProtectedUsers
from .runs import RunContext
from .user_writes import UPDATED_FIELDS, Writes, create, plan_locked, replace_values, triage


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
    """Which of these Jira keys another directory of the same site already maps.

    Most sites have one directory: then a look at the (small) directory table is all.
    """
    others = list(
        Directory.objects.filter(jira_site_id=directory.jira_site_id)
        .exclude(pk=directory.pk)
        .values_list("pk", flat=True)
    )
    if not keys or not others:
        return set()
    return set(
        ScimUser.objects.filter(directory_id__in=others, jira_user_key__in=keys).values_list(
            "jira_user_key", flat=True
        )
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
    writes = Writes()
    to_lock = triage(ctx, directory, batch, writes)
    if not to_lock and not writes.to_create and not any(f.has_last_login for f in batch):
        return
    with transaction.atomic():
        if to_lock:
            plan_locked(ctx, directory, to_lock, now, writes)
        create(ctx, directory, writes.to_create, now)
        if writes.to_update:
            ScimUser.objects.bulk_update(writes.to_update, UPDATED_FIELDS)
        if writes.values_changed:
            replace_values(writes.values_changed)
        _record_last_login(batch, directory)


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
