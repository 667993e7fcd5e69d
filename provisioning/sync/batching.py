"""Writing in batches: chunking an iterator, set-based inserts with a per-row fallback."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import islice
from typing import Any, TypeVar

from django.db import DatabaseError, IntegrityError, connection, models, transaction

T = TypeVar("T")
M = TypeVar("M", bound=models.Model)
Row = tuple[Any, ...]

# Field types the PostgreSQL driver writes as Python gives them (aware datetimes, UUIDs):
# their values skip Django's per-value preparation, a tenth of an insert's time.
_NATIVE_ON_POSTGRESQL = frozenset(
    {
        "BigIntegerField",
        "BooleanField",
        "CharField",
        "DateTimeField",
        "IntegerField",
        "PositiveBigIntegerField",
        "PositiveIntegerField",
        "TextField",
        "UUIDField",
    }
)


def chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Consecutive lists of up to ``size`` items (streams; never holds more than one chunk)."""
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


@contextmanager
def asynchronous_commits() -> Iterator[None]:
    """On PostgreSQL, commits of this connection do not wait for the WAL flush meanwhile.

    For idempotent batch writes only (a sync's thousands of small transactions, each of
    which waited for an fsync): a crash of the database server may lose the last fraction
    of a second of them, and the next run writes them again. Whatever commits with a flush
    afterwards (the run's final status) makes every earlier commit durable, since the WAL
    is flushed in order.
    """
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO off")
    try:
        yield
    finally:
        try:
            with connection.cursor() as cursor:
                cursor.execute("RESET synchronous_commit")
        except DatabaseError:
            connection.close()  # a broken connection: its setting goes with it


def insert_rows(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Iterable[Row],
    *,
    ignore_conflicts: bool = False,
) -> None:
    """Insert plain rows (values in the order of ``fields``) without building model instances.

    Every other concrete column gets its default, evaluated once for all the rows, or NULL;
    an auto primary key is left to the database. On PostgreSQL the rows go in one ``COPY``
    (``ignore_conflicts``: one pipelined ``INSERT … ON CONFLICT DO NOTHING`` per row
    instead); elsewhere in one ``executemany``. Model hooks (``save``, ``bulk_create``) do
    not run: the caller does what they would.
    """
    meta = model._meta
    named = [meta.get_field(name) for name in fields]
    given = {field.attname for field in named}
    defaults = [
        (field, field.get_default())
        for field in meta.concrete_fields
        if field.attname not in given and field.has_default() and not field.primary_key
    ]
    columns = [field.column for field in named] + [field.column for field, _ in defaults]
    prepare = [_preparation(field) for field in named]
    tail = tuple(field.get_db_prep_save(value, connection) for field, value in defaults)
    prepared = (
        tuple(
            value if prep is None else prep(value, connection)
            for prep, value in zip(prepare, row, strict=True)
        )
        + tail
        for row in rows
    )
    quote = connection.ops.quote_name
    table, names = quote(meta.db_table), ", ".join(quote(column) for column in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and not ignore_conflicts:
            # Names from the model's own meta, quoted; the values travel as COPY data. The
            # driver's cursor is used directly, so its errors are turned into Django's here.
            sql = f"COPY {table} ({names}) FROM STDIN"
            with connection.wrap_database_errors, cursor.cursor.copy(sql) as copy:
                for row in prepared:
                    copy.write_row(row)
            return
        marks = ", ".join(["%s"] * len(columns))
        conflict = " ON CONFLICT DO NOTHING" if ignore_conflicts else ""
        cursor.executemany(
            f"INSERT INTO {table} ({names}) VALUES ({marks}){conflict}",  # noqa: S608
            list(prepared),
        )


def _preparation(field: models.Field[Any, Any]) -> Callable[[Any, Any], Any] | None:
    """How a field's values become database values (None: as they are)."""
    kind = (
        field.target_field.get_internal_type() if field.is_relation else field.get_internal_type()
    )
    if connection.vendor == "postgresql" and kind in _NATIVE_ON_POSTGRESQL:
        return None
    return field.get_db_prep_save


def insert_each_on_conflict(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Sequence[Row],
    *,
    on_error: Callable[[Row, Exception], None],
) -> list[Row]:
    """``insert_rows`` all the rows; if a concurrent write makes that fail, one by one.

    Returns the rows inserted. A row that still fails (a SCIM create took its name
    meanwhile) goes to ``on_error`` and the others are kept.
    """
    if not rows:
        return []
    try:
        with transaction.atomic():
            insert_rows(model, fields, rows)
        return list(rows)
    except IntegrityError:
        pass
    inserted = []
    for row in rows:
        try:
            with transaction.atomic():
                insert_rows(model, fields, [row])
            inserted.append(row)
        except IntegrityError as exc:
            on_error(row, exc)
    return inserted


def bulk_create_each_on_conflict(
    model: type[M], objects: Sequence[M], *, on_error: Callable[[M, Exception], None]
) -> list[M]:
    """``bulk_create`` the rows; if a concurrent write makes that fail, create them one by one.

    Returns the rows created. A row that still fails (a SCIM create took its name meanwhile)
    goes to ``on_error`` and the others are kept.
    """
    if not objects:
        return []
    try:
        with transaction.atomic():
            return model.objects.bulk_create(objects)
    except IntegrityError:
        pass
    created = []
    for obj in objects:
        try:
            with transaction.atomic():
                obj.save(force_insert=True)
            created.append(obj)
        except IntegrityError as exc:
            on_error(obj, exc)
    return created
