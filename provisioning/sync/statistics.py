"""Fresh planner statistics after a large run (PostgreSQL): the read path must not guess.

Right after a sync wrote 100,000 rows and before autovacuum's analyze, PostgreSQL plans
with the statistics of the empty tables: `filter=userName eq` chose the ordering index and
scanned every row (25 req/s instead of hundreds). So a run that wrote many rows analyzes
the tables it touched before it ends.
"""

from __future__ import annotations

import logging

from django.db import connection

from provisioning.models import ScimGroup, ScimMembership, ScimUser, ScimUserValue

from .runs import RunContext

logger = logging.getLogger("scimbridge.sync")

# Rows written (created, linked, updated, removed, unmapped) past which a run analyzes.
ANALYZE_AFTER_ROWS = 5_000
TOUCHED = (ScimUser, ScimUserValue, ScimGroup, ScimMembership)
WRITES = ("created", "linked", "updated", "removed", "unmapped")


def rows_written(ctx: RunContext) -> int:
    """How many rows this run (with earlier attempts of it) created, changed or removed."""
    return sum(
        int(values.get(name, 0)) for values in ctx.counters.values() for name in WRITES
    )


def analyze_if_large(ctx: RunContext) -> bool:
    """ANALYZE the sync's tables on PostgreSQL after a large run; True when it did."""
    if connection.vendor != "postgresql" or rows_written(ctx) < ANALYZE_AFTER_ROWS:
        return False
    tables = ", ".join(connection.ops.quote_name(model._meta.db_table) for model in TOUCHED)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {tables}")
    logger.info("Run %s wrote %d rows: analyzed %s", ctx.run.pk, rows_written(ctx), tables)
    return True
