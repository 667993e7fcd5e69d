"""The pagers on their own: termination rules when a server misbehaves."""

from __future__ import annotations

from jiraclient.paging import (
    iter_cursor_pages,
    iter_offset_arrays,
    iter_offset_pages,
    unique_by,
    user_listing_strategy,
)


def _users(start: int, count: int) -> list[dict]:
    return [{"key": f"K{n}"} for n in range(start, start + count)]


def test_offset_arrays_stop_on_an_empty_page_not_a_short_one():
    pages = {0: _users(0, 3), 3: _users(3, 3), 6: _users(6, 1), 7: []}
    asked: list[int] = []

    def fetch(start: int) -> list[dict]:
        asked.append(start)
        return pages[start]

    assert [u["key"] for u in iter_offset_arrays(fetch)] == [f"K{n}" for n in range(7)]
    assert asked == [0, 3, 6, 7]


def test_offset_arrays_stop_when_the_server_ignores_start_at():
    calls = []

    def fetch(start: int) -> list[dict]:
        calls.append(start)
        return _users(0, 5)

    assert len(list(iter_offset_arrays(fetch))) == 5
    assert len(calls) == 2


def test_offset_pages_use_is_last_or_total():
    bodies = {
        0: {"values": _users(0, 2), "isLast": False},
        2: {"values": _users(2, 1), "isLast": True},
    }
    assert len(list(iter_offset_pages(bodies.__getitem__))) == 3
    no_flag = {0: {"values": _users(0, 2), "total": 3}, 2: {"values": _users(2, 1), "total": 3}}
    assert len(list(iter_offset_pages(no_flag.__getitem__))) == 3


def test_cursor_pages_stop_without_a_new_cursor():
    bodies = {
        None: {"values": _users(0, 2), "nextCursor": "2"},
        "2": {"values": _users(2, 2), "nextCursor": "2"},  # a stuck cursor must not loop
    }
    assert len(list(iter_cursor_pages(bodies.__getitem__))) == 4


def test_unique_by_key():
    assert len(list(unique_by(_users(0, 3) + _users(1, 3)))) == 4


def test_strategy_by_version():
    assert user_listing_strategy((8, 3, 0)) == "search"
    assert user_listing_strategy((9, 17, 1)) == "search"
    assert user_listing_strategy((10, 0, 0)) == "groups"
    assert user_listing_strategy((10, 2, 9)) == "groups"
    assert user_listing_strategy((10, 3)) == "list"
    assert user_listing_strategy((11, 3, 0)) == "list"
