"""Hand-written SQL for the reads every IdP cycle repeats, each one round trip.

A user by id (`GET /Users/{id}`) or by userName (Entra's `filter=userName eq` before every
write), each with its groups, and the groups of the users on a page. Through a QuerySet,
compiling each of these queries cost ~0.55 ms of CPU, more than running it (measured at
100k users on PostgreSQL: a user by id 705 µs through the ORM, 152 µs here). Their SQL is
built once per process from the models' metadata, in the SQL both databases share, and rows
become model instances through the converters the ORM applies (`Model.from_db`): a row
read here is the row the ORM would give, with the same semantics (`LOWER(user_name) =
LOWER(%s)` is the ORM's `Lower` lookup that the unique index answers). On PostgreSQL each
is a prepared statement of the session (`prepared_cursor()` of scimbridge/dbbackends): the
text never changes, and planning it cost four times as much as running it.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connections, router
from django.db.models import Field, Model

from provisioning.models import ScimGroup, ScimMembership, ScimUser

Converter = Callable[[Any, Any, Any], Any]


@dataclass(frozen=True)
class _Columns:
    """How to select a model's concrete fields and turn a row into values."""

    sql: str  # quoted column list
    attnames: list[str]
    converters: list[tuple[list[Converter], Any]]  # per column: converters, expression

    def values(self, row: Sequence[Any], connection: Any) -> list[Any]:
        """The row's values as the ORM gives them to `Model.from_db`."""
        return [
            _convert(value, converters, connection)
            for value, converters in zip(row, self.converters, strict=True)
        ]


def _converters(field: Field[Any, Any], table: str, connection: Any) -> tuple[list[Any], Any]:
    column = field.get_col(table)
    return connection.ops.get_db_converters(column) + field.get_db_converters(connection), column


def _convert(value: Any, converters: tuple[list[Converter], Any], connection: Any) -> Any:
    functions, expression = converters
    for convert in functions:
        value = convert(value, expression, connection)
    return value


@functools.cache
def _columns(model: type[Model], alias: str, prefix: str = "") -> _Columns:
    connection = connections[alias]
    quote = connection.ops.quote_name
    table = model._meta.db_table
    fields = model._meta.concrete_fields
    return _Columns(
        sql=", ".join(f"{prefix}{quote(field.column)}" for field in fields),
        attnames=[field.attname for field in fields],
        converters=[_converters(field, table, connection) for field in fields],
    )


@functools.cache
def _membership_converters(alias: str, name: str) -> tuple[list[Converter], Any]:
    """The converters of a membership column (`user` or `group`), built once per process."""
    field = ScimMembership._meta.get_field(name)
    return _converters(field, ScimMembership._meta.db_table, connections[alias])


def prepared_cursor(connection: Any) -> Any:
    """A cursor whose statements are prepared, where the backend has one (PostgreSQL).

    For SQL whose text is the same on every call and whose plan cannot depend on the
    values (lookups by a unique key): a prepared statement may run a generic plan.
    """
    prepared = getattr(connection, "prepared_cursor", None)
    return prepared() if prepared is not None else connection.cursor()


def _alias(model: type[Model]) -> str:
    return router.db_for_read(model) or "default"


@functools.cache
def _user_sql(alias: str, where: str) -> str:
    quote = connections[alias].ops.quote_name
    columns = _columns(ScimUser, alias, "u.")
    memberships, groups = ScimMembership._meta.db_table, ScimGroup._meta.db_table
    # The user's row once per membership (or once, with NULLs, when it has none): the user
    # and its groups in one round trip. Identifiers from the models' metadata; every value
    # is a parameter.
    return (
        f"SELECT {columns.sql}, m.{quote('group_id')}, g.{quote('display_name')} "  # noqa: S608
        f"FROM {quote(ScimUser._meta.db_table)} u "
        f"LEFT JOIN {quote(memberships)} m ON m.{quote('user_id')} = u.{quote('id')} "
        f"LEFT JOIN {quote(groups)} g ON g.{quote('id')} = m.{quote('group_id')} "
        f"WHERE {where} ORDER BY m.{quote('id')}"
    )


@dataclass(frozen=True)
class UserRead:
    """A user and its groups as (group id, group displayName), in membership order."""

    user: ScimUser
    groups: list[tuple[uuid.UUID, str]]


def _one_user(where: str, params: list[Any]) -> UserRead | None:
    alias = _alias(ScimUser)
    connection = connections[alias]
    with prepared_cursor(connection) as cursor:
        cursor.execute(_user_sql(alias, where), params)
        rows = cursor.fetchall()
    if not rows:
        return None
    columns = _columns(ScimUser, alias, "u.")
    width = len(columns.attnames)
    user = ScimUser.from_db(alias, columns.attnames, columns.values(rows[0][:width], connection))
    to_group = _membership_converters(alias, "group")
    groups = [
        (_convert(group_id, to_group, connection), name)
        for group_id, name in (row[width:] for row in rows)
        if group_id is not None
    ]
    return UserRead(user, groups)


def visible_user_by_id(directory_id: int, pk: uuid.UUID) -> UserRead | None:
    """The directory's visible user with this primary key and its groups, or None.

    The query names the primary key alone, so that only its index can answer it: with the
    directory and `hidden_at IS NULL` in the WHERE too, stale statistics made PostgreSQL
    scan the partial list index of the directory instead (4.7 ms instead of 0.1 ms). The
    row's directory and visibility are checked here.
    """
    connection = connections[_alias(ScimUser)]
    quoted = connection.ops.quote_name(ScimUser._meta.pk.column)
    read = _one_user(f"u.{quoted} = %s", [ScimUser._meta.pk.get_db_prep_value(pk, connection)])
    if read is None or read.user.directory_id != directory_id or read.user.hidden_at is not None:
        return None
    return read


def visible_user_by_user_name(directory_id: int, user_name: str) -> UserRead | None:
    """The directory's visible user whose userName equals `user_name` ignoring case, or None."""
    quote = connections[_alias(ScimUser)].ops.quote_name
    return _one_user(
        f"LOWER(u.{quote('user_name')}) = LOWER(%s) AND u.{quote('directory_id')} = %s "
        f"AND u.{quote('hidden_at')} IS NULL",
        [user_name, directory_id],
    )


@functools.lru_cache(maxsize=256)  # one per page size
def _groups_sql(alias: str, count: int) -> str:
    connection = connections[alias]
    quote = connection.ops.quote_name
    membership = quote(ScimMembership._meta.db_table)
    group = quote(ScimGroup._meta.db_table)
    user_id, group_id = quote("user_id"), quote("group_id")
    # Identifiers from the models' metadata; every value is a parameter.
    if connection.vendor == "postgresql":
        # One index scan of the memberships per user, whatever the statistics: a subquery
        # per array element (LATERAL, kept apart by OFFSET 0) can only be answered by the
        # membership user index. With `user_id IN (...)`, statistics taken on empty tables
        # made PostgreSQL read all the memberships (300k rows, 42 ms instead of 1 ms).
        return (
            f"SELECT k.{user_id}, s.{group_id}, g.{quote('display_name')} "  # noqa: S608
            f"FROM unnest(%s::uuid[]) AS k({user_id}) CROSS JOIN LATERAL ("
            f"SELECT m.{quote('id')}, m.{group_id} FROM {membership} m "
            f"WHERE m.{user_id} = k.{user_id} OFFSET 0) s "
            f"INNER JOIN {group} g ON g.{quote('id')} = s.{group_id} ORDER BY s.{quote('id')}"
        )
    placeholders = ", ".join(["%s"] * count)
    return (
        f"SELECT m.{user_id}, m.{group_id}, g.{quote('display_name')} "  # noqa: S608
        f"FROM {membership} m INNER JOIN {group} g ON g.{quote('id')} = m.{group_id} "
        f"WHERE m.{user_id} IN ({placeholders}) ORDER BY m.{quote('id')}"
    )


def memberships_of_users(user_ids: Sequence[uuid.UUID]) -> list[tuple[uuid.UUID, uuid.UUID, str]]:
    """(user id, group id, group displayName) of each membership of these users, in order."""
    if not user_ids:
        return []
    alias = _alias(ScimMembership)
    connection = connections[alias]
    to_user = _membership_converters(alias, "user")
    to_group = _membership_converters(alias, "group")
    prepare = ScimMembership._meta.get_field("user").target_field.get_db_prep_value
    keys = [prepare(pk, connection) for pk in user_ids]
    if connection.vendor == "postgresql":
        sql, params = _groups_sql(alias, 0), [keys]  # one array parameter, one SQL text
    else:
        sql, params = _groups_sql(alias, len(keys)), keys
    with prepared_cursor(connection) as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [
        (_convert(user, to_user, connection), _convert(group, to_group, connection), name)
        for user, group, name in rows
    ]
