"""Benchmark: one SCIM write of 5,000 group members against a Jira answering each call in 20 ms.

Jira DC adds (or removes) one user per call, so such a write is 5,000 Jira calls; they are
issued with bounded concurrency (JIRA_MEMBER_WRITE_CONCURRENCY). Goal (issue #12): done
within 15 s, the IdPs' patience.

    .venv/bin/python bench/member_writes.py           # 5,000 members, 20 ms, the setting (16)
    .venv/bin/python bench/member_writes.py --members 2000 --latency 0.005 --concurrency 1,8,16
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/scimbridge_bench \\
        .venv/bin/python bench/member_writes.py

The fake Jira runs as a process of its own (python -m tests.fakejira --latency), so that its
threads do not share this process's interpreter lock. The users are mapped by a Sync run,
then each concurrency is measured in-process through Django's test client with the real
Jira applier: POST /Groups with every member, PATCH adding every member to an empty group,
PATCH removing them all. Jira's member count is read back after each (must be exact).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "scimbridge.settings_test")
os.environ.setdefault("LOG_LEVEL", "WARNING")
warnings.filterwarnings("ignore", message="No directory at")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import setup_databases, teardown_databases  # noqa: E402

GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
JSON = "application/scim+json"


def start_fake_jira(users: int, latency: float) -> tuple[subprocess.Popen[str], str]:
    """The fake Jira in a process of its own, seeded with the users; (process, base URL)."""
    process = subprocess.Popen(  # noqa: S603 - our own fake Jira, fixed arguments
        [sys.executable, "-m", "tests.fakejira", "--port", "0", "--version", "10.3.2",
         "--seed-users", str(users), "--latency", str(latency)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    if "listening on" not in line:
        process.kill()
        raise SystemExit(f"fake Jira did not start: {line!r}")
    return process, line.rsplit(" ", 1)[-1].strip()


def run(url: str, members: int, latency: float, widths: list[int]) -> None:
    """Map the users by a sync, then time each shape at each concurrency."""
    from configurations.models import JiraSite
    from configurations.services import directory_get_or_create, scim_configuration_create
    from jiraclient.sites import client_for_site
    from provisioning.models import ScimUser, SyncRun
    from provisioning.sync.engine import run_execute
    from provisioning.sync.runs import run_request

    logging.getLogger("scimbridge").setLevel(logging.WARNING)
    site = JiraSite(name="bench", base_url=url, timeout=30)
    site.set_secret("admin-pat")
    site.save()
    directory = directory_get_or_create(name="bench", jira_site=site)
    _, credentials = scim_configuration_create(name="bench", directory=directory)
    started = time.perf_counter()
    run_execute(run_id=run_request(directory=directory, kind=SyncRun.Kind.SYNC).pk)
    ids = list(
        ScimUser.objects.filter(user_name__startswith="user").order_by("user_name")
        .values_list("id", flat=True)[:members]
    )
    print(f"mapped {len(ids)} users by a sync in {time.perf_counter() - started:.1f} s")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {credentials.token}")
    jira = client_for_site(site)
    refs = [{"value": str(pk)} for pk in ids]

    def jira_total(name: str) -> int:
        return int(jira.get_group(name)["total"] or 0)

    print(f"\n{members} members, every Jira call answered after {latency * 1000:.0f} ms")
    print(f"{'concurrency':>11}  {'POST /Groups':>14}  {'PATCH add':>14}  {'PATCH remove':>14}")
    for width in widths:
        cells = []
        with override_settings(JIRA_MEMBER_WRITE_CONCURRENCY=width):
            name = f"bench-post-{width}"
            body = {"schemas": [GROUP_SCHEMA], "displayName": name, "members": refs}
            cells.append(_timed(client.post, "/scim/v2/Groups", body, 201,
                                lambda n=name: jira_total(n) == members))
            name = f"bench-patch-{width}"
            empty = client.post("/scim/v2/Groups", json.dumps(
                {"schemas": [GROUP_SCHEMA], "displayName": name}), content_type=JSON)
            group_id = empty.json()["id"]
            for op, expected in (("add", members), ("remove", 0)):
                patch = {"schemas": [PATCH_SCHEMA], "Operations": [
                    {"op": op, "path": "members", "value": refs} if op == "add" else
                    {"op": op, "path": "members"}]}
                cells.append(_timed(client.patch, f"/scim/v2/Groups/{group_id}", patch, 204,
                                    lambda n=name, e=expected: jira_total(n) == e))
        print(f"{width:>11}  " + "  ".join(f"{cell:>14}" for cell in cells), flush=True)
    jira.close()


def _timed(send, path, body, status, check) -> str:
    started = time.perf_counter()
    response = send(path, json.dumps(body), content_type=JSON)
    seconds = time.perf_counter() - started
    mark = "" if response.status_code == status else f" !{response.status_code}"
    if not mark and not check():
        mark = " !jira"
    return f"{seconds:.2f} s{mark}"


def main() -> None:
    """Start the fake Jira, create a throw-away database, run, drop both."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=5000)
    parser.add_argument("--latency", type=float, default=0.020, help="seconds per Jira call")
    parser.add_argument("--concurrency", default=str(settings.JIRA_MEMBER_WRITE_CONCURRENCY),
                        help="comma-separated JIRA_MEMBER_WRITE_CONCURRENCY values")
    args = parser.parse_args()
    widths = [int(w) for w in args.concurrency.split(",")]
    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        handle, name = tempfile.mkstemp(suffix=".sqlite3", prefix="scimbridge-bench-")
        os.close(handle)
        database.setdefault("TEST", {})["NAME"] = name
    fake, url = start_fake_jira(args.members, args.latency)
    old = setup_databases(verbosity=0, interactive=False)
    try:
        # The write budget and the member cap are what a deployment has; only the
        # concurrency varies.
        with override_settings(SCIM_MAX_MEMBERS_PER_WRITE=max(args.members,
                                                              settings.SCIM_MAX_MEMBERS_PER_WRITE)):
            run(url, args.members, args.latency, widths)
    finally:
        teardown_databases(old, verbosity=0)
        fake.terminate()
        fake.wait(timeout=10)


if __name__ == "__main__":
    main()
