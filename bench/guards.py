"""Benchmark of what the guard rails add to a SCIM request.

Prints p50/p95 latencies (in-process through Django's test client; the Jira step is the
logging applier, so only scimbridge's side is measured) of:

- PATCH /Users/{id} active=false with the breaker off (limit 0) and on (limit above the run)
  — the breaker's row lock, window count and event insert;
- GET /Users?count=1 without and with a 50-range source-address allowlist;
- a request with a wrong token from an address no configuration accepts (the 403 path reads
  every enabled configuration's allowlist).

Usage (a throw-away test database is created and dropped):

    .venv/bin/python bench/guards.py                 # SQLite (temporary file)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/scimbridge .venv/bin/python bench/guards.py
    .venv/bin/python bench/guards.py --repeat 500
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "scimbridge.settings_test")
warnings.filterwarnings("ignore", message="No directory at")
if "DATABASE_URL" not in os.environ:
    os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"

import django  # noqa: E402

django.setup()

from django.test import Client  # noqa: E402
from django.test.utils import setup_databases, teardown_databases  # noqa: E402

PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
DEACTIVATE = {
    "schemas": [PATCH_SCHEMA],
    "Operations": [{"op": "replace", "path": "active", "value": False}],
}
BODY = json.dumps(DEACTIVATE)


def _timed(count: int, call: Callable[[int], Any]) -> tuple[float, float]:
    samples = []
    for index in range(count):
        start = time.perf_counter()
        call(index)
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def run(repeat: int) -> dict[str, tuple[float, float]]:
    """Measure each case `repeat` times; {case: (p50 ms, p95 ms)}."""
    from configurations.models import JiraSite, ScimConfiguration
    from configurations.services import directory_get_or_create, scim_configuration_create
    from provisioning.models import ScimUser
    from provisioning.services.apply import applier_override, log_changes

    logging.getLogger("scimbridge").setLevel(logging.WARNING)
    logging.getLogger("django").setLevel(logging.ERROR)
    site = JiraSite(name="bench", base_url="http://127.0.0.1:9")
    site.set_secret("x")
    site.save()
    directory = directory_get_or_create(name="bench", jira_site=site)
    results: dict[str, tuple[float, float]] = {}
    ranges = "\n".join(f"198.18.{n}.0/24" for n in range(49)) + "\n127.0.0.0/8"
    with applier_override(log_changes):
        for label, limit in (("deactivate, breaker off", 0), ("deactivate, breaker on", 10**6)):
            configuration, issued = scim_configuration_create(
                name=label, directory=directory, max_deprovisions=limit
            )
            users = ScimUser.objects.bulk_create(
                ScimUser(
                    directory=directory,
                    user_name=f"{limit}-{n}",
                    active=True,
                    resource={"userName": f"{limit}-{n}"},
                )
                for n in range(repeat)
            )
            client = Client(HTTP_AUTHORIZATION=f"Bearer {issued.token}")
            def deactivate(index: int, client: Client = client, users: list = users) -> None:
                response = client.patch(
                    f"/scim/v2/Users/{users[index].pk}", BODY, content_type="application/scim+json"
                )
                assert response.status_code == 200, response.content

            results[label] = _timed(repeat, deactivate)
            ScimConfiguration.objects.filter(pk=configuration.pk).update(enabled=False)

        for label, networks in (("GET, no allowlist", ""), ("GET, 50-range allowlist", ranges)):
            _, issued = scim_configuration_create(
                name=label, directory=directory, allowed_networks=networks
            )
            client = Client(HTTP_AUTHORIZATION=f"Bearer {issued.token}")

            def get(_: int, client: Client = client) -> None:
                assert client.get("/scim/v2/Users", {"count": 1}).status_code == 200

            results[label] = _timed(repeat, get)
        ScimConfiguration.objects.update(allowed_networks=ranges.replace("127.0.0.0/8", ""))
        wrong = Client(HTTP_AUTHORIZATION="Bearer scb_wrong", REMOTE_ADDR="192.0.2.1")

        def refused(_: int) -> None:
            assert wrong.get("/scim/v2/Users").status_code in (403, 429)

        results["wrong token, unknown address (403)"] = _timed(repeat, refused)
    return results


def main() -> None:
    """Set up a throw-away database, measure, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    from django.conf import settings

    settings.SCIM_AUTH_FAILURE_LIMIT = 10**9  # measure the 403, not the throttle
    old = setup_databases(verbosity=0, interactive=False)
    try:
        results = run(args.repeat)
    finally:
        teardown_databases(old, verbosity=0)
    print(f"{'case':42} {'p50 ms':>8} {'p95 ms':>8}   (n={args.repeat})")
    for case, (p50, p95) in results.items():
        print(f"{case:42} {p50:8.2f} {p95:8.2f}")


if __name__ == "__main__":
    main()
