"""Django's PostgreSQL backend: a reused connection health-checked only after it was idle,
no JIT compilation of queries, and prepared statements for the hottest reads.

With `CONN_HEALTH_CHECKS`, Django sends `SELECT 1` before the first query of every request
that reuses a connection: a round trip as long as a query, on every SCIM request (17% of a
worker's time serving `GET /Users/{id}`, sampled with py-spy under load). A connection that
served a request without a database error less than `DATABASE_HEALTH_CHECK_IDLE_SECONDS` ago
(default 10 s; 0 checks every time, as Django does) is trusted without the check.

What can go wrong is what Django did before health checks existed: a connection that broke
within those seconds (the database restarted) fails its next query; the SCIM API answers
that request 503 with Retry-After, Django closes the connection at the request's end (an
error occurred and it is no longer usable), and the next request opens a new one. A
connection idle for longer, the usual state after a restart, is checked as before.

JIT compilation (`jit`, on by default since PostgreSQL 12) starts when a query's estimated
cost passes `jit_above_cost`. Our reads are short index lookups, so only a wrong estimate
takes them there, and then compiling costs more than running: with statistics taken on
empty tables, a page's groups took 8 ms, of which compiling was 6 ms and the index scans
1.6 ms (`bench/query_plans.py`). A new connection turns it off for its session, unless
`DATABASE_JIT` is set.

`prepared_cursor()` gives a cursor whose statements the server prepares on their first
execution in the session and then only executes: for the SQL of provisioning/hot_reads.py,
the same text on every request, planning took four times as long as running (a user by id
and its groups: 0.23 ms of planning, 0.06 ms of execution). Django keeps psycopg's prepared
statements off (they break transaction-mode connection poolers), and so does every other
query here. `DATABASE_PREPARED_READS=false` turns these off too, e.g. behind PgBouncer in
transaction mode before its version 1.21.
"""

from __future__ import annotations

import sys
import time
from typing import Any

from django.conf import settings
from django.db.backends.postgresql import base, operations
from django.db.backends.postgresql.psycopg_any import register_tzloader
from psycopg.errors import DataError
from psycopg.pq import Format


class PreparingCursor(base.ServerBindingCursor):
    """Server-side binding; every statement prepared on its first execution.

    The connection keeps Django's `prepare_threshold=None` between these statements: psycopg
    then neither prepares nor keeps count of any other query (with a threshold, it would
    record every client-side query's text, values included, in its cache).
    """

    def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
        """As psycopg's, with `prepare=True` (which psycopg honours only under a threshold)."""
        connection = self.connection
        kept = connection.prepare_threshold
        connection.prepare_threshold = sys.maxsize
        try:
            return super().execute(query, params, **{**kwargs, "prepare": True})
        finally:
            connection.prepare_threshold = kept


class DatabaseOperations(operations.DatabaseOperations):
    """Django's, with the SQL a preparing cursor ran as its queries log shows it."""

    def last_executed_query(self, cursor: Any, sql: str, params: Any) -> str | None:
        """The statement with its parameters inlined, as Django shows server-side binding."""
        if isinstance(cursor, PreparingCursor):
            try:
                return self.compose_sql(sql, params)
            except DataError:
                return None
        return super().last_executed_query(cursor, sql, params)


class DatabaseWrapper(base.DatabaseWrapper):
    """PostgreSQL; see the module's docstring for the changes."""

    ops_class = DatabaseOperations

    _good_at: float | None = None

    def close_if_health_check_failed(self) -> None:
        """Skip the check when this connection served a request without error just now."""
        idle = float(getattr(settings, "DATABASE_HEALTH_CHECK_IDLE_SECONDS", 10))
        good_at = self._good_at
        if (
            self.connection is not None
            and not self.health_check_done
            and good_at is not None
            and time.monotonic() - good_at < idle
        ):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()

    def close_if_unusable_or_obsolete(self) -> None:
        """At a request's start and end; after a request that used it, the connection is good.

        `health_check_done` is true here only at the end of a request that used the
        connection (checked, trusted or newly opened); Django resets it for the next one.
        """
        used = self.health_check_done
        super().close_if_unusable_or_obsolete()
        if self.connection is None or self.errors_occurred:
            self._good_at = None
        elif used:
            self._good_at = time.monotonic()

    _preparing = False

    def init_connection_state(self) -> None:
        """As Django sets up a new connection, then `SET jit = off` (one round trip)."""
        super().init_connection_state()
        if not getattr(settings, "DATABASE_JIT", False):
            with self.connection.cursor() as cursor:
                cursor.execute("SET jit = off")

    def prepared_cursor(self) -> Any:
        """A cursor as `cursor()` gives, whose statements the server prepares once."""
        if not getattr(settings, "DATABASE_PREPARED_READS", True):
            return self.cursor()
        self._preparing = True
        try:
            return self._cursor()
        finally:
            self._preparing = False

    def create_cursor(self, name: str | None = None) -> Any:
        """Django's cursor, or within `prepared_cursor()` a preparing one."""
        if not self._preparing or name is not None:
            return super().create_cursor(name)
        cursor = PreparingCursor(self.connection)
        # The session's time zone for timestamps, as Django's create_cursor() sets it.
        loader = self.connection.adapters.get_loader(base.TIMESTAMPTZ_OID, Format.TEXT)
        if self.timezone != loader.timezone:
            register_tzloader(self.timezone, cursor)
        return cursor

    def close(self) -> None:
        """Close; a new connection is checked as Django checks it."""
        self._good_at = None
        super().close()
