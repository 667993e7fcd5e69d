"""Query plans of every read shape the IdP replays use, at 100,000 users, on PostgreSQL.

Issue #12: "the indexes and query shapes must not depend on lucky statistics". Each shape
is sent through Django's test client (the whole SCIM stack); every SELECT it ran is then
run again under `EXPLAIN (ANALYZE, FORMAT JSON)`, twice:

- **stale**: the tables were analyzed while empty and filled afterwards with autovacuum
  off, as right after a large first sync before autovacuum's analyze;
- **fresh**: after `ANALYZE`.

It prints, per shape and query, the scans of each plan (index or sequential, on which
table) and the execution time, and flags a sequential scan of a table of more than
10,000 rows.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/scimbridge_plans \\
    CACHE_URL=redis://127.0.0.1:6379/0 \\
        .venv/bin/python bench/query_plans.py --users 100000 --groups 2000 --per-group 150

The database named by DATABASE_URL is dropped and re-created. Each shape is sent twice and
the second is explained, as an IdP's requests find the process caches warm.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "scimbridge.settings")
os.environ.setdefault("SECRET_KEY", "bench-secret-key-" + "x" * 40)
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/scimbridge_plans")
# As deployed with several processes: the process caches on (no credential query, no COUNT
# on the second request of an unfiltered list).
os.environ.setdefault("CACHE_URL", "redis://127.0.0.1:6379/0")
warnings.filterwarnings("ignore", message="No directory at")

from bench.http_seed import prepare_database, seed_scimbridge  # noqa: E402

TABLES = [
    "provisioning_scimuser",
    "provisioning_scimuservalue",
    "provisioning_scimgroup",
    "provisioning_scimmembership",
]
BIG = 10_000


def seed_groups(directory_id: int, groups: int, per_group: int) -> None:
    """`groups` groups, group g holding `per_group` consecutive users from g * step on."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO provisioning_scimgroup (id, directory_id, display_name, external_id, "
            "version, created, last_modified, origin) SELECT gen_random_uuid(), %s, "
            "'group-' || lpad(n::text, 4, '0'), 'gext-' || n, 1, now(), now(), 'scim' "
            "FROM generate_series(0, %s - 1) n",
            [directory_id, groups],
        )
        cursor.execute(
            "UPDATE provisioning_scimuser SET external_id = 'ext-' || substr(user_name, 5, 6)"
        )
        cursor.execute(
            "WITH t AS (SELECT count(*) AS total FROM provisioning_scimuser), "
            "u AS (SELECT id, row_number() OVER (ORDER BY user_name) - 1 AS n "
            "FROM provisioning_scimuser), "
            "g AS (SELECT id, substr(display_name, 7)::int AS n FROM provisioning_scimgroup), "
            "w AS (SELECT g.id AS group_id, (g.n * (t.total / %s) + j) %% t.total AS n "
            "FROM g CROSS JOIN t CROSS JOIN generate_series(0, %s - 1) j) "
            "INSERT INTO provisioning_scimmembership (group_id, user_id, display, created) "
            "SELECT w.group_id, u.id, NULL, now() FROM w JOIN u ON u.n = w.n",
            [groups, per_group],
        )


def shapes(ids: dict[str, str]) -> list[tuple[str, str]]:
    """(label, path under /scim/v2/) of each read shape."""
    user, group = ids["user"], ids["group"]
    email = '"user012345@example.com"'

    def listed(resource: str, text: str, extra: str = "") -> str:
        return f"{resource}?filter={quote(text, safe='')}{extra}"

    no_members = "&excludedAttributes=members"
    return [
        ("Users filter userName eq", listed("Users", f"userName eq {email}")),
        ("Users filter externalId eq", listed("Users", 'externalId eq "ext-012345"')),
        ("Users filter emails[type eq work].value eq",
         listed("Users", f'emails[type eq "work"].value eq {email}')),
        ("Users filter emails.value eq", listed("Users", f"emails.value eq {email}")),
        ("Users/{id}", f"Users/{user}"),
        ("Users page startIndex=1", "Users?startIndex=1&count=100"),
        ("Users page startIndex=99000", "Users?startIndex=99000&count=100"),
        ("Users filter userName sw, count=100", listed("Users", 'userName sw "user0123"')),
        ("Groups filter displayName eq, no members",
         listed("Groups", 'displayName eq "group-0123"', no_members)),
        ("Groups filter id eq and members eq (Entra)",
         listed("Groups", f'id eq "{group}" and members eq "{user}"', no_members)),
        ("Groups page startIndex=1, no members", f"Groups?startIndex=1&count=100{no_members}"),
        ("Groups/{id}, no members", f"Groups/{group}?excludedAttributes=members"),
        ("Groups/{id} with its members", f"Groups/{group}"),
    ]  # fmt: skip


def scans(plan: dict[str, Any]) -> Iterator[tuple[str, str, float]]:
    """(node type, index or table, rows) of every scan in a JSON plan."""
    node = plan.get("Plan", plan)
    if "Scan" in node["Node Type"]:
        target = node.get("Index Name") or node.get("Relation Name") or "?"
        yield node["Node Type"], target, node.get("Actual Rows", 0) * node.get("Actual Loops", 1)
    for child in node.get("Plans", []):
        yield from scans(child)


def explain(sql: str, sizes: dict[str, int]) -> tuple[str, float, bool]:
    """The scans of one query's plan, its execution time, and whether a big table was read whole."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}")
        [[plan]] = cursor.fetchone()
    plan = plan if isinstance(plan, dict) else json.loads(plan)[0]
    found = list(scans(plan))
    seq = any(kind == "Seq Scan" and sizes.get(target, 0) > BIG for kind, target, _ in found)
    text = ", ".join(f"{kind.replace(' Scan', '')}:{target}" for kind, target, _ in found)
    return text, plan["Execution Time"], seq


def table_sizes() -> dict[str, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        return {
            table: cursor.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608
            for table in TABLES
        }


def run_shapes(token: str, ids: dict[str, str]) -> dict[str, list[tuple[str, float, bool]]]:
    """Each shape through the SCIM API, then its SELECTs explained."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    sizes = table_sizes()
    result: dict[str, list[tuple[str, float, bool]]] = {}
    for label, path in shapes(ids):
        client.get(f"/scim/v2/{path}")  # caches warm, as for an IdP's second request
        with CaptureQueriesContext(connection) as captured:
            response = client.get(f"/scim/v2/{path}")
        if response.status_code != 200:
            raise SystemExit(f"{label}: {response.status_code} {response.content[:300]!r}")
        selects = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("SELECT")]
        result[label] = [explain(sql, sizes) for sql in selects]
    return result


def main() -> None:
    """Seed with stale statistics, explain, analyze, explain again, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--groups", type=int, default=2_000)
    parser.add_argument("--per-group", type=int, default=150)
    args = parser.parse_args()
    if not os.environ["DATABASE_URL"].startswith("postgres"):
        raise SystemExit("DATABASE_URL must name a PostgreSQL database (it is re-created)")
    prepare_database()
    from django.db import connection

    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"ANALYZE {table}")
            cursor.execute(f"ALTER TABLE {table} SET (autovacuum_enabled = false)")
    started = time.perf_counter()
    seeded = seed_scimbridge(args.users, "http://127.0.0.1:9", "x", analyze=False)
    seed_groups(seeded.directory_id, args.groups, args.per_group)
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM provisioning_scimgroup ORDER BY display_name LIMIT 1")
        group = str(cursor.fetchone()[0])
        cursor.execute(
            "SELECT user_id FROM provisioning_scimmembership WHERE group_id = %s LIMIT 1", [group]
        )
        user = str(cursor.fetchone()[0])
    print(f"seeded in {time.perf_counter() - started:.0f} s: {table_sizes()}")
    ids = {"user": user, "group": group}
    stale = run_shapes(seeded.token, ids)
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"ANALYZE {table}")
    fresh = run_shapes(seeded.token, ids)
    flagged = 0
    for label in stale:
        print(f"\n{label}")
        for n, (old, new) in enumerate(zip(stale[label], fresh[label], strict=True), 1):
            for name, (text, ms, seq) in (("stale", old), ("fresh", new)):
                flagged += seq
                mark = "  <-- sequential scan of a big table" if seq else ""
                print(f"  q{n} {name}: {ms:8.2f} ms  {text}{mark}")
    print(f"\n{flagged} plan(s) read a table of more than {BIG} rows whole")


if __name__ == "__main__":
    main()
