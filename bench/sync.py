"""Sync Users & Groups benchmark: 100,000 users / 2,000 groups / 300,000 memberships.

    .venv/bin/python bench/sync.py                       # SQLite file in /tmp, 10.3+ listing
    .venv/bin/python bench/sync.py --users 20000 --groups 400 --per-group 750 --version 9.12.4
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/scimbridge_bench_sync \
        .venv/bin/python bench/sync.py

Seeds the fake Jira in this process, runs a full sync (the first run creates everything)
and then a second, idempotent run, and prints the wall time of each (and the CPU time of
this process, of its PostgreSQL backend when the server runs on this host, and of the fake
Jira's process: they depend less on the machine's load), the Jira objects
(users, groups, memberships seen) per second, and the process's peak RSS (getrusage,
includes the fake Jira unless `--jira-process`). `--trace-allocations` adds the peak of
Python allocations (tracemalloc, which slows a run about 2.5 times: its wall times are
not comparable); `--profile PREFIX` writes each run's cProfile statistics.
With `--jira-process` the fake Jira runs as a process of its own (as Jira is another
machine): its work no longer shares this process's CPU time and interpreter lock, and the
RSS is scimbridge's alone. Compare figures of the same mode.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import resource
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

DEFAULT_DATABASE = "sqlite:////tmp/scimbridge-bench-sync.sqlite3"


def setup_django(database_url: str) -> None:
    """Configure Django on the benchmark database, freshly migrated."""
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "scimbridge.settings_test")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    if database_url.startswith("sqlite:///"):
        Path(database_url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    import django

    django.setup()
    from django.core.management import call_command

    if not database_url.startswith("sqlite:"):
        call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)


def main() -> None:
    """Seed, sync twice, print figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--groups", type=int, default=2_000)
    parser.add_argument("--per-group", type=int, default=150, help="members per group")
    parser.add_argument("--version", default="10.3.2", help="Jira version the fake imitates")
    parser.add_argument(
        "--jira-process", action="store_true", help="run the fake Jira as a process of its own"
    )
    parser.add_argument(
        "--profile",
        metavar="PREFIX",
        help="write each run's cProfile statistics to PREFIX-1.prof, -2.prof",
    )
    parser.add_argument(
        "--trace-allocations",
        action="store_true",
        help="also report peak Python allocations (tracemalloc; slows the runs)",
    )
    args = parser.parse_args()
    setup_django(os.environ.get("DATABASE_URL", DEFAULT_DATABASE))

    from configurations.models import JiraSite
    from configurations.services import directory_get_or_create
    from provisioning.models import ScimMembership, ScimUser, SyncRun
    from provisioning.sync.engine import run_execute
    from provisioning.sync.runs import run_request
    from tests.fakejira import FakeJira

    started = time.perf_counter()
    if args.jira_process:
        process, url, token = _jira_process(args)
        stop, jira_pid = process.terminate, process.pid
    else:
        fake = FakeJira(args.version).start()
        fake.seed_users(args.users)
        step = max(args.users // args.groups, 1)
        for g in range(args.groups):
            members = [f"user{(g * step + j) % args.users + 1:05d}" for j in range(args.per_group)]
            fake.seed_group(f"group-{g:04d}", members=members)
        url, token, stop = fake.url, fake.admin_token, fake.stop
        jira_pid = None  # its work is this process's
    try:
        print(
            f"seeded {args.users} users, {args.groups} groups, "
            f"{args.groups * args.per_group} memberships in {time.perf_counter() - started:.1f} s "
            f"(Jira {args.version}{', own process' if args.jira_process else ''})"
        )
        site = JiraSite(name="bench", base_url=url, timeout=30)
        site.set_secret(token)
        site.save()
        directory = directory_get_or_create(name="bench", jira_site=site)
        for number, label in enumerate(("first sync", "second sync (no changes)"), 1):
            run = run_request(directory=directory, kind=SyncRun.Kind.SYNC)
            # Tracing allocations (tracemalloc) slows a run about 2.5 times and profiling
            # too: the wall time counts only from a run with neither.
            profiler = cProfile.Profile() if args.profile else None
            notes: list[str] = []
            if args.trace_allocations:
                tracemalloc.start()
            if profiler is not None:
                profiler.enable()
            started, cpu = time.perf_counter(), time.process_time()
            db_cpu, jira_cpu = _database_cpu(), _process_cpu(jira_pid)
            finished = run_execute(run_id=run.pk)
            wall, cpu = time.perf_counter() - started, time.process_time() - cpu
            if db_cpu is not None:
                notes.append(f"database server CPU {(_database_cpu() or 0) - db_cpu:.1f} s")
            if jira_cpu is not None:
                notes.append(f"fake Jira CPU {(_process_cpu(jira_pid) or 0) - jira_cpu:.1f} s")
            if profiler is not None:
                profiler.disable()
                profiler.dump_stats(f"{args.profile}-{number}.prof")
                notes.append(f"profile in {args.profile}-{number}.prof")
            if args.trace_allocations:
                _, peak = tracemalloc.get_traced_memory()
                tracemalloc.stop()
                notes.append(f"peak Python allocations {peak / 2**20:.0f} MiB")
            assert finished is not None
            objects = sum(values["seen"] for values in finished.counters.values())
            notes.append(f"{objects / wall:,.0f} Jira objects/s")
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(
                f"{label}: {finished.status} in {wall:.1f} s (this process's CPU {cpu:.1f} s); "
                f"process peak RSS {rss:.0f} MiB; " + "; ".join(notes)
            )
            for kind, values in finished.counters.items():
                print(f"  {kind}: " + ", ".join(f"{k} {v}" for k, v in values.items() if v))
        print(
            f"rows: {ScimUser.objects.filter(directory=directory).count()} users, "
            f"{ScimMembership.objects.filter(group__directory=directory).count()} memberships"
        )
    finally:
        stop()


def _database_cpu() -> float | None:
    """CPU seconds of this connection's PostgreSQL backend, when the server runs on this host."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return _process_cpu(cursor.fetchone()[0])


def _process_cpu(pid: int | None) -> float | None:
    """CPU seconds (user + system) a process of this host has used so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _jira_process(args: argparse.Namespace) -> tuple[subprocess.Popen[str], str, str]:
    """python -m tests.fakejira seeded with the same layout; (process, URL, token)."""
    process = subprocess.Popen(  # noqa: S603 - our own fake Jira, fixed arguments
        [
            sys.executable,
            "-m",
            "tests.fakejira",
            "--port",
            "0",
            "--version",
            args.version,
            "--seed-users",
            str(args.users),
            "--seed-users-group",
            "",
            "--seed-groups",
            str(args.groups),
            "--members-per-group",
            str(args.per_group),
        ],
        cwd=Path(__file__).resolve().parent.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    if "listening on" not in line:
        process.kill()
        raise SystemExit(f"fake Jira did not start: {line!r}")
    return process, line.rsplit(" ", 1)[-1].strip(), "admin-pat"


if __name__ == "__main__":
    main()
