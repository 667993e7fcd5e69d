"""The membership pass of Sync Users & Groups: reconcile each mapped group with Jira's members.

Set-based: the directory's Jira key -> row map is read once (one streamed query), each
group's member list is compared with its rows as two sets, and only the difference is
written (bulk inserts, batched deletes). Jira's member lists — the bulk of a sync's Jira
calls, 50 users a page on Jira DC — are read for up to `SYNC_JIRA_READ_CONCURRENCY` groups at
once, each thread with a Jira client of its own; the database is written by the run's
thread only, one group at a time, in the order of the groups.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from jiraclient import JiraClient, JiraNotFound
from provisioning.models import ScimGroup, ScimMembership, ScimUser
from provisioning.policy import JiraPolicy

from .batching import chunks
from .runs import RunContext

# group/member pages hold at most 50 users on Jira DC; asking for more is harmless.
MEMBER_PAGE_SIZE = 1000

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
    for (group_id, jira_name), keys in _read_members(client, client_factory, groups):
        ctx.run.phase = f"memberships of {jira_name}"
        if keys is None:
            ctx.error("group", jira_name, "The Jira group disappeared during the sync.")
        else:
            _reconcile(ctx, group_id, keys, user_ids)
        ctx.beat()


def linked_user_ids(directory: Any) -> dict[str, uuid.UUID]:
    """Jira key -> row id of the directory's users linked to Jira (about 150 bytes each)."""
    rows = ScimUser.objects.filter(directory=directory, jira_user_key__isnull=False)
    return dict(rows.values_list("jira_user_key", "pk").iterator(chunk_size=5000))


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
    ctx: RunContext, group_id: Any, keys: set[str], user_ids: dict[str, uuid.UUID]
) -> None:
    """Write the difference between Jira's members and the group's rows (one query if none)."""
    ctx.count("memberships", "seen", len(keys))
    members = {user_ids[key] for key in keys if key in user_ids}
    ctx.count("memberships", "skipped", len(keys) - len(members))
    existing = set(
        ScimMembership.objects.filter(group_id=group_id).values_list("user_id", flat=True)
    )
    fresh, extra = members - existing, existing - members
    if not fresh and not extra:
        return  # the common case of a run that changes nothing: one query, no transaction
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

    One `executemany` of a plain `INSERT … ON CONFLICT DO NOTHING` per batch, without model
    instances (building 300,000 of them was a fifth of a first sync); psycopg pipelines it
    on PostgreSQL.
    """
    created = 0
    for batch in chunks(sorted(user_ids), settings.SYNC_BATCH_SIZE):
        try:
            with transaction.atomic():
                _insert_rows(group_id, batch)
        except IntegrityError:
            alive = set(ScimUser.objects.filter(pk__in=batch).values_list("pk", flat=True))
            batch = [pk for pk in batch if pk in alive]  # noqa: PLW2901 - the same batch, fewer
            _insert_rows(group_id, batch)
        created += len(batch)
    return created


def _insert_rows(group_id: Any, user_ids: list[uuid.UUID]) -> None:
    meta = ScimMembership._meta
    group_field, user_field, created_field = (
        meta.get_field(name) for name in ("group", "user", "created")
    )
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in (group_field, user_field, created_field))
    # Names from the model's own meta, quoted; every value is a parameter.
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES (%s, %s, %s) "  # noqa: S608
        "ON CONFLICT DO NOTHING"
    )
    group = group_field.get_db_prep_value(group_id, connection)
    now = created_field.get_db_prep_value(timezone.now(), connection)
    with connection.cursor() as cursor:
        cursor.executemany(
            sql, [(group, user_field.get_db_prep_value(pk, connection), now) for pk in user_ids]
        )


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
