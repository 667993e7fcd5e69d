"""Fixtures for the write-through tests: a fake Jira, a site and directory on it, SCIM clients."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from configurations.models import Directory, JiraSite, ScimConfiguration
from configurations.services import directory_get_or_create, scim_configuration_create
from provisioning.services.apply import applier_override
from provisioning.writethrough.applier import JiraApplier
from tests.fakejira import FakeJira
from tests.provisioning.conftest import USER_SCHEMA, ScimClient

# Fast client settings: no back-off sleeps, short timeouts for the timeout faults.
FAST: dict[str, Any] = {"timeout": 1.0, "backoff_factor": 0.0, "max_retry_wait": 1.0}


@pytest.fixture
def jira(request: pytest.FixtureRequest, fake_jira_factory: Callable[..., FakeJira]) -> FakeJira:
    """A running fake Jira: 9.12.4, or the version a test parametrizes indirectly."""
    return fake_jira_factory(getattr(request, "param", "9.12.4"))


@pytest.fixture
def site(db: Any, jira: FakeJira) -> JiraSite:
    """A Jira site on the fake Jira: the admin's personal access token, or Basic before 8.14."""
    site = JiraSite(name="fake jira", base_url=jira.url, timeout=FAST["timeout"])
    if jira.features.personal_access_tokens:
        site.set_secret(jira.admin_token)
    else:
        site.auth_method = JiraSite.AuthMethod.BASIC
        site.username = jira.admin_username
        site.set_secret(jira.admin_password)
    site.save()
    return site


@pytest.fixture
def wt_directory(site: JiraSite) -> Directory:
    """The directory every configuration of these tests provisions into."""
    return directory_get_or_create(name="Write-through", jira_site=site)


@pytest.fixture(autouse=True)
def jira_applier() -> Iterator[JiraApplier]:
    """Every write goes to Jira, with fast client settings."""
    with applier_override(JiraApplier(**FAST)) as applier:
        yield applier  # type: ignore[misc]


MakeIdp = Callable[..., tuple[ScimClient, ScimConfiguration]]


@pytest.fixture
def make_idp(wt_directory: Directory) -> MakeIdp:
    """A SCIM client for a new configuration on the directory (options as the CLI takes)."""

    def make(name: str = "idp", **options: Any) -> tuple[ScimClient, ScimConfiguration]:
        configuration, credentials = scim_configuration_create(
            name=name, directory=wt_directory, **options
        )
        return ScimClient(credentials.token), configuration

    return make


@pytest.fixture
def idp(make_idp: MakeIdp) -> ScimClient:
    """An IdP whose DELETE disables users; no default groups, Jira's default applications."""
    return make_idp()[0]


def user_body(
    user_name: str,
    *,
    email: str | None = None,
    display_name: str | None = None,
    active: bool | None = None,
    **attributes: Any,
) -> dict[str, Any]:
    """A SCIM User as IdPs send it (email defaults to <userName>@example.com)."""
    body: dict[str, Any] = {"schemas": [USER_SCHEMA], "userName": user_name, **attributes}
    body["emails"] = [
        {"value": email or f"{user_name.lower()}@example.com", "type": "work", "primary": True}
    ]
    body["displayName"] = display_name or user_name.title()
    if active is not None:
        body["active"] = active
    return body


def replace_op(path: str | None, value: Any) -> dict[str, Any]:
    """A PATCH replace operation (path-less when path is None)."""
    op: dict[str, Any] = {"op": "replace", "value": value}
    if path is not None:
        op["path"] = path
    return op


def members_op(op: str, *user_ids: str) -> dict[str, Any]:
    """A PATCH add/remove of members (Entra's shape)."""
    return {"op": op, "path": "members", "value": [{"value": uid} for uid in user_ids]}
