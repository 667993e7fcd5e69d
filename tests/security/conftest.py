"""Fixtures of the attack replays: the real SCIM API, no Jira, recording on or off."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from auditlog import services
from auditlog.export import write_csv
from auditlog.models import AuditEntry
from configurations.services import directory_get_or_create, scim_configuration_create
from provisioning.services.apply import applier_override, log_changes
from provisioning.services.changes import ChangeSet
from tests.provisioning.conftest import ScimClient, make_site


@dataclass
class PasswordApplier:
    """An applier (no Jira) that keeps the passwords the parsed requests set."""

    passwords: list[str] = field(default_factory=list)

    def __call__(self, change_set: ChangeSet) -> None:
        log_changes(change_set)  # the log lines an applier writes must not carry it either
        for change in change_set:
            password = getattr(change, "password", None)
            if password:
                self.passwords.append(password)


@pytest.fixture(autouse=True)
def applier() -> Iterator[PasswordApplier]:
    """Every write goes to this applier instead of Jira."""
    recorder = PasswordApplier()
    with applier_override(recorder):
        yield recorder


@pytest.fixture
def token(db: Any) -> str:
    """The bearer token of a configuration on a directory whose Jira nobody calls."""
    directory = directory_get_or_create(name="security", jira_site=make_site("security"))
    _, issued = scim_configuration_create(name="idp", directory=directory)
    return issued.token


@pytest.fixture
def scim(token: str) -> ScimClient:
    """SCIM 2.0 client with the valid token."""
    return ScimClient(token)


@pytest.fixture
def scim1(token: str) -> ScimClient:
    """SCIM 1.1 client with the valid token."""
    return ScimClient(token, base="/scim/v1")


@pytest.fixture
def audit_on(db: Any) -> None:
    """Recording switched on."""
    services.audit_log_set_enabled(enabled=True)


def stored_text() -> str:
    """Everything the audit table and its CSV export hold, as one text."""
    rows = AuditEntry.objects.values_list(
        "path", "query", "user_agent", "request_body", "response_body", "jira_calls"
    )
    out = io.StringIO()
    write_csv(AuditEntry.objects.all(), limit=100_000, out=out)
    return "\n".join(str(value) for row in rows for value in row) + "\n" + out.getvalue()
