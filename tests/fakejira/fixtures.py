"""Pytest fixtures that run a FakeJira; import them into a conftest.py to use them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from .fake import FakeJira


@pytest.fixture
def fake_jira() -> Iterator[FakeJira]:
    """A running FakeJira imitating Jira 9.12.4, stopped after the test."""
    with FakeJira("9.12.4") as fake:
        yield fake


@pytest.fixture
def fake_jira_factory() -> Iterator[Callable[..., FakeJira]]:
    """Start FakeJira instances with any version/options; all are stopped after the test."""
    started: list[FakeJira] = []

    def start(version: str = "9.12.4", **options: Any) -> FakeJira:
        fake = FakeJira(version, **options).start()
        started.append(fake)
        return fake

    yield start
    for fake in started:
        fake.stop()
