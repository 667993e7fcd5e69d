"""Paging over Jira's three list styles (startAt arrays, startAt pages, cursors)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

Item = dict[str, Any]


def iter_offset_arrays(fetch: Callable[[int], list[Item]], *, key: str = "key") -> Iterator[Item]:
    """Page a JSON-array endpoint (``user/search``) by ``startAt``, each item once.

    The server may cap a page below what was asked (1000 on 8.x/9.x), so a short page
    does not prove the end: only an empty one does. A page holding nothing new means the
    server ignores ``startAt``; stop rather than loop forever.
    """
    seen: set[Any] = set()
    start_at = 0
    while True:
        page = fetch(start_at)
        fresh = [item for item in page if item.get(key) not in seen]
        if not fresh:
            return
        for item in fresh:
            seen.add(item.get(key))
            yield item
        start_at += len(page)


def iter_offset_pages(fetch: Callable[[int], dict[str, Any]]) -> Iterator[Item]:
    """Page a ``{"values", "isLast", "total"}`` endpoint (``group/member``) by ``startAt``.

    ``nextPage`` is not followed: it is built from Jira's configured base URL, which may
    differ from the one the client was given (proxies, internal host names).
    """
    start_at = 0
    while True:
        body = fetch(start_at)
        values = body.get("values") or []
        yield from values
        start_at += len(values)
        is_last = body.get("isLast")
        if not values or is_last is True:
            return
        total = body.get("total")
        if is_last is None and isinstance(total, int) and start_at >= total:
            return


def iter_cursor_pages(fetch: Callable[[str | None], dict[str, Any]]) -> Iterator[Item]:
    """Page a ``{"values", "isLast", "nextCursor"}`` endpoint (``user/list``)."""
    cursor: str | None = None
    while True:
        body = fetch(cursor)
        yield from body.get("values") or []
        next_cursor = body.get("nextCursor")
        if body.get("isLast") is True or not next_cursor or str(next_cursor) == cursor:
            return
        cursor = str(next_cursor)


def unique_by(items: Iterable[Item], field: str = "key") -> Iterator[Item]:
    """Drop repeats of ``item[field]`` (offset paging can repeat items that shift pages)."""
    seen: set[Any] = set()
    for item in items:
        marker = item.get(field)
        if marker in seen:
            continue
        seen.add(marker)
        yield item


def user_listing_strategy(version: tuple[int, ...]) -> str:
    """How to list every user on this Jira version (see jira-rest.md).

    ``"search"``: ``user/search?username=.`` pages (8.x/9.x); ``"groups"``: members of the
    application roles' groups (10.0-10.2, where user/search stops at 100 results);
    ``"list"``: the ``user/list`` cursor (10.3+).
    """
    if version >= (10, 3):
        return "list"
    if version >= (10, 0):
        return "groups"
    return "search"
