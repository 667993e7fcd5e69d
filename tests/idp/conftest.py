"""Fixtures for the replays: a fake Jira, a directory on it, the Jira applier, IdP clients."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.servers.basehttp import WSGIRequestHandler

from configurations.models import Directory, JiraSite
from configurations.services import directory_get_or_create, scim_configuration_create
from provisioning.services.apply import applier_override
from provisioning.writethrough.applier import JiraApplier
from tests.fakejira import FakeJira

from .client import SCIM, IdpClient

# Short Jira timeouts and no back-off sleeps: the fake Jira answers at once.
FAST: dict[str, Any] = {"timeout": 2.0, "backoff_factor": 0.0, "max_retry_wait": 1.0}

MakeIdp = Callable[..., IdpClient]


@pytest.fixture(autouse=True)
def _content_type_as_sent(monkeypatch: pytest.MonkeyPatch) -> None:
    """Serve a request without Content-Type as gunicorn does: with no CONTENT_TYPE at all.

    The live server is wsgiref's, which fills in `text/plain` for a missing header (so does
    `manage.py runserver`); the API rightly answers 415 to a real `text/plain` body.
    """
    original = WSGIRequestHandler.get_environ

    def get_environ(handler: WSGIRequestHandler) -> dict[str, Any]:
        """Django's environ, without a Content-Type the client did not send."""
        environ = original(handler)
        if handler.headers.get("Content-Type") is None:
            environ.pop("CONTENT_TYPE", None)
        return environ

    monkeypatch.setattr(WSGIRequestHandler, "get_environ", get_environ)


@pytest.fixture
def jira(fake_jira_factory: Callable[..., FakeJira]) -> FakeJira:
    """A running fake Jira Data Center 9.12."""
    return fake_jira_factory("9.12.4")


@pytest.fixture
def site(transactional_db: Any, jira: FakeJira) -> JiraSite:
    """The Jira site of the fake Jira, reached with the administrator's personal access token."""
    site = JiraSite(name="fake jira", base_url=jira.url, timeout=FAST["timeout"])
    site.set_secret(jira.admin_token)
    site.save()
    return site


@pytest.fixture
def idp_directory(site: JiraSite) -> Directory:
    """The directory the replayed IdPs provision into."""
    return directory_get_or_create(name="IdP replays", jira_site=site)


@pytest.fixture(autouse=True)
def jira_applier() -> Iterator[JiraApplier]:
    """Every write of the live server goes to the fake Jira (the applier override is global)."""
    with applier_override(JiraApplier(**FAST)) as applier:
        yield applier  # type: ignore[misc]


@pytest.fixture
def make_idp(live_server: Any, idp_directory: Directory) -> Iterator[MakeIdp]:
    """Create a SCIM configuration and return a client speaking for it over HTTP.

    Options are the configuration's (`delete_users`, `default_groups`, `application_keys`,
    `basic_auth_username`), plus `version` ("v2" or "v1"), `user_agent`, `content_type` and
    `basic` (authenticate with the Basic-auth pair instead of the token).
    """
    clients: list[IdpClient] = []

    def make(
        name: str,
        *,
        version: str = "v2",
        user_agent: str = "scimbridge-idp-replay",
        content_type: str = SCIM,
        basic: bool = False,
        **options: Any,
    ) -> IdpClient:
        """A new configuration on the directory, and a client authenticated as it."""
        _, credentials = scim_configuration_create(name=name, directory=idp_directory, **options)
        auth: dict[str, Any] = {"token": credentials.token}
        if basic:
            auth = {"basic": (credentials.basic_auth_username, credentials.basic_auth_password)}
        client = IdpClient(
            f"{live_server.url}/scim/{version}",
            user_agent=user_agent,
            content_type=content_type,
            **auth,
        )
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()
