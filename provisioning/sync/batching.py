"""Helpers for writing in batches: chunking an iterator, bulk create with a per-row fallback."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice
from typing import TypeVar

from django.db import IntegrityError, models, transaction

T = TypeVar("T")
M = TypeVar("M", bound=models.Model)


def chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Consecutive lists of up to ``size`` items (streams; never holds more than one chunk)."""
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


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
