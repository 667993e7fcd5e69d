"""Audit log benchmark: recording overhead per SCIM request, and filter/export timings at scale.

    .venv/bin/python bench/auditlog.py           # SQLite file in /tmp, 1,000,000 entries
    .venv/bin/python bench/auditlog.py --entries 100000 --requests 300
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/scimbridge_bench \
        .venv/bin/python bench/auditlog.py

Uses its own database (DATABASE_URL, default a SQLite file under /tmp): migrates it, fills the
audit log up to --entries once (reused by later runs), and prints figures. Takes minutes.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

DEFAULT_DATABASE = "sqlite:////tmp/scimbridge-bench-auditlog.sqlite3"
NEEDLE = "fn_lk10fjjz"
USER_URN = "urn:ietf:params:scim:schemas:core:2.0:User"
PATCH_URN = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def setup_django(database_url: str) -> None:
    """Configure Django on the benchmark database, migrated."""
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "scimbridge.settings_test")
    os.environ.setdefault("AUDITLOG_LOG_REQUESTS", "false")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def configuration_with_token() -> tuple[Any, str]:
    """A fresh SCIM configuration (a new one per run, so that its token is known)."""
    from configurations.models import JiraSite
    from configurations.services import directory_get_or_create, scim_configuration_create

    site = JiraSite.objects.filter(name="bench").first()
    if site is None:
        site = JiraSite(name="bench", base_url="http://127.0.0.1:9", timeout=2)
        site.set_secret("bench")
        site.save()
    directory = directory_get_or_create(name="bench", jira_site=site)
    configuration, credentials = scim_configuration_create(
        name=f"bench-{uuid.uuid4().hex[:8]}", directory=directory
    )
    return configuration, credentials.token


# --- recording overhead -----------------------------------------------------------------


def _timed_requests(client: Any, send: Callable[[Any], Any], count: int) -> list[float]:
    timings = []
    for _ in range(count):
        started = time.perf_counter()
        send(client)
        timings.append((time.perf_counter() - started) * 1e6)
    return timings


def bench_overhead(requests: int) -> None:
    """Per-request time without the middleware, with it and the log off, and with the log on."""
    from django.test import Client, override_settings

    from auditlog.models import AuditEntry
    from auditlog.services import audit_log_set_enabled

    _, token = configuration_with_token()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    user = {
        "schemas": [USER_URN],
        "userName": "bench.user@example.com",
        "name": {"givenName": "Bench", "familyName": "User"},
        "emails": [{"value": "bench.user@example.com", "type": "work", "primary": True}],
        "password": "not-recorded",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "R&D " * 100},
    }
    body = json.dumps(user)
    kinds: dict[str, Callable[[Any], Any]] = {
        "GET (catch-all 404)": lambda c: c.get("/scim/v2/Nothing", **auth),
        f"POST {len(body)} B body (404)": lambda c: c.post(
            "/scim/v2/Nothing/Users", data=body, content_type="application/scim+json", **auth
        ),
    }
    from django.conf import settings

    without = [m for m in settings.MIDDLEWARE if m != "auditlog.middleware.AuditLogMiddleware"]
    print(f"\nRecording overhead per request ({requests} requests per cell, median / p95, µs)")
    print(f"{'request':<28}{'no middleware':>18}{'log off':>18}{'log on':>18}{'on - off':>12}")
    for name, send in kinds.items():
        results: dict[str, list[float]] = {"absent": [], "off": [], "on": []}
        # The chain is built once per client: build this one without the audit middleware,
        # then time it outside override_settings (whose wrapper slows every settings read).
        absent = Client()
        with override_settings(MIDDLEWARE=without):
            absent.handler.load_middleware()
        present = Client()
        for client in (absent, present):  # warm up: imports, caches, connections
            _timed_requests(client, send, 30)
        rounds = 10
        for _ in range(rounds):
            results["absent"] += _timed_requests(absent, send, requests // rounds)
            audit_log_set_enabled(enabled=False)
            results["off"] += _timed_requests(present, send, requests // rounds)
            audit_log_set_enabled(enabled=True)
            results["on"] += _timed_requests(present, send, requests // rounds)
        audit_log_set_enabled(enabled=False)

        def cell(values: list[float]) -> str:
            p95 = statistics.quantiles(values, n=20)[-1]
            return f"{statistics.median(values):8.0f} / {p95:6.0f}"

        delta = statistics.median(results["on"]) - statistics.median(results["off"])
        print(
            f"{name:<28}{cell(results['absent']):>18}{cell(results['off']):>18}"
            f"{cell(results['on']):>18}{delta:>12.0f}"
        )
    # The rows written here are part of the measurement, not of the data set below.
    AuditEntry.objects.filter(path__startswith="/scim/v2/Nothing").delete()


# --- data set ----------------------------------------------------------------------------


def _entry(rng: random.Random, now: Any, configurations: list[Any], spread_s: int) -> Any:
    from auditlog.models import AuditEntry, Operation

    method = rng.choices(["GET", "POST", "PUT", "PATCH", "DELETE"], [50, 15, 5, 25, 5])[0]
    is_group = rng.random() < 0.3
    resource_type = "Group" if is_group else "User"
    resource_id = str(uuid.UUID(int=rng.getrandbits(128)))
    status = rng.choices(
        {"GET": [200, 404], "POST": [201, 409], "PUT": [200, 404], "PATCH": [200, 204],
         "DELETE": [204, 404]}[method], [93, 7]
    )[0]  # fmt: skip
    if rng.random() < 0.01:
        status = 503
    operation = {
        "GET": Operation.READ if rng.random() < 0.6 else Operation.LIST,
        "POST": Operation.CREATE,
        "PUT": Operation.REPLACE,
        "PATCH": Operation.PATCH,
        "DELETE": Operation.DELETE,
    }[method]
    path = f"/scim/v2/{resource_type}s"
    if operation not in {Operation.LIST, Operation.CREATE}:
        path += f"/{resource_id}"
    family = f"fn_{rng.getrandbits(40):010x}"
    user = {
        "schemas": [USER_URN],
        "userName": f"{family}@example.com",
        "name": {"givenName": "Given", "familyName": family},
        "emails": [{"value": f"{family}@example.com", "type": "work", "primary": True}],
        "active": True,
    }
    request_body = ""
    if method in {"POST", "PUT"}:
        request_body = json.dumps(user)
    elif method == "PATCH":
        request_body = json.dumps(
            {"schemas": [PATCH_URN], "Operations": [
                {"op": "add", "path": "members", "value": [{"value": resource_id}]}]}
        )  # fmt: skip
    response_body = json.dumps({**user, "id": resource_id}) if status in {200, 201} else ""
    configuration = rng.choice(configurations)
    return AuditEntry(
        created_at=now - timedelta(seconds=rng.randrange(spread_s)),
        configuration=configuration,
        configuration_name=configuration.name,
        client_address="203.0.113.10",
        user_agent="Okta SCIM Client 1.0.0",
        method=method,
        path=path,
        query="",
        status=status,
        duration_ms=round(rng.uniform(5, 400), 2),
        operation=operation,
        resource_type=resource_type,
        resource_id=resource_id if operation != Operation.LIST else "",
        request_id=str(uuid.UUID(int=rng.getrandbits(128))),
        request_body=request_body,
        response_body=response_body,
        jira_calls=[
            {
                "method": "GET",
                "path": "/rest/api/2/user",
                "query": f"username={family}",
                "status": 200,
                "duration_ms": 12.3,
                "error": None,
                "attempt": 1,
            }
        ]
        if method != "GET"
        else [],
        jira_call_count=1 if method != "GET" else 0,
    )


def fill(target: int) -> None:
    """Insert entries until the log holds `target` (30 days of traffic, 3 configurations)."""
    from django.db import connection
    from django.utils import timezone

    from auditlog.models import AuditEntry

    existing = AuditEntry.objects.count()
    if existing >= target:
        print(f"\nData set: {existing:,} entries already present (reused)")
        return
    configurations = [configuration_with_token()[0] for _ in range(3)]
    rng = random.Random(existing)
    now = timezone.now()
    spread = 30 * 24 * 3600
    started = time.perf_counter()
    batch_size = 5000
    missing = target - existing
    for offset in range(0, missing, batch_size):
        batch = [
            _entry(rng, now, configurations, spread)
            for _ in range(min(batch_size, missing - offset))
        ]
        if offset == 0:
            # One needle, 20 days back: the worst case of a rare free-text search.
            needle = batch[0]
            needle.created_at = now - timedelta(days=20)
            needle.request_body = json.dumps(
                {
                    "schemas": [USER_URN],
                    "userName": "needle@example.com",
                    "name": {"givenName": "Gn", "familyName": NEEDLE},
                }
            )
        AuditEntry.objects.bulk_create(batch)
        done = offset + len(batch)
        if done % 100_000 < batch_size:
            print(f"  inserted {existing + done:,} / {target:,}", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    elapsed = time.perf_counter() - started
    print(
        f"\nData set: inserted {missing:,} entries in {elapsed:.0f} s ({missing / elapsed:,.0f}/s)"
    )


# --- filter and export timings -----------------------------------------------------------


def _best(function: Callable[[], Any], repeat: int = 3) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - started)
    return best * 1000, result


def bench_filters() -> None:
    """The admin list (first page + bounded count) for each filter, and exports."""
    from django.conf import settings
    from django.utils import timezone

    from auditlog import export, selectors
    from auditlog.models import AuditEntry

    sample = AuditEntry.objects.order_by("-id").values("resource_id", "request_id")[5000]
    configuration_id = AuditEntry.objects.order_by("-id").values_list(
        "configuration_id", flat=True
    )[0]
    now = timezone.now()
    day = {
        "created_after": (now - timedelta(days=10)).isoformat(),
        "created_before": (now - timedelta(days=9)).isoformat(),
    }
    filters: dict[str, dict[str, str]] = {
        "none": {},
        "date range (1 day)": day,
        "configuration": {"configuration": str(configuration_id)},
        "method=DELETE": {"method": "DELETE"},
        "status_class=5xx": {"status_class": "5xx"},
        "status=409": {"status": "409"},
        "operation=patch": {"operation": "patch"},
        "resource_type=Group": {"resource_type": "Group"},
        "resource_id": {"resource_id": sample["resource_id"]},
        "request_id": {"request_id": sample["request_id"]},
        "q common (example.com)": {"q": "example.com"},
        f"q rare ({NEEDLE})": {"q": NEEDLE},
        "q rare + 1 day": {"q": NEEDLE, **day},
        "q rare + status=409": {"q": NEEDLE, "status": "409"},
    }
    limit = settings.AUDITLOG_EXPORT_LIMIT
    total = AuditEntry.objects.count()
    print(f"\nAdmin list at {total:,} entries: first page of 100 + count up to {limit + 1:,} (ms)")
    print(f"{'filter':<30}{'page':>10}{'count':>10}{'matches':>12}")
    for name, data in filters.items():
        filterset = selectors.entries_filter(data)
        assert not filterset.is_bound or filterset.is_valid(), filterset.errors
        page_ms, page = _best(
            lambda fs=filterset: selectors.entries_page(fs.qs, number=1, size=100)
        )
        count_ms, matched = _best(
            lambda fs=filterset: selectors.entries_count_upto(fs.qs, limit + 1)
        )
        shown = f"{matched:,}" if matched <= limit else f">{limit:,}"
        print(f"{name:<30}{page_ms:>10.1f}{count_ms:>10.1f}{shown:>12}")
        assert page.entries or not matched

    print(f"\nCSV export (at most {limit:,} newest matching entries, streamed)")
    print(f"{'filter':<30}{'ms':>10}{'rows':>10}{'MB':>10}")
    for name in ("none", "status_class=5xx", "q common (example.com)", "date range (1 day)"):
        filterset = selectors.entries_filter(filters[name])

        def run(fs: Any = filterset) -> tuple[int, int]:
            size = rows = 0
            for line in export.stream_csv(fs.qs, limit=limit):
                size += len(line.encode())
                rows += 1
            return rows - 1, size

        ms, (rows, size) = _best(run, repeat=2)
        print(f"{name:<30}{ms:>10.0f}{rows:>10,}{size / 1e6:>10.1f}")


def main() -> None:
    """Run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", DEFAULT_DATABASE))
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--skip-overhead", action="store_true")
    parser.add_argument("--skip-scale", action="store_true")
    args = parser.parse_args()
    setup_django(args.database_url)
    from django.db import connection

    print(f"Database: {connection.vendor} {connection.settings_dict['NAME']}")
    if not args.skip_overhead:
        bench_overhead(args.requests)
    if not args.skip_scale:
        fill(args.entries)
        bench_filters()


if __name__ == "__main__":
    main()
