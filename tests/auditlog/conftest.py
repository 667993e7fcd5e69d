"""Fixtures of the audit log tests: the switch, authenticated clients, entries in bulk."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from auditlog import services
from auditlog.models import AuditEntry, Operation
from configurations.models import JiraSite, ScimConfiguration
from configurations.services import directory_get_or_create, scim_configuration_create
from tests.fakejira import FakeJira

MakeEntries = Callable[..., list[AuditEntry]]


@pytest.fixture(autouse=True)
def _audit_urls(settings: Any) -> None:
    """Serve the test URLconf: SCIM-shaped test views, the SCIM catch-all and the admin."""
    settings.ROOT_URLCONF = "tests.auditlog.urls"


@pytest.fixture
def audit_on(db: Any) -> None:
    """Recording switched on."""
    services.audit_log_set_enabled(enabled=True)


@pytest.fixture
def configuration(make_configuration: Any) -> tuple[ScimConfiguration, str]:
    """A SCIM configuration and its bearer token."""
    configuration, credentials = make_configuration("okta")
    return configuration, credentials.token


@pytest.fixture
def scim(client: Client, configuration: tuple[ScimConfiguration, str]) -> Client:
    """A test client that authenticates as the configuration (bearer token)."""
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {configuration[1]}"
    return client


@pytest.fixture
def jira_configuration(db: Any, fake_jira: FakeJira) -> tuple[ScimConfiguration, str]:
    """A configuration whose directory's Jira site is the running fake Jira."""
    site = JiraSite(name="fake jira", base_url=fake_jira.url, timeout=5)
    site.set_secret(fake_jira.admin_token)
    site.save()
    directory = directory_get_or_create(name="Fake Jira users", jira_site=site)
    configuration, credentials = scim_configuration_create(name="jira-idp", directory=directory)
    return configuration, credentials.token


@pytest.fixture
def make_entries(db: Any) -> MakeEntries:
    """Insert entries with one bulk INSERT: `make_entries(3, status=409)`, newest last."""
    counter = itertools.count(1)

    def make(count: int = 1, *, start: datetime | None = None, **fields: Any) -> list[AuditEntry]:
        first = start or timezone.now() - timedelta(hours=1)
        entries = []
        for offset in range(count):
            number = next(counter)
            values = {
                "created_at": first + timedelta(seconds=offset),
                "configuration_name": "",
                "client_address": "127.0.0.1",
                "user_agent": "Okta SCIM Client 1.0.0",
                "method": "GET",
                "path": f"/scim/v2/Users/u{number}",
                "query": "",
                "status": 200,
                "duration_ms": 12.5,
                "operation": Operation.READ,
                "resource_type": "User",
                "resource_id": f"u{number}",
                "request_id": f"req-{number}",
                "request_body": "",
                "response_body": f'{{"id": "u{number}"}}',
            }
            values.update(fields)
            if values.get("configuration") is not None:
                values["configuration_name"] = values["configuration"].name
            entries.append(AuditEntry(**values))
        return AuditEntry.objects.bulk_create(entries)

    return make


@pytest.fixture
def staff_user(django_user_model: Any) -> Any:
    """A staff user without any permission (tests grant what they need)."""
    return django_user_model.objects.create_user(
        username="staff", password="pw-for-tests", is_staff=True
    )
