"""The membership pass of Sync Users & Groups: reconcile each mapped group with Jira's members.

Set-based: the directory's Jira key -> row map is read once (one streamed query), the rows
of a few groups at a time in one query, each group's member list is compared with its rows
as two sets, and only the difference is written (`COPY` inserts, batched deletes). Jira's
member lists — the bulk of a sync's Jira calls, 50 users a page on Jira DC — are read for
up to `SYNC_JIRA_READ_CONCURRENCY` groups at once, each thread with a Jira client of its
own; the database is written by the run's thread only, one group at a time, in the order of
the groups.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from jiraclient import JiraClient, JiraNotFound
from provisioning.models import ScimGroup, ScimMembership, ScimUser
from provisioning.policy import JiraPolicy

from .batching import chunks, insert_rows
from .runs import RunContext

# group/member pages hold at most 50 users on Jira DC; asking for more is harmless.
MEMBER_PAGE_SIZE = 1000
# Rows inserted by one statement (a group with 100,000 members: 20 of them); also the
# member keys whose groups' rows are read in one query, of at most WINDOW_GROUPS groups.
MEMBERSHIP_BATCH_SIZE = 5000
WINDOW_GROUPS = 100
MEMBERSHIP_FIELDS = ["group", "user", "created"]

ClientFactory = Callable[[], JiraClient]


def sync_memberships(
    ctx: RunContext,
    client: JiraClient,
    policy: JiraPolicy,
    *,
    client_factory: ClientFactory | None = None,
) -> None:
    """For every group mapped to Jira: add rows for Jira's members, drop rows Jira lacks.

    Jira lists nested members as members (``group/member``); SCIM groups have users only,
    so a user in a sub-group is mapped as a member of the parent too. Only members whose
    user row is linked to Jira are removed: rows still waiting for their Jira user are kept.
    `client_factory` makes the clients of the reading threads (none: `client` reads alone).
    """
    directory = ctx.run.directory
    groups = [
        (group_id, jira_name)
        for group_id, jira_name in ScimGroup.objects.filter(
            directory=directory, jira_group_name__isnull=False
        )
        .order_by("display_name")
        .values_list("pk", "jira_group_name")
        if not policy.protects_group(jira_name)
    ]
    user_ids = linked_user_ids(directory)
    for window in _windows(_read_members(client, client_factory, groups)):
        rows = _member_rows([group_id for (group_id, _), keys in window if keys is not None])
        for (group_id, jira_name), keys in window:
            ctx.run.phase = f"memberships of {jira_name}"
            if keys is None:
                ctx.error("group", jira_name, "The Jira group disappeared during the sync.")
            else:
                _reconcile(ctx, group_id, keys, user_ids, rows.pop(group_id, set()))
            ctx.beat()


def linked_user_ids(directory: Any) -> dict[str, uuid.UUID]:
    """Jira key -> row id of the directory's users linked to Jira (about 150 bytes each)."""
    rows = ScimUser.objects.filter(directory=directory, jira_user_key__isnull=False)
    return dict(rows.values_list("jira_user_key", "pk").iterator(chunk_size=5000))


def _windows(
    results: Iterator[tuple[tuple[Any, str], set[str] | None]],
) -> Iterator[list[tuple[tuple[Any, str], set[str] | None]]]:
    """The groups read, a few at a time: up to `WINDOW_GROUPS` or `MEMBERSHIP_BATCH_SIZE` keys.

    Their rows are then read in one query, not one per group (a run that changes nothing
    asked 2,000 queries for 2,000 groups).
    """
    window: list[tuple[tuple[Any, str], set[str] | None]] = []
    keys = 0
    for result in results:
        window.append(result)
        keys += len(result[1] or ())
        if len(window) >= WINDOW_GROUPS or keys >= MEMBERSHIP_BATCH_SIZE:
            yield window
            window, keys = [], 0
    if window:
        yield window


def _member_rows(group_ids: list[Any]) -> dict[Any, set[uuid.UUID]]:
    """Group id -> the user ids of its rows, for these groups (one query)."""
    rows: dict[Any, set[uuid.UUID]] = {}
    if group_ids:
        pairs = ScimMembership.objects.filter(group_id__in=group_ids).values_list(
            "group_id", "user_id"
        )
        for group_id, user_id in pairs:
            rows.setdefault(group_id, set()).add(user_id)
    return rows


def read_concurrency() -> int:
    """How many groups' member lists are read from Jira at once (at least 1)."""
    return max(int(getattr(settings, "SYNC_JIRA_READ_CONCURRENCY", 4)), 1)


def _member_keys(client: JiraClient, jira_name: str) -> set[str] | None:
    """The Jira keys of the group's members (nested included); None when the group is gone."""
    try:
        return {
            str(bean["key"])
            for bean in client.iter_group_members(jira_name, page_size=MEMBER_PAGE_SIZE)
            if bean.get("key") is not None
        }
    except JiraNotFound:
        return None


def _read_members(
    client: JiraClient, factory: ClientFactory | None, groups: list[tuple[Any, str]]
) -> Iterator[tuple[tuple[Any, str], set[str] | None]]:
    """Each group with its member keys, in order; read ahead by a few threads.

    At most twice the concurrency of groups are read ahead, so memory holds a handful of
    member lists, never the site's. A Jira error of a read is raised here, in order.
    """
    width = read_concurrency()
    if factory is None or width <= 1 or len(groups) <= 1:
        for group in groups:
            yield group, _member_keys(client, group[1])
        return
    clients: list[JiraClient] = []
    free: list[JiraClient] = []

    def read(jira_name: str) -> set[str] | None:
        try:
            reader = free.pop()
        except IndexError:
            reader = factory()
            clients.append(reader)
        try:
            return _member_keys(reader, jira_name)
        finally:
            free.append(reader)  # list.append/pop are atomic: one thread per client

    executor = ThreadPoolExecutor(max_workers=width, thread_name_prefix="scimbridge-sync")
    try:
        pending: list[tuple[tuple[Any, str], Future[set[str] | None]]] = []
        upcoming = iter(groups)
        for group in upcoming:
            pending.append((group, executor.submit(read, group[1])))
            if len(pending) >= 2 * width:
                break
        while pending:
            group, future = pending.pop(0)
            keys = future.result()
            following = next(upcoming, None)
            if following is not None:
                pending.append((following, executor.submit(read, following[1])))
            yield group, keys
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
        for reader in clients:
            reader.close()


def _reconcile(
    ctx: RunContext,
    group_id: Any,
    keys: set[str],
    user_ids: dict[str, uuid.UUID],
    existing: set[uuid.UUID],
) -> None:
    """Write the difference between Jira's members and the group's rows (`existing`)."""
    ctx.count("memberships", "seen", len(keys))
    members = {user_ids[key] for key in keys if key in user_ids}
    ctx.count("memberships", "skipped", len(keys) - len(members))
    fresh, extra = members - existing, existing - members
    if not fresh and not extra:
        return  # the common case of a run that changes nothing: no query, no transaction
    # One transaction per changed group: one commit (fsync), and the group's new version
    # lands with its rows.
    with transaction.atomic():
        created = _insert(group_id, fresh) if fresh else 0
        removed = _remove(group_id, extra) if extra else 0
        if created or removed:
            # The group's members changed: a new version, so ETags and If-Match see it.
            ScimGroup.objects.filter(pk=group_id).bump(confirmed=True)
    ctx.count("memberships", "created", created)
    ctx.count("memberships", "removed", removed)


def _insert(group_id: Any, user_ids: set[uuid.UUID]) -> int:
    """Insert the rows in batches; a user deleted meanwhile (by SCIM) is left out.

    Plain rows, no model instances (building 300,000 of them was a fifth of a first sync):
    one `COPY` per batch on PostgreSQL, one `executemany` elsewhere. If a concurrent SCIM
    write added one of the rows (or deleted a user), the batch is inserted again with
    `ON CONFLICT DO NOTHING`, without the users that are gone.
    """
    created = 0
    now = timezone.now()
    for batch in chunks(sorted(user_ids), MEMBERSHIP_BATCH_SIZE):
        rows = [(group_id, pk, now) for pk in batch]
        try:
            with transaction.atomic():
                insert_rows(ScimMembership, MEMBERSHIP_FIELDS, rows)
        except IntegrityError:
            alive = set(ScimUser.objects.filter(pk__in=batch).values_list("pk", flat=True))
            rows = [row for row in rows if row[1] in alive]
            insert_rows(ScimMembership, MEMBERSHIP_FIELDS, rows, ignore_conflicts=True)
        created += len(rows)
    return created


def _remove(group_id: Any, extra: set[uuid.UUID]) -> int:
    """Delete the rows of linked users Jira no longer lists (unlinked users' rows are kept)."""
    removed = 0
    for batch in chunks(sorted(extra), 1000):
        linked = list(
            ScimUser.objects.filter(pk__in=batch, jira_user_key__isnull=False).values_list(
                "pk", flat=True
            )
        )
        if linked:
            ScimMembership.objects.filter(group_id=group_id, user_id__in=linked).delete()
            removed += len(linked)
    return removed
