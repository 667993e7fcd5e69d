"""Benchmark of SCIM Bulk: N operations in one POST /Bulk against the same N as single requests.

The operations are those of tests/provisioning/writethrough/test_bulk.py (70% user creates,
15% group creates with `bulkId` members, 10% member adds, 5% disables, shuffled so that many
references point forward), written through to the fake Jira over HTTP. The single-request
run sends them in the Bulk request's execution order with the ids the earlier answers gave.
Prints the wall time of each and the cost per operation (in-process through Django's test
client: the whole Django and DRF stack, no network on the SCIM side).

    .venv/bin/python bench/bulk.py                     # 1,000 operations, SQLite (temporary file)
    .venv/bin/python bench/bulk.py --operations 200
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/scimbridge .venv/bin/python bench/bulk.py
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "scimbridge.settings_test")
warnings.filterwarnings("ignore", message="No directory at")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.test.utils import setup_databases, teardown_databases  # noqa: E402

BULK = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"


def _directory(name: str, jira: Any) -> str:
    """A site on the fake Jira, a directory and a configuration; its bearer token."""
    from configurations.models import Directory, JiraSite
    from configurations.services import scim_configuration_create

    site = JiraSite(name=name, base_url=jira.url, timeout=5)
    site.set_secret(jira.admin_token)
    site.save()
    directory = Directory.objects.create(name=name, jira_site=site)
    return scim_configuration_create(name=name, directory=directory)[1].token


def _singles(client: Any, operations: list[dict[str, Any]]) -> int:
    """Send each operation alone, references replaced by the ids answered so far; failures."""
    from provisioning.scim import bulk

    parsed = bulk.parse_bulk_request({"Operations": operations}, max_operations=len(operations))
    ids: dict[str, str] = {}
    failed = 0
    for step in bulk.execution_plan(parsed.operations):
        operation = step.operation
        path = "/scim/v2" + bulk.resolved_path(operation, ids)
        body = bulk.substitute(operation.data, ids)
        response = client.generic(
            operation.method,
            path,
            json.dumps(body) if body is not None else "",
            content_type="application/scim+json",
        )
        if response.status_code >= 400:
            failed += 1
        elif operation.method == "POST" and operation.bulk_id:
            ids[operation.bulk_id] = response.json()["id"]
    return failed


def run(count: int) -> None:
    """Both runs, each on a fresh fake Jira and directory."""
    from django.test import Client, override_settings

    from provisioning.services.apply import applier_override
    from provisioning.writethrough.applier import JiraApplier
    from tests.fakejira import FakeJira
    from tests.provisioning.writethrough.test_bulk import make_plan

    operations = make_plan(count, seed=count).operations
    figures = {}
    for label in ("bulk", "single requests"):
        jira = FakeJira("9.12.4")
        jira.start()
        try:
            token = _directory(label, jira)
            client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
            # No Bulk time budget: the run measures the whole batch, not where the budget cuts.
            with (
                applier_override(JiraApplier(timeout=5, backoff_factor=0.0)),
                override_settings(SCIM_BULK_BUDGET_SECONDS=3600),
            ):
                started = time.perf_counter()
                if label == "bulk":
                    body = {"schemas": [BULK], "Operations": operations}
                    response = client.post(
                        "/scim/v2/Bulk", json.dumps(body), content_type="application/scim+json"
                    )
                    answers = response.json()["Operations"]
                    failed = sum(int(a["status"]) >= 400 for a in answers)
                else:
                    failed = _singles(client, operations)
                elapsed = time.perf_counter() - started
            figures[label] = elapsed
            print(
                f"{label:<16} {count} operations in {elapsed:6.2f} s "
                f"({elapsed / count * 1000:6.1f} ms each), {failed} failed, "
                f"{len(jira.requests())} Jira requests"
            )
        finally:
            jira.stop()
    ratio = figures["bulk"] / figures["single requests"]
    print(f"bulk / single requests: {ratio:.2f}")


def main() -> None:
    """Create a throw-away database, run, drop it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--operations", type=int, default=1000)
    arguments = parser.parse_args()
    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        handle, name = tempfile.mkstemp(suffix=".sqlite3", prefix="scimbridge-bench-")
        os.close(handle)
        database.setdefault("TEST", {})["NAME"] = name
    old = setup_databases(verbosity=0, interactive=False)
    try:
        run(arguments.operations)
    finally:
        teardown_databases(old, verbosity=0)


if __name__ == "__main__":
    main()
