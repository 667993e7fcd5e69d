"""Read-side queries of the SCIM tables: single resources, filtered pages, relations."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db.models import (
    BooleanField,
    DateTimeField,
    F,
    Field,
    IntegerField,
    Model,
    Q,
    QuerySet,
    TextField,
    Value,
)
from django.db.models.fields.tuple_lookups import (
    Tuple,
    TupleGreaterThan,
    TupleGreaterThanOrEqual,
)
from scim2_models import Path

from configurations.models import Directory
from provisioning.models import ScimGroup, ScimMembership, ScimUser
from provisioning.scim.errors import ScimError
from provisioning.scim.mapping import GroupRef, MemberRow, parse_id
from provisioning.scim.query import ListQuery
from provisioning.scim.schema import GroupResource, UserResource
from provisioning.storage.columns import GROUP_STORAGE, USER_STORAGE, ResourceStorage
from provisioning.storage.filter import filter_q, filter_qs, user_name_lookup
from provisioning.storage.sort import DEFAULT_ORDER, direction, order_by, sort_key

from . import hot_reads
from .list_cache import USER_LISTS

ModelT = TypeVar("ModelT", bound=Model)


@dataclass(frozen=True)
class Page(Generic[ModelT]):
    """One page of a list: the total over all pages and the items of this one."""

    total: int
    start_index: int
    items: list[ModelT]


# Set on a row read together with its relations (a user and its groups, one query): the
# renderer uses them instead of reading them again (provisioning/api/views.py).
RELATED_ATTRIBUTE = "scim_related"


def _with_groups(read: hot_reads.UserRead | None) -> ScimUser | None:
    if read is None:
        return None
    groups = [GroupRef(group_id, display_name) for group_id, display_name in read.groups]
    # No groups renders as the relation's absence, as user_groups() gives it.
    setattr(read.user, RELATED_ATTRIBUTE, groups or None)
    return read.user


def visible_users(directory: Directory) -> QuerySet[ScimUser]:
    """The users of a directory the SCIM API shows (not hidden by a DELETE)."""
    return ScimUser.objects.filter(directory=directory, hidden_at__isnull=True)


def directory_groups(directory: Directory) -> QuerySet[ScimGroup]:
    """The groups of a directory."""
    return ScimGroup.objects.filter(directory=directory)


def user_get(*, directory: Directory, user_id: str) -> ScimUser:
    """The visible user with this id in this directory, or 404."""
    pk = parse_id(user_id)
    user = _with_groups(hot_reads.visible_user_by_id(directory.pk, pk)) if pk else None
    if user is None:
        raise ScimError(404, f"User {user_id} not found.")
    return user


def group_get(*, directory: Directory, group_id: str) -> ScimGroup:
    """The group with this id in this directory, or 404."""
    pk = parse_id(group_id)
    group = directory_groups(directory).filter(pk=pk).first() if pk else None
    if group is None:
        raise ScimError(404, f"Group {group_id} not found.")
    return group


# A filtered list in the default order first reads up to this many matches with no ORDER BY
# (see _all_matches()): an unselective filter then costs a hundred rows more.
MATCHES_READ_WHOLE = 100


def _all_matches(
    candidates: QuerySet[Any], condition: Q, shown: Callable[[Any], bool]
) -> list[Any] | None:
    """Every row of a filtered list, in the default order, when there are few; else None.

    The rows of `candidates` that match `condition` are read with neither an ORDER BY nor
    the list's visibility in the SQL; `shown` tells which of them the list shows. With an
    ORDER BY ... LIMIT, or with `hidden_at IS NULL` (the predicate of the partial list
    index), PostgreSQL may answer from the list index, testing the filter on each of the
    directory's rows: right for a filter most rows match, ruinous for one that few match
    when the planner's statistics are stale (taken on empty tables, before a bulk load:
    `externalId eq` took 114 ms instead of 0.05 ms, `emails.value eq` 567 ms). Without
    them a selective filter is answered by its own index, whatever the statistics, and an
    unselective one stops after the first rows it meets. When no more rows than that
    match, they are the whole list: sorted here by the default order's (created, id), as
    the database sorts them, they give the total and the page in one query.
    """
    rows = list(candidates.filter(condition).order_by()[: MATCHES_READ_WHOLE + 1])
    if len(rows) > MATCHES_READ_WHOLE:
        return None
    shown_rows = [row for row in rows if shown(row)]
    shown_rows.sort(key=lambda row: (row.created, row.pk))
    return shown_rows


def _page(
    queryset: QuerySet[Any],
    query: ListQuery,
    model: Any,
    storage: ResourceStorage,
    candidates: tuple[QuerySet[Any], Callable[[Any], bool]] | None = None,
) -> Page[Any]:
    """A page of `queryset`; `candidates`: the same rows with their visibility told apart
    in Python, not in SQL (see _all_matches), when `queryset` restricts it."""
    condition = filter_q(query.filter, model, storage) if query.filter else None
    unfiltered = queryset
    if condition is not None:
        queryset = queryset.filter(condition)
    ordering = order_by(query.sort_by, descending=query.descending, model=model, storage=storage)
    if condition is not None and query.count > 0 and ordering == list(DEFAULT_ORDER):
        rows, shown = candidates or (unfiltered, lambda row: True)
        matches = _all_matches(rows, condition, shown)
        if matches is not None:
            page = matches[query.offset : query.offset + query.count]
            return Page(total=len(matches), start_index=query.start_index, items=page)
    ordered = queryset.order_by(*ordering)
    if query.filter and user_name_lookup(query.filter, model) is not None:
        ordered = queryset.order_by()  # one row at most: answered by the unique index
    if query.offset == 0 and query.count > 0:
        # The first page read whole: when it is not full it holds every match, and the
        # total needs no COUNT (a `userName eq` lookup is one query).
        rows = list(ordered[: query.count])
        total = len(rows) if len(rows) < query.count else queryset.count()
        return Page(total=total, start_index=query.start_index, items=rows)
    total = queryset.count()
    if query.count == 0 or query.offset >= total:
        return Page(total=total, start_index=query.start_index, items=[])
    # The page's ids first: skipping `offset` rows then reads the list index only, and the
    # rows themselves are read for the page alone.
    ids = list(ordered.values_list("pk", flat=True)[query.offset : query.offset + query.count])
    rows = queryset.model.objects.in_bulk(ids)
    return Page(total=total, start_index=query.start_index, items=[rows[pk] for pk in ids])


def user_list(*, directory: Directory, query: ListQuery) -> Page[ScimUser]:
    """A filtered, sorted page of a directory's visible users.

    The unfiltered list in its default order (what IdP imports page through) reuses the
    total and page positions of earlier requests (list_cache.py); a first page of
    `userName eq` is one query by the unique index (hot_reads.py).
    """
    if query.filter and not query.sort_by and query.offset == 0 and query.count > 0:
        user_name = user_name_lookup(query.filter, UserResource)
        if user_name is not None:
            # One row at most (the unique index), so the page is the total.
            found = _with_groups(hot_reads.visible_user_by_user_name(directory.pk, user_name))
            rows = [found] if found is not None else []
            return Page(total=len(rows), start_index=query.start_index, items=rows)
    if not (query.filter or query.sort_by):
        return _directory_user_page(directory, query)
    every_user = ScimUser.objects.filter(directory=directory)
    return _page(
        visible_users(directory),
        query,
        UserResource,
        USER_STORAGE,
        candidates=(every_user, lambda user: user.hidden_at is None),
    )


def _directory_user_page(directory: Directory, query: ListQuery) -> Page[ScimUser]:
    users = visible_users(directory)
    # Read before counting or seeking: what is computed now is kept under this stamp.
    generation = USER_LISTS.generation()
    total = USER_LISTS.peek(("total", directory.pk), generation)
    if total is None:
        total = users.count()
        USER_LISTS.put(("total", directory.pk), total, generation)
    if query.count == 0 or query.offset >= total:
        return Page(total=total, start_index=query.start_index, items=[])
    ordered = users.order_by(*DEFAULT_ORDER)
    offset, count = query.offset, query.count
    mark = USER_LISTS.peek(("at", directory.pk, offset), generation)
    if mark is not None:
        # A seek in the list index from the key of the row at (or just before) `offset`.
        # A row-value comparison, so that the index range starts at the key even when
        # many rows share one `created` (a sync writes a batch with one timestamp).
        key, inclusive = mark
        seek = TupleGreaterThanOrEqual if inclusive else TupleGreaterThan
        rows = list(ordered.filter(seek(Tuple(F("created"), F("id")), key))[:count])
    elif offset == 0:
        rows = list(ordered[:count])
    else:
        ids = list(ordered.values_list("pk", flat=True)[offset : offset + count])
        by_pk = ScimUser.objects.in_bulk(ids)
        rows = [by_pk[pk] for pk in ids]
    if rows:
        # This page again starts at its first row; the next one right after its last.
        first, last = rows[0], rows[-1]
        USER_LISTS.put(("at", directory.pk, offset), ((first.created, first.pk), True), generation)
        USER_LISTS.put(
            ("at", directory.pk, offset + len(rows)), ((last.created, last.pk), False), generation
        )
    return Page(total=total, start_index=query.start_index, items=rows)


def group_list(*, directory: Directory, query: ListQuery) -> Page[ScimGroup]:
    """A filtered, sorted page of a directory's groups."""
    return _page(directory_groups(directory), query, GroupResource, GROUP_STORAGE)


def user_groups(*, user_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[GroupRef]]:
    """The groups of each user (one query for any number of users)."""
    groups: dict[uuid.UUID, list[GroupRef]] = defaultdict(list)
    for user_id, group_id, display_name in hot_reads.memberships_of_users(list(user_ids)):
        groups[user_id].append(GroupRef(group_id, display_name))
    return groups


def group_members(*, group_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[MemberRow]]:
    """The members of each group (one query for any number of groups)."""
    members: dict[uuid.UUID, list[MemberRow]] = defaultdict(list)
    rows = (
        ScimMembership.objects.filter(group_id__in=list(group_ids))
        .order_by("pk")
        .values_list("group_id", "user_id", "display")
    )
    for group_id, user_id, display in rows.iterator(chunk_size=5000):
        members[group_id].append(MemberRow(user_id, display))
    return members


def _output_field(expression: Any) -> Field[Any, Any]:
    field = getattr(expression, "output_field", None)
    if isinstance(field, DateTimeField):
        return DateTimeField()
    if isinstance(field, BooleanField):
        return BooleanField()
    return TextField()


def resource_search(*, directory: Directory, query: ListQuery) -> Page[Model]:
    """A page of users and groups together (POST /.search), sorted over the whole result.

    Users come before groups when the sort does not tell them apart. The page is selected
    by one UNION query over both tables; its rows are then read with one query per type.
    """
    targets = [(UserResource, USER_STORAGE), (GroupResource, GROUP_STORAGE)]
    querysets: list[QuerySet[Any]] = [visible_users(directory), directory_groups(directory)]
    if query.filter:
        conditions = filter_qs(query.filter, targets)
        querysets = [qs.filter(q) for qs, q in zip(querysets, conditions, strict=True)]
    keys: list[Any] = [None, None]
    if query.sort_by:
        keys = [
            sort_key(query.sort_by, model=model, storage=storage, lenient=True)
            for model, storage in targets
        ]
        if all(key is None for key in keys) and not any(
            Path[model](query.sort_by).resolve()
            for model, _ in targets  # type: ignore[valid-type]
        ):
            raise ScimError(400, f"Cannot sort by {query.sort_by!r}: no such attribute.")
    counts = [qs.count() for qs in querysets]
    total = sum(counts)
    if query.count == 0 or query.offset >= total:
        return Page(total=total, start_index=query.start_index, items=[])
    typed = next((key for key in keys if key is not None), None)
    output = _output_field(typed) if typed is not None else TextField()
    selects = [
        qs.annotate(
            _kind=Value(kind, output_field=IntegerField()),
            _sort=key if key is not None else Value(None, output_field=output),
        ).values("pk", "created", "_kind", "_sort")
        for kind, (qs, key) in enumerate(zip(querysets, keys, strict=True))
    ]
    ordering: list[Any] = ["_kind", "created", "pk"]
    if query.sort_by:
        ordering.insert(0, direction(F("_sort"), descending=query.descending))
    union = selects[0].union(selects[1], all=True).order_by(*ordering)
    page = list(union[query.offset : query.offset + query.count])
    models = (ScimUser, ScimGroup)
    rows: dict[tuple[int, Any], Model] = {}
    for kind, model in enumerate(models):
        ids = [item["pk"] for item in page if item["_kind"] == kind]
        if ids:
            rows.update({(kind, row.pk): row for row in model.objects.filter(pk__in=ids)})
    items = [rows[(item["_kind"], item["pk"])] for item in page]
    return Page(total=total, start_index=query.start_index, items=items)
