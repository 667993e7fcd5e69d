"""The PostgreSQL backend health-checks a reused connection only after it was idle."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection

from scimbridge.dbbackends.postgresql import base

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the PostgreSQL backend"),
]


@pytest.fixture
def wrapper() -> Iterator[Any]:
    """A connection of our backend of its own, kept between requests, checks on."""
    settings_dict = {**connection.settings_dict, "CONN_MAX_AGE": None, "CONN_HEALTH_CHECKS": True}
    opened = base.DatabaseWrapper(settings_dict, alias="health-test")
    checks: list[bool] = []
    real = opened.is_usable

    def counted() -> bool:
        checks.append(True)
        return real()

    opened.is_usable = counted
    opened.checks = checks
    yield opened
    opened.close()


def request(wrapper: Any) -> None:
    """One request as Django serves it: connections looked at, a query, looked at again."""
    wrapper.close_if_unusable_or_obsolete()
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT 2")
    wrapper.close_if_unusable_or_obsolete()


def test_a_busy_connection_is_not_checked_before_each_request(wrapper: Any) -> None:
    request(wrapper)
    request(wrapper)
    request(wrapper)
    assert wrapper.checks == []


def test_an_idle_connection_is_checked(wrapper: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    request(wrapper)
    clock = [base.time.monotonic() + 11]
    monkeypatch.setattr(base.time, "monotonic", lambda: clock[0])
    request(wrapper)
    assert wrapper.checks == [True]


def test_zero_checks_every_reused_connection(wrapper: Any, settings: Any) -> None:
    settings.DATABASE_HEALTH_CHECK_IDLE_SECONDS = 0
    request(wrapper)  # opens the connection: nothing to check
    request(wrapper)
    request(wrapper)
    assert len(wrapper.checks) == 2


def test_after_an_error_the_connection_is_checked_once(wrapper: Any) -> None:
    request(wrapper)
    wrapper.close_if_unusable_or_obsolete()
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT 2")
    wrapper.errors_occurred = True
    wrapper.close_if_unusable_or_obsolete()  # the end of the failed request checks it
    assert wrapper.checks == [True]
    request(wrapper)  # just checked: trusted
    assert wrapper.checks == [True]


def test_a_broken_connection_is_replaced_after_one_failed_request(wrapper: Any) -> None:
    request(wrapper)
    pid = wrapper.connection.info.backend_pid
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    with pytest.raises(Exception):  # noqa: B017, PT011 - whatever psycopg raises
        request(wrapper)
    # Django closes it at the failed request's end; the next request reconnects.
    wrapper.close_if_unusable_or_obsolete()
    request(wrapper)
    assert wrapper.connection.info.backend_pid != pid


def jit_of(settings_dict: dict[str, Any]) -> str:
    """`SHOW jit` on a new connection of our backend."""
    opened = base.DatabaseWrapper(settings_dict, alias="jit-test")
    try:
        with opened.cursor() as cursor:
            cursor.execute("SHOW jit")
            return cursor.fetchone()[0]
    finally:
        opened.close()


def test_a_new_connection_compiles_no_query(settings: Any) -> None:
    # Stale statistics overestimate a short lookup past jit_above_cost; compiling it
    # would then cost more than running it.
    assert jit_of(dict(connection.settings_dict)) == "off"


def test_jit_stays_as_the_server_has_it_when_asked(settings: Any) -> None:
    settings.DATABASE_JIT = True
    with connection.cursor() as cursor:
        cursor.execute("SELECT reset_val FROM pg_settings WHERE name = 'jit'")
        server_default = cursor.fetchone()[0]
    assert jit_of(dict(connection.settings_dict)) == server_default


def prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def test_a_prepared_cursor_prepares_its_statement_once(settings: Any) -> None:
    connection.ensure_connection()
    before = prepared_statements()
    sql = "SELECT %s::int + 1"
    for value in (1, 2, 3):
        with connection.prepared_cursor() as cursor:
            cursor.execute(sql, [value])
            assert cursor.fetchone()[0] == value + 1
    added = [text for text in prepared_statements() if text not in before]
    assert added == ["SELECT $1::int + 1"]
    # Django's setting again for every other query: psycopg neither prepares nor counts them.
    assert connection.connection.prepare_threshold is None


def test_other_cursors_and_the_switch_prepare_nothing(settings: Any) -> None:
    connection.ensure_connection()
    before = prepared_statements()
    for value in range(10):  # past psycopg's own threshold (5)
        with connection.cursor() as cursor:
            cursor.execute("SELECT %s::int + 2", [value])
    settings.DATABASE_PREPARED_READS = False
    for value in range(10):
        with connection.prepared_cursor() as cursor:
            cursor.execute("SELECT %s::int + 3", [value])
    assert prepared_statements() == before
