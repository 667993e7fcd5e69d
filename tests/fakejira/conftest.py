"""Fixtures for the fake Jira's own tests: a running fake and a small HTTP helper."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.fakejira import FakeJira
from tests.fakejira.httpapi import Api


@pytest.fixture
def api(fake_jira: FakeJira) -> Api:
    """Admin (personal access token) calls to the default fake Jira (9.12.4)."""
    return Api(fake_jira)


@pytest.fixture
def api_for() -> Callable[..., Api]:
    """Build an ``Api`` for any fake and credentials: ``api_for(fake, basic=("u", "p"))``."""
    return Api
