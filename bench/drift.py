"""Drift and reconcile benchmark: 100,000 users / 2,000 groups / 300,000 memberships.

    .venv/bin/python bench/drift.py                      # SQLite file in /tmp, Jira 10.3 listing
    .venv/bin/python bench/drift.py --users 20000 --groups 400 --per-group 750 --changes 500
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/scimbridge_bench_drift \
        .venv/bin/python bench/drift.py

Seeds the fake Jira in this process and fills the SCIM tables with Sync Users & Groups
(not measured here: bench/sync.py), then measures four runs, each with wall time, peak
Python allocations (tracemalloc), the process's peak RSS (getrusage, includes the fake
Jira) and the Jira calls it made (every HTTP attempt, through the client's observers):

1. a drift check with no drift;
2. a drift check after `--changes` changes made by hand in Jira (a quarter each:
   deactivated users, changed emails, removed memberships, deleted users);
3. a reconcile of those differences (through the write-through, one write unit each);
4. a second reconcile, which finds nothing to do.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
import tracemalloc
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

DEFAULT_DATABASE = "sqlite:////tmp/scimbridge-bench-drift.sqlite3"


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


class CallCounter:
    """Counts the Jira client's HTTP attempts by method (a process-wide observer)."""

    def __init__(self) -> None:
        """Start at zero."""
        self.calls: Counter[str] = Counter()

    def __call__(self, call: object) -> None:
        """One attempt."""
        self.calls[getattr(call, "method", "?")] += 1

    def take(self) -> str:
        """The counts since the last take, in words; then start again."""
        total = sum(self.calls.values())
        text = f"{total} Jira calls (" + ", ".join(
            f"{method} {n}" for method, n in sorted(self.calls.items())
        ) + ")"
        self.calls.clear()
        return text


def change_by_hand(fake: object, users: int, changes: int) -> None:
    """A quarter each: deactivate, change the email, drop a membership, delete the user."""
    state = fake.state  # type: ignore[attr-defined]
    quarter = max(changes // 4, 1)
    stride = max(users // (4 * quarter), 1)
    names = [f"user{i * stride + 1:05d}" for i in range(4 * quarter) if i * stride < users]
    with state.lock:
        for index, name in enumerate(names):
            user = state.find_user(username=name)
            if user is None:
                continue
            what = index % 4
            if what == 0:
                user.active = False
            elif what == 1:
                user.email = f"changed-{name}@elsewhere.example"
            elif what == 2:
                groups = sorted(state.direct_groups(user))
                group = next((g for g in groups if g.startswith("group-")), None)
                if group is not None:
                    state.remove_member(state.find_group(group), user)
            else:
                state.remove_user(user)
        state._sorted_cache = None


def main() -> None:
    """Seed, sync, then drift, drift after changes, reconcile, reconcile again."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--groups", type=int, default=2_000)
    parser.add_argument("--per-group", type=int, default=150, help="members per group")
    parser.add_argument("--changes", type=int, default=2_000, help="changes made in Jira")
    parser.add_argument("--version", default="10.3.2", help="Jira version the fake imitates")
    args = parser.parse_args()
    setup_django(os.environ.get("DATABASE_URL", DEFAULT_DATABASE))

    from configurations.models import JiraSite
    from configurations.services import directory_get_or_create, scim_configuration_create
    from jiraclient.observers import add_observer
    from provisioning.models import ScimMembership, ScimUser, SyncRun
    from provisioning.sync.drift_report import drift_counts
    from provisioning.sync.engine import run_execute
    from provisioning.sync.runs import run_request
    from tests.fakejira import FakeJira

    fake = FakeJira(args.version).start()
    counter = CallCounter()
    add_observer(counter)
    try:
        started = time.perf_counter()
        fake.seed_users(args.users)
        step = max(args.users // args.groups, 1)
        for g in range(args.groups):
            members = [f"user{(g * step + j) % args.users + 1:05d}" for j in range(args.per_group)]
            fake.seed_group(f"group-{g:04d}", members=members)
        site = JiraSite(name="bench", base_url=fake.url, timeout=30)
        site.set_secret(fake.admin_token)
        site.save()
        directory = directory_get_or_create(name="bench", jira_site=site)
        scim_configuration_create(name="bench", directory=directory)
        sync = run_execute(run_id=run_request(directory=directory, kind=SyncRun.Kind.SYNC).pk)
        assert sync is not None
        assert sync.status == SyncRun.Status.SUCCEEDED, sync.message
        counter.take()
        print(
            f"seeded and synced {ScimUser.objects.filter(directory=directory).count()} users, "
            f"{args.groups} groups, "
            f"{ScimMembership.objects.filter(group__directory=directory).count()} memberships "
            f"in {time.perf_counter() - started:.1f} s (Jira {args.version}, "
            f"{os.environ['DATABASE_URL'].split(':', 1)[0]})"
        )

        def measure(label: str, kind: str) -> SyncRun:
            run = run_request(directory=directory, kind=kind)
            tracemalloc.start()
            began = time.perf_counter()
            finished = run_execute(run_id=run.pk)
            wall = time.perf_counter() - began
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            assert finished is not None
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            counts = {k: v for k, v in drift_counts(finished).items() if v}
            print(
                f"{label}: {finished.status} in {wall:.1f} s; peak Python allocations "
                f"{peak / 2**20:.0f} MiB; process peak RSS {rss:.0f} MiB; {counter.take()}"
            )
            print(f"  differences: {counts or 'none'}")
            if kind == SyncRun.Kind.RECONCILE:
                print(f"  {finished.message}")
            return finished

        measure("drift, no drift", SyncRun.Kind.DRIFT)
        change_by_hand(fake, args.users, args.changes)
        measure(f"drift after {args.changes} changes in Jira", SyncRun.Kind.DRIFT)
        measure("reconcile", SyncRun.Kind.RECONCILE)
        measure("second reconcile (nothing to do)", SyncRun.Kind.RECONCILE)
    finally:
        fake.stop()


if __name__ == "__main__":
    main()
