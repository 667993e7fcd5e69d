"""Issue 19, item 7: a percent-decoded `%0a` in the request path forges log lines."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

pytestmark = pytest.mark.django_db

FORGED = "2026-01-01 00:00:00,000 INFO django.security [-] admin logged in"


@pytest.fixture
def console() -> Iterator[io.StringIO]:
    """What the configured console handler (settings LOGGING) writes during the test."""
    [handler] = [
        handler
        for handler in logging.getLogger().handlers
        if type(handler) is logging.StreamHandler
    ]
    stream = io.StringIO()
    previous = handler.setStream(stream)
    try:
        yield stream
    finally:
        handler.setStream(previous)


class TestLogForging:
    """Control characters from the client are escaped in every log line."""

    def test_newline_in_the_path(self, scim, console) -> None:
        scim.get("/scim/v2/Users%0a" + FORGED.replace(" ", "%20"))
        lines = console.getvalue().splitlines()
        assert lines, "the request was not logged"
        assert not any(line.startswith(FORGED[:10]) for line in lines)
        assert any("\\n2026-01-01" in line for line in lines)

    def test_carriage_return_and_escape_sequences(self, scim, console) -> None:
        scim.get("/scim/v2/Users%0d%1b[2Jcleared")
        output = console.getvalue()
        assert "\r" not in output
        assert "\x1b" not in output
        assert "\\r\\x1b[2Jcleared" in output
