"""Fixtures for the Jira client tests: a fake Jira, clients for it, recorded JiraCalls."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from jiraclient import JiraCall, JiraClient, add_observer, remove_observer
from tests.fakejira import FakeJira

# Small numbers keep retry tests fast.
FAST = {"timeout": 2.0, "backoff_factor": 0.01, "max_retry_wait": 2.0}


def make_client(fake: FakeJira, **options: Any) -> JiraClient:
    """A client for ``fake``; the admin PAT unless ``username``/``password``/``token`` given."""
    if not {"token", "username", "password"} & options.keys():
        options["token"] = fake.admin_token
    return JiraClient(fake.url, **(FAST | options))


@pytest.fixture
def client(fake_jira: FakeJira) -> Iterator[JiraClient]:
    """An admin client for the default fake Jira (9.12.4)."""
    with make_client(fake_jira) as jira:
        yield jira


@pytest.fixture
def client_for() -> Iterator[Callable[..., JiraClient]]:
    """Build clients for any fake: ``client_for(fake, username="u", password="p")``."""
    made: list[JiraClient] = []

    def build(fake: FakeJira, **options: Any) -> JiraClient:
        jira = make_client(fake, **options)
        made.append(jira)
        return jira

    yield build
    for jira in made:
        jira.close()


@pytest.fixture
def jira_calls() -> Iterator[list[JiraCall]]:
    """Every JiraCall notified while the test runs."""
    calls: list[JiraCall] = []
    add_observer(calls.append)
    yield calls
    remove_observer(calls.append)
