"""Seeding of bench/http_compare.py: a fresh PostgreSQL database and N scimbridge users.

Users are written straight through the ORM in batches (`bulk_create`), shaped as a
`POST /Users` of the benchmark stores them; seeding through the API would measure the API.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

BATCH = 5000


@dataclass(frozen=True)
class Seeded:
    """What the benchmark needs to reach the seeded directory."""

    token: str
    directory_id: int
    user_ids: list[str]


def prepare_database() -> None:
    """Drop and re-create the database DATABASE_URL names (a SQLite file or PostgreSQL)."""
    from pathlib import Path

    import django
    import psycopg
    from django.conf import settings
    from django.core.management import call_command

    django.setup()
    database = settings.DATABASES["default"]
    name = database["NAME"]
    if database["ENGINE"].endswith("sqlite3"):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{name}{suffix}").unlink(missing_ok=True)
        call_command("migrate", verbosity=0, interactive=False)
        return
    with psycopg.connect(
        host=database["HOST"] or "127.0.0.1",
        port=database["PORT"] or 5432,
        user=database["USER"] or "postgres",
        password=database["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    ) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    call_command("migrate", verbosity=0, interactive=False)


def seed_scimbridge(users: int, jira_url: str, jira_token: str, *, analyze: bool = True) -> Seeded:
    """A Jira site, a directory, a SCIM configuration and `users` users (one email each).

    `analyze`: gather the planner's statistics afterwards (False leaves them stale).
    """
    from django.db import connection, transaction
    from django.utils import timezone

    from configurations.models import Directory, JiraSite
    from configurations.services import scim_configuration_create
    from provisioning.models import ScimUser, ScimUserValue

    site = JiraSite(name="bench", base_url=jira_url)
    site.set_secret(jira_token)
    site.save()
    directory = Directory.objects.create(name="bench", jira_site=site)
    _, credentials = scim_configuration_create(name="bench", directory=directory)
    now = timezone.now()
    ids: list[str] = []
    for offset in range(0, users, BATCH):
        with transaction.atomic():
            rows = []
            for n in range(offset, min(offset + BATCH, users)):
                name = f"user{n:06d}@example.com"
                email = {"value": name, "type": "work", "primary": True}
                rows.append(
                    ScimUser(
                        id=uuid.uuid4(),
                        directory=directory,
                        user_name=name,
                        display_name=f"User {n}",
                        active=True,
                        created=now,
                        last_modified=now,
                        jira_confirmed_at=now,
                        jira_user_key=f"JIRAUSER{10000 + n}",
                        resource={
                            "name": {"givenName": "User", "familyName": str(n)},
                            "emails": [email],
                        },
                    )
                )
            ScimUser.objects.bulk_create(rows)
            ScimUserValue.objects.bulk_create(
                ScimUserValue(user=row, attribute="emails", position=0, value=row.user_name,
                              type="work", primary=True, data=row.resource["emails"][0])
                for row in rows
            )  # fmt: skip
            ids.extend(str(row.pk) for row in rows)
    if analyze:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    return Seeded(credentials.token, directory.pk, ids)
