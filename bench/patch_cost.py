"""Benchmark of PATCH and PUT cost against the size of the request (issue #18, item 1).

Prints the wall-clock time of one request per N, in-process through Django's test client
(the whole Django and DRF stack, no network; the Jira step is replaced by the logging
applier so only the SCIM side is measured):

- PATCH /scim/v1/Users/{id} with `"emails": [N values]` (1.1 merge: one value filter each)
- PATCH /scim/v2/Users/{id} with N operations `"path": "emails[value eq \\"...\\"]"`
- PUT /scim/v2/Users/{id} with N emails
- PATCH /scim/v2/Groups/{id} adding one member to a group of N members (`--group-sizes`;
  issue #12: at 50,000 it must cost at most twice what it costs at 10)

Usage (a throw-away test database is created and dropped):

    .venv/bin/python bench/patch_cost.py                      # N = 50 ... 5000
    .venv/bin/python bench/patch_cost.py --sizes 50,100,200,400,1000,5000,20000
    .venv/bin/python bench/patch_cost.py --budget 600         # raise SCIM_WRITE_BUDGET_SECONDS
    .venv/bin/python bench/patch_cost.py --sizes 50 --group-sizes 10,50000

A request past the write budget answers 503; it is printed as such with its time.
"""

from __future__ import annotations

import argparse
import json
import logging
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
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import setup_databases, teardown_databases  # noqa: E402

PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
JSON = "application/scim+json"


def emails(n: int, tag: str) -> list[dict[str, Any]]:
    """N distinct work emails."""
    return [{"value": f"{tag}{i}@example.com", "type": "work"} for i in range(n)]


def shapes(n: int) -> list[tuple[str, str, str, dict[str, Any]]]:
    """(label, method, url suffix, body) of each measured request for size n."""
    v2_ops = [
        {"op": "replace", "path": f'emails[value eq "b{i}@example.com"]', "value": e}
        for i, e in enumerate(emails(n, "b"))
    ]
    return [
        ("v1 PATCH emails[N]", "patch", "v1", {"emails": emails(n, "a")}),
        ("v2 PATCH N ops emails[value eq]", "patch", "v2", {"schemas": [PATCH_SCHEMA],
                                                           "Operations": v2_ops}),
        ("v2 PUT emails[N]", "put", "v2", {"schemas": [USER_SCHEMA], "userName": "bench@x.com",
                                          "emails": emails(n, "c")}),
    ]


def run(sizes: list[int]) -> None:
    """Create one user per measurement, send each shape, print the times."""
    from configurations.models import Directory, JiraSite
    from configurations.services import scim_configuration_create
    from provisioning.models import ScimUser
    from provisioning.services.apply import applier_override, log_changes

    logging.getLogger("scimbridge").setLevel(logging.WARNING)
    site = JiraSite(name="bench", base_url="http://127.0.0.1:9")
    site.set_secret("x")
    site.save()
    directory = Directory.objects.create(name="bench", jira_site=site)
    _, credentials = scim_configuration_create(name="bench", directory=directory)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {credentials.token}")
    print(f"\nPATCH/PUT cost (budget {getattr(settings, 'SCIM_WRITE_BUDGET_SECONDS', None)} s)")
    print(f"{'request':<36}" + "".join(f"{n:>12}" for n in sizes))
    with applier_override(log_changes):
        for index, (label, *_rest) in enumerate(shapes(1)):
            cells = []
            for n in sizes:
                ScimUser.objects.all().delete()
                created = client.post(
                    "/scim/v2/Users",
                    json.dumps({"schemas": [USER_SCHEMA], "userName": "bench@x.com"}),
                    content_type=JSON,
                )
                user_id = created.json()["id"]
                _label, method, version, body = shapes(n)[index]
                started = time.perf_counter()
                response = getattr(client, method)(
                    f"/scim/{version}/Users/{user_id}", json.dumps(body), content_type=JSON
                )
                seconds = time.perf_counter() - started
                mark = "" if response.status_code < 300 else f"!{response.status_code}"
                cells.append(f"{seconds:.3f}s{mark}")
                sys.stdout.flush()
            print(f"{label:<36}" + "".join(f"{cell:>12}" for cell in cells), flush=True)


def run_groups(sizes: list[int], repeat: int = 15) -> None:
    """PATCH add one member to groups of each size (best of `repeat`), rows seeded directly."""
    from configurations.models import Directory
    from configurations.services import scim_configuration_create
    from provisioning.models import ScimGroup, ScimMembership, ScimUser
    from provisioning.services.apply import applier_override, log_changes

    directory = Directory.objects.get(name="bench")
    _, credentials = scim_configuration_create(name="bench-groups", directory=directory)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {credentials.token}")
    ScimUser.objects.all().delete()
    users = ScimUser.objects.bulk_create(
        [ScimUser(directory=directory, user_name=f"member{i}@x.com",
                  resource={"userName": f"member{i}@x.com"}) for i in range(max(sizes) + repeat)],
        batch_size=2000,
    )
    print(f"\n{'PATCH add 1 member to a group of':<36}" + "".join(f"{n:>12}" for n in sizes))
    cells = []
    with applier_override(log_changes):
        for n in sizes:
            group = ScimGroup.objects.create(directory=directory, display_name=f"group-{n}")
            ScimMembership.objects.bulk_create(
                [ScimMembership(group=group, user=user) for user in users[:n]], batch_size=2000
            )
            best = float("inf")
            for extra in users[max(sizes):max(sizes) + repeat]:
                body = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                        "Operations": [{"op": "add", "path": "members",
                                        "value": [{"value": str(extra.pk)}]}]}
                started = time.perf_counter()
                response = client.patch(f"/scim/v2/Groups/{group.pk}", json.dumps(body),
                                        content_type=JSON)
                best = min(best, time.perf_counter() - started)
                assert response.status_code < 300, response.content[:300]
            cells.append(best)
    print(f"{'  best of ' + str(repeat) + ' (s)':<36}" + "".join(f"{c:>12.4f}" for c in cells))
    print(f"  ratio largest/smallest: {cells[-1] / cells[0]:.2f} (goal <= 2)")


def main() -> None:
    """Create a throw-away database, run, drop it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="50,100,200,400,1000,5000")
    parser.add_argument("--budget", type=float, default=None)
    parser.add_argument("--group-sizes", default="10,50000",
                        help="member counts of the groups PATCHed with one more member")
    arguments = parser.parse_args()
    sizes = [int(size) for size in arguments.sizes.split(",")]
    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        handle, name = tempfile.mkstemp(suffix=".sqlite3", prefix="scimbridge-bench-")
        os.close(handle)
        database.setdefault("TEST", {})["NAME"] = name
    budget = arguments.budget or getattr(settings, "SCIM_WRITE_BUDGET_SECONDS", None)
    old = setup_databases(verbosity=0, interactive=False)
    try:
        with override_settings(SCIM_WRITE_BUDGET_SECONDS=budget):
            run(sizes)
            run_groups([int(size) for size in arguments.group_sizes.split(",")])
    finally:
        teardown_databases(old, verbosity=0)


if __name__ == "__main__":
    main()
