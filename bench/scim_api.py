"""Benchmark of the SCIM 2.0 API on a directory of 100k users and 1k groups.

Prints p50/p95 latencies (in-process through Django's test client, so the whole Django and
DRF stack but no network) for:

- GET /Users?filter=userName eq "..."      (the IdP lookup before every create)
- GET /Users?startIndex=1&count=100         (first page of an import)
- GET /Users?startIndex=90000&count=100     (a deep page of an import)
- PATCH /Groups/{id} adding one member to a group of 50k members
- the same userName lookup from a bare Django view doing one indexed query (the floor)

Usage (a throw-away test database is created and dropped; the Jira step is replaced by the
logging applier so that only the SCIM side is measured):

    .venv/bin/python bench/scim_api.py                       # SQLite (temporary file)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/scimbridge .venv/bin/python bench/scim_api.py
    .venv/bin/python bench/scim_api.py --users 20000 --groups 200 --repeat 50
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "scimbridge.settings_test")
# whitenoise warns once that collectstatic never ran; irrelevant to the API.
warnings.filterwarnings("ignore", message="No directory at")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Value  # noqa: E402
from django.db.models.functions import Lower  # noqa: E402
from django.db.models.lookups import Exact  # noqa: E402
from django.http import HttpRequest, JsonResponse  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import setup_databases, teardown_databases  # noqa: E402
from django.urls import include, path  # noqa: E402
from django.utils import timezone  # noqa: E402

BATCH = 5000


def floor_view(request: HttpRequest) -> JsonResponse:
    """One indexed query and a JSON answer: what the lookup cannot beat."""
    from provisioning.models import ScimUser

    user = (
        ScimUser.objects.filter(
            Exact(Lower("user_name"), Lower(Value(request.GET["userName"]))),
            directory_id=int(request.GET["directory"]),
        )
        .values("id", "user_name")
        .first()
    )
    return JsonResponse({"Resources": [{"id": str(user["id"]), "userName": user["user_name"]}]})


urlpatterns = [
    path("floor", floor_view),
    path("scim/", include("provisioning.urls")),
]


def seed(users: int, groups: int, big_group: int) -> dict[str, Any]:
    """A directory with `users` users (one email row each), `groups` groups, one big group."""
    from configurations.models import Directory, JiraSite
    from configurations.services import scim_configuration_create
    from provisioning.models import ScimGroup, ScimMembership, ScimUser, ScimUserValue

    site = JiraSite(name="bench", base_url="http://127.0.0.1:9")
    site.set_secret("x")
    site.save()
    directory = Directory.objects.create(name="bench", jira_site=site)
    _, credentials = scim_configuration_create(name="bench", directory=directory)
    start = time.perf_counter()
    now = timezone.now()
    user_ids: list[uuid.UUID] = []
    for offset in range(0, users, BATCH):
        with transaction.atomic():
            rows = [
                ScimUser(
                    directory=directory,
                    user_name=f"user{n:06d}@example.com",
                    display_name=f"User {n}",
                    active=True,
                    created=now,
                    last_modified=now,
                    resource={
                        "name": {"givenName": "User", "familyName": str(n)},
                        "emails": [
                            {"value": f"user{n:06d}@example.com", "type": "work", "primary": True}
                        ],
                    },
                )
                for n in range(offset, min(offset + BATCH, users))
            ]
            ScimUser.objects.bulk_create(rows)
            ScimUserValue.objects.bulk_create(
                ScimUserValue(
                    user=row,
                    attribute="emails",
                    position=0,
                    value=row.resource["emails"][0]["value"],
                    type="work",
                    primary=True,
                    data=row.resource["emails"][0],
                )
                for row in rows
            )
            user_ids.extend(row.pk for row in rows)
    group_rows = ScimGroup.objects.bulk_create(
        ScimGroup(directory=directory, display_name=f"group{n:04d}", created=now, last_modified=now)
        for n in range(groups)
    )
    big = group_rows[0]
    members = user_ids[:big_group]
    for offset in range(0, len(members), BATCH):
        ScimMembership.objects.bulk_create(
            ScimMembership(group=big, user_id=user_id)
            for user_id in members[offset : offset + BATCH]
        )
    # Small groups of 20 members each, as a directory usually has.
    for group in group_rows[1:]:
        ScimMembership.objects.bulk_create(
            ScimMembership(group=group, user_id=user_id)
            for user_id in random.sample(user_ids, min(20, len(user_ids)))
        )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    return {
        "directory": directory,
        "token": credentials.token,
        "user_ids": user_ids,
        "outsiders": user_ids[big_group:],
        "big_group": big,
        "seconds": time.perf_counter() - start,
    }


def measure(repeat: int, call: Callable[[int], Any]) -> tuple[float, float]:
    """p50 and p95 of `repeat` calls, in milliseconds (after two warm-up calls)."""
    call(-1)
    call(-2)
    timings = []
    for attempt in range(repeat):
        started = time.perf_counter()
        call(attempt)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return statistics.median(timings), timings[max(0, int(len(timings) * 0.95) - 1)]


def expect(response: Any, status: int) -> Any:
    """Fail loudly if an operation did not do what is measured."""
    if response.status_code != status:
        raise SystemExit(f"unexpected {response.status_code}: {response.content[:300]!r}")
    return response


def run(arguments: argparse.Namespace) -> None:
    """Seed, measure, print."""
    from provisioning.services.apply import applier_override, log_changes

    logging.getLogger("scimbridge").setLevel(logging.WARNING)
    data = seed(arguments.users, arguments.groups, arguments.big_group)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {data['token']}")
    names = [
        f"user{random.randrange(arguments.users):06d}@example.com"
        for _ in range(arguments.repeat + 2)
    ]
    outsiders = list(data["outsiders"])
    random.shuffle(outsiders)
    big = data["big_group"]
    deep = max(1, min(90_000, arguments.users - 100))
    patch_body = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"]}

    def add_member(attempt: int) -> Any:
        member = str(outsiders[attempt % len(outsiders)])
        body = {
            **patch_body,
            "Operations": [{"op": "add", "path": "members", "value": [{"value": member}]}],
        }
        return expect(
            client.patch(
                f"/scim/v2/Groups/{big.pk}", json.dumps(body), content_type="application/scim+json"
            ),
            204,
        )

    operations: list[tuple[str, Callable[[int], Any]]] = [
        (
            'GET /Users?filter=userName eq "..."',
            lambda n: expect(
                client.get("/scim/v2/Users", {"filter": f'userName eq "{names[n]}"'}), 200
            ),
        ),
        (
            "GET /Users?startIndex=1&count=100",
            lambda n: expect(client.get("/scim/v2/Users", {"startIndex": 1, "count": 100}), 200),
        ),
        (
            f"GET /Users?startIndex={deep}&count=100",
            lambda n: expect(client.get("/scim/v2/Users", {"startIndex": deep, "count": 100}), 200),
        ),
        (f"PATCH /Groups/{{id}} add 1 member ({arguments.big_group} members)", add_member),
        (
            "floor: bare view, one indexed query",
            lambda n: expect(
                client.get("/floor", {"userName": names[n], "directory": data["directory"].pk}), 200
            ),
        ),
    ]
    vendor = connection.vendor
    print(
        f"\nscimbridge SCIM API on {vendor}: {arguments.users} users, {arguments.groups} "
        f"groups (seeded in {data['seconds']:.1f} s), {arguments.repeat} runs each"
    )
    print(f"{'operation':<58} {'p50 ms':>8} {'p95 ms':>8}")
    with applier_override(log_changes), override_settings(ROOT_URLCONF=__name__):
        for label, call in operations:
            p50, p95 = measure(arguments.repeat, call)
            print(f"{label:<58} {p50:>8.2f} {p95:>8.2f}")


def main() -> None:
    """Create a throw-away database, run, drop it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--groups", type=int, default=1_000)
    parser.add_argument("--big-group", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=100)
    arguments = parser.parse_args()
    arguments.big_group = min(arguments.big_group, arguments.users // 2)
    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        # A file, as in production, rather than the test runner's in-memory database.
        handle, name = tempfile.mkstemp(suffix=".sqlite3", prefix="scimbridge-bench-")
        os.close(handle)
        database.setdefault("TEST", {})["NAME"] = name
    old = setup_databases(verbosity=0, interactive=False)
    try:
        run(arguments)
    finally:
        teardown_databases(old, verbosity=0)


if __name__ == "__main__":
    main()
