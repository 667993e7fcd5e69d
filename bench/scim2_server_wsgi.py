"""scim2-server (PyPI, in memory) for bench/http_compare.py, seeded before gunicorn forks.

Run by the interpreter of a separate virtualenv holding `scim2-server` (never a dependency
of scimbridge): `gunicorn --preload bench.scim2_server_wsgi:application`. With `--preload`
the seed happens once in the master and every worker starts with the same users and ids
(each worker then keeps its own copy: the POSTs of one worker are not seen by the other,
which does not matter for the measured requests). BENCH_USERS sets how many users; their
ids are written to BENCH_IDS_FILE, one a line.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from scim2_models import Email, Meta, Name, ScimProvider, User
from scim2_server.memory import InMemoryStorage
from scim2_server.service import ScimService
from scim2_server.testserver.application import BEARER_TOKEN_SCHEME, BearerTokenApplication
from scim2_server.utils import (
    load_default_resource_types,
    load_default_schemas,
    load_default_service_provider_config,
)

TOKEN = os.environ.get("BENCH_TOKEN", "bench-token")


def _build() -> BearerTokenApplication:
    config = load_default_service_provider_config()
    config.authentication_schemes = [*(config.authentication_schemes or []), BEARER_TOKEN_SCHEME]
    provider = ScimProvider.from_discovery(
        load_default_schemas().values(), load_default_resource_types().values(), config=config
    )
    storage = InMemoryStorage()
    now = dt.datetime.now(dt.UTC)
    users = []
    for n in range(int(os.environ.get("BENCH_USERS", "1000"))):
        name = f"user{n:06d}@example.com"
        users.append(
            User(
                id=f"{n:032x}",
                user_name=name,
                display_name=f"User {n}",
                active=True,
                name=Name(given_name="User", family_name=str(n)),
                emails=[Email(value=name, type="work", primary=True)],
                meta=Meta(resource_type="User", created=now, last_modified=now, version='W/"1"'),
            )
        )
    storage.resources = users
    ids_file = os.environ.get("BENCH_IDS_FILE")
    if ids_file:
        Path(ids_file).write_text("".join(f"{user.id}\n" for user in users))
    service = ScimService(provider, secret="bench-only")  # noqa: S106
    return BearerTokenApplication(storage, provider, service=service, bearer_tokens=[TOKEN])


application = _build()
