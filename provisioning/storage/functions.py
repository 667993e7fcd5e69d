"""Database expressions the filter and sort translators need beyond Django's own."""

from __future__ import annotations

from typing import Any

from django.db.models import Func


class CollateC(Func):
    """Order strings by code point, as Python does, whatever the database's collation.

    PostgreSQL compares text with the database collation (often a locale that ignores
    punctuation at first level); `COLLATE "C"` makes `gt`/`lt` filters and sortBy agree
    with SCIM clients and with SQLite, whose default BINARY collation already is code-point
    order for UTF-8.
    """

    template = "%(expressions)s"
    arity = 1

    def as_postgresql(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        """Append COLLATE "C" on PostgreSQL."""
        return super().as_sql(
            compiler, connection, template='(%(expressions)s) COLLATE "C"', **extra_context
        )
