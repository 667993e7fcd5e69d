"""scripts/topology-check: start the production topology, drive it through nginx, check it.

Two gunicorn instances behind nginx, two Celery workers and beat on PostgreSQL and Redis, a
fake Jira Data Center over HTTP. Then: /healthz through nginx; an IdP replay with concurrent
clients (every user and group sent by several clients at once, as retrying IdPs do); a Sync
through the load balancer, a second Sync and a duplicate task while it runs (the directory
lock across processes), and a SIGKILL of the worker running it (taken over, completed).
Exit 0 only when every check holds; the figures are printed either way.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import requests
from celery import Celery

from tests.fakejira import FakeJira

from .report import Checks
from .scrape import check_metrics, scrape, series_sum
from .stack import Stack

SCIM = "application/scim+json"
# Members of these are protected: Sync never maps them (provisioning/policy.py).
ADMIN_GROUPS = {"jira-administrators", "jira-system-administrators"}
# Short takeover windows, as in tests/provisioning/sync/test_worker_killed.py.
WINDOWS = {
    "SYNC_HEARTBEAT_SECONDS": "0.5",
    "SYNC_TAKEOVER_GRACE_SECONDS": "2",
    "SYNC_STALE_SECONDS": "5",
    "SYNC_REQUEUE_INTERVAL": "2",
    "CELERY_VISIBILITY_TIMEOUT": "6",
    "CELERY_UNACKED_RESTORE_INTERVAL": "1",
    "SYNC_PAGE_SIZE": "100",
    "SYNC_BATCH_SIZE": "100",
}


def _user(name: str) -> str:
    return json.dumps(
        {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": name,
            "name": {"givenName": "Topo", "familyName": name},
            "emails": [{"value": f"{name}@example.com", "primary": True}],
            "active": True,
        }
    )


def _group(name: str) -> str:
    return json.dumps(
        {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": name}
    )


def idp_replay(lb: str, token: str, *, users: int, groups: int, clients: int) -> dict:
    """Users and groups each POSTed by 3 clients at once, then members added concurrently."""
    headers = {"Authorization": f"Bearer {token}", "Content-Type": SCIM}
    statuses: Counter[int] = Counter()
    ids: dict[str, str] = {}
    local = threading.local()

    def session() -> requests.Session:
        if not hasattr(local, "session"):
            local.session = requests.Session()
        return local.session

    def post(path: str, body: str, key: str) -> None:
        answer = session().post(f"{lb}/scim/v2/{path}", data=body, headers=headers, timeout=60)
        statuses[answer.status_code] += 1
        if answer.status_code == 201:
            ids[key] = answer.json()["id"]

    jobs = [("Users", _user(f"topo{n:04d}"), f"u{n}") for n in range(users) for _ in range(3)]
    jobs += [
        ("Groups", _group(f"topo-group-{n}"), f"g{n}") for n in range(groups) for _ in range(3)
    ]
    begun = time.monotonic()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(lambda job: post(*job), jobs))

    def add_member(group_key: str, user_key: str) -> None:
        body = json.dumps(
            {
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [
                    {"op": "add", "path": "members", "value": [{"value": ids[user_key]}]}
                ],
            }
        )
        answer = session().patch(
            f"{lb}/scim/v2/Groups/{ids[group_key]}", data=body, headers=headers, timeout=60
        )
        statuses[answer.status_code] += 1

    patches = [
        (f"g{n % groups}", f"u{n}")
        for n in range(users)
        for _ in range(2)
        if f"g{n % groups}" in ids and f"u{n}" in ids
    ]
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(lambda job: add_member(*job), patches))
    elapsed = time.monotonic() - begun
    return {"statuses": dict(statuses), "requests": sum(statuses.values()), "seconds": elapsed}


def admin_session(lb: str, password: str) -> requests.Session:
    """Logged in to the admin through the load balancer."""
    session = requests.Session()
    page = session.get(f"{lb}/admin/login/", timeout=30)
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    session.post(
        f"{lb}/admin/login/?next=/admin/",
        data={"csrfmiddlewaretoken": csrf, "username": "admin", "password": password},
        headers={"Referer": f"{lb}/admin/login/"},
        timeout=30,
    ).raise_for_status()
    return session


def press_sync(session: requests.Session, lb: str, directory_id: int) -> requests.Response:
    """The utilities page's Sync button."""
    utilities = f"{lb}/admin/provisioning/syncrun/utilities/"
    page = session.get(utilities, timeout=30)
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    return session.post(
        f"{utilities}{directory_id}/sync/",
        data={"csrfmiddlewaretoken": csrf},
        headers={"Referer": utilities},
        timeout=30,
    )


def run_row(db: psycopg.Connection, run_id: int) -> dict:
    """The run's row, read directly from PostgreSQL."""
    row = db.execute(
        "SELECT status, owner, attempts, counters FROM provisioning_syncrun WHERE id = %s",
        [run_id],
    ).fetchone()
    return {"status": row[0], "owner": row[1], "attempts": row[2], "counters": row[3]}


def pgid_of(pid: int) -> int | None:
    """The process group of a live process."""
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[2])
    except (OSError, IndexError, ValueError):
        return None


def scenario(stack: Stack, fake: FakeJira, checks: Checks, args: argparse.Namespace) -> None:
    """Everything through nginx; checks and figures into `checks`."""
    lb = f"http://127.0.0.1:{stack.lb_port}"
    health = requests.get(
        f"{lb}/healthz", headers={"Authorization": "Bearer topology-health"}, timeout=30
    )
    body = health.json() if health.ok else {}
    checks.check(
        "/healthz through nginx",
        health.status_code == 200 and body.get("database") == "ok" and body.get("broker") == "ok",
        json.dumps(body),
    )
    token_file = stack.workdir / "jira-pat"
    token_file.write_text(fake.admin_token)
    created = json.loads(
        stack.manage(
            *("scim_configuration", "create", "--name", "topology", "--json"),
            *("--jira-url", fake.base_url, "--jira-token-file", str(token_file)),
        )
    )
    token = created["token"]

    replay = idp_replay(lb, token, users=args.users, groups=args.groups, clients=args.clients)
    checks.figures["replay"] = replay
    bad = {s: n for s, n in replay["statuses"].items() if s >= 500}
    checks.check("IdP replay: no 5xx through nginx", not bad, json.dumps(replay["statuses"]))
    jira_users = [u for u in fake.users.values() if u.name.startswith("topo")]
    jira_groups = [g for g in fake.groups if g.startswith("topo-group-")]
    created_users = [r for r in fake.requests("POST", "/rest/api/2/user") if r.status == 201]
    duplicates = (len(created_users) - len(jira_users)) + max(0, len(jira_users) - args.users)
    checks.figures["duplicates"] = duplicates
    checks.check(
        "no duplicate Jira objects",
        len(jira_users) == args.users and len(jira_groups) == args.groups and duplicates == 0,
        f"{len(jira_users)} users, {len(jira_groups)} groups in Jira; "
        f"{len(created_users)} user creations answered 201",
    )
    check_metrics(lb, checks, replay["requests"])
    with psycopg.connect(stack.database_url, autocommit=True) as db:
        scim_users = db.execute(
            "SELECT count(*), count(DISTINCT user_name) FROM provisioning_scimuser"
        ).fetchone()
        checks.check(
            "one SCIM row per user", scim_users[0] == scim_users[1] == args.users, str(scim_users)
        )
        lock_and_takeover(stack, fake, checks, db, lb)


def lock_and_takeover(
    stack: Stack, fake: FakeJira, checks: Checks, db: psycopg.Connection, lb: str
) -> None:
    """Sync through nginx; a second press and a duplicate task; SIGKILL of its worker."""
    fake.seed_users(1500, prefix="bulk")
    fake.delay("GET", "/rest/api/2/user/list", 0.25)
    directory_id = db.execute("SELECT id FROM configurations_directory").fetchone()[0]
    password = (stack.workdir / "var" / "admin-password").read_text().strip()
    session = admin_session(lb, password)
    begun = time.monotonic()
    answer = press_sync(session, lb, directory_id)
    answered = time.monotonic() - begun
    run_id = int(re.search(r"\?run=(\d+)", answer.url).group(1))
    checks.figures["sync_button_seconds"] = round(answered, 2)
    checks.check("Sync button answers at once", answered < 5, f"{answered:.2f} s")

    deadline = time.monotonic() + 60
    while run_row(db, run_id)["status"] != "running" and time.monotonic() < deadline:
        time.sleep(0.1)
    second = press_sync(session, lb, directory_id)
    runs = db.execute(
        "SELECT count(*) FROM provisioning_syncrun WHERE directory_id = %s", [directory_id]
    ).fetchone()[0]
    checks.check(
        "run lock: a second Sync while one runs starts nothing",
        runs == 1 and "already" in second.text,
        f"{runs} run row(s)",
    )
    producer = Celery("topology-producer", broker=stack.redis_url, set_as_current=False)
    producer.send_task("provisioning.tasks.execute_run", args=[run_id])
    producer.close()

    while time.monotonic() < deadline:
        row = run_row(db, run_id)
        if (row["counters"] or {}).get("users", {}).get("seen", 0) >= 300:
            break
        time.sleep(0.1)
    row = run_row(db, run_id)
    owner_pid = int(row["owner"].split(";")[-3])
    group = pgid_of(owner_pid)
    victim = next(
        (
            name
            for name, p in stack.processes.items()
            if name.startswith("worker") and p.pid == group
        ),
        None,
    )
    if not checks.check("the run executes in a worker", victim is not None, row["owner"]):
        return
    active = db.execute(
        "SELECT count(*) FROM provisioning_syncrun WHERE directory_id = %s "
        "AND status IN ('queued', 'running')",
        [directory_id],
    ).fetchone()[0]
    checks.check("run lock: one active run across both workers", active == 1, f"{active} active")
    stack.kill(victim)
    killed_at = time.monotonic()
    takeover = done = None
    while time.monotonic() < killed_at + 90:
        row = run_row(db, run_id)
        if takeover is None and row["owner"] and int(row["owner"].split(";")[-3]) != owner_pid:
            takeover = time.monotonic() - killed_at
        if row["status"] not in ("queued", "running"):
            done = time.monotonic() - killed_at
            break
        time.sleep(0.1)
    checks.figures["takeover_seconds"] = takeover and round(takeover, 1)
    checks.figures["done_after_kill_seconds"] = done and round(done, 1)
    checks.check(
        f"{victim} SIGKILLed mid-sync: run taken over and completed",
        takeover is not None and row["status"] == "succeeded",
        f"status {row['status']}, attempts {row['attempts']}, takeover "
        f"{takeover and round(takeover, 1)} s, done {done and round(done, 1)} s after the kill",
    )
    mapped = db.execute(
        "SELECT count(*) FROM provisioning_scimuser WHERE directory_id = %s", [directory_id]
    ).fetchone()[0]
    mappable = [u.name for u in fake.users.values() if not fake.groups_of(u.name) & ADMIN_GROUPS]
    checks.check(
        "after the takeover the SCIM tables map every Jira user once",
        mapped == len(mappable),
        f"{mapped} SCIM users for {len(mappable)} Jira users that are not administrators",
    )
    runs = db.execute(
        "SELECT count(*) FROM provisioning_syncrun WHERE directory_id = %s", [directory_id]
    ).fetchone()[0]
    checks.check("the duplicate task started no second run", runs == 1, f"{runs} run row(s)")
    succeeded = series_sum(
        scrape(lb), "scimbridge_utility_runs_total", kind="sync", status="succeeded"
    )
    checks.check(
        "/metrics counts the run the surviving worker completed", succeeded == 1, f"{succeeded:g}"
    )


def main(argv: list[str] | None = None) -> int:
    """Start, check, stop; exit 0 only when every check held."""
    parser = argparse.ArgumentParser(prog="scripts/topology-check", description=__doc__)
    parser.add_argument("--users", type=int, default=40)
    parser.add_argument("--groups", type=int, default=5)
    parser.add_argument("--clients", type=int, default=8, help="concurrent IdP clients")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    args = parser.parse_args(argv)
    database_url = os.environ.get(
        "TOPOLOGY_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/scimbridge_topo"
    )
    redis_url = os.environ.get("TOPOLOGY_REDIS_URL", "redis://127.0.0.1:6379/6")
    workdir = Path(tempfile.mkdtemp(prefix="scimbridge-topology-"))
    stack = Stack(workdir, database_url, redis_url, WINDOWS)
    checks = Checks()
    begun = time.monotonic()
    with FakeJira("10.3.2") as fake:
        try:
            stack.prepare()
            stack.manage("bootstrap_admin", "--url", "http://topology/admin/")
            stack.start_web()
            stack.start_workers()
            for index, port in enumerate(stack.web_ports):
                stack.wait_http(f"http://127.0.0.1:{port}/healthz")
                stack.log(f"web-{index}")
            for index in range(2):
                stack.wait_log(f"worker-{index}", "ready", timeout=120)
            stack.start_nginx()
            stack.wait_http(f"http://127.0.0.1:{stack.lb_port}/healthz")
            checks.figures["startup_seconds"] = round(time.monotonic() - begun, 1)
            scenario(stack, fake, checks, args)
        except Exception as exc:  # any failure is a failed check, with the logs kept
            checks.check("topology ran to the end", ok=False, detail=f"{type(exc).__name__}: {exc}")
            args.keep = True
        finally:
            stack.stop()
    checks.figures["total_seconds"] = round(time.monotonic() - begun, 1)
    print("figures:", json.dumps(checks.figures, default=str), flush=True)
    if args.keep:
        print(f"logs in {workdir}")
    else:
        import shutil

        shutil.rmtree(workdir, ignore_errors=True)
    print("topology-check:", "OK" if checks.ok else "FAILED")
    return 0 if checks.ok else 1


if __name__ == "__main__":
    sys.exit(main())
