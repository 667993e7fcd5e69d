"""Project-wide fixtures: Jira sites, directories and SCIM configurations."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import cache

from configurations import process_cache
from configurations.models import Directory, JiraSite, ScimConfiguration
from configurations.services import (
    IssuedCredentials,
    directory_get_or_create,
    scim_configuration_create,
)

# The fake Jira Data Center (a real HTTP server) for every test that talks to Jira.
pytest_plugins = ["tests.fakejira.fixtures"]

MakeConfiguration = Callable[..., tuple[ScimConfiguration, IssuedCredentials]]


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    """Throttling counters, health results and process caches must not leak between tests.

    A test's writes are rolled back, never committed, so they move no cache stamp: what
    the process caches hold (credentials, list totals) must be dropped here.
    """
    cache.clear()
    process_cache.clear_all()


@pytest.fixture
def jira_site(db: Any) -> JiraSite:
    """A Jira site nobody listens on (tests that talk to Jira use the fake Jira's URL)."""
    site = JiraSite(name="jira", base_url="http://127.0.0.1:9", timeout=2)
    site.set_secret("site-pat-secret")
    site.save()
    return site


@pytest.fixture
def directory(jira_site: JiraSite) -> Directory:
    """A directory on the default site."""
    return directory_get_or_create(name="Okta users", jira_site=jira_site)


@pytest.fixture
def make_configuration(directory: Directory) -> MakeConfiguration:
    """Create a configuration (default: on `directory`) and return it with its credentials."""

    def make(name: str = "okta", **options: Any) -> tuple[ScimConfiguration, IssuedCredentials]:
        options.setdefault("directory", directory)
        return scim_configuration_create(name=name, **options)

    return make
