"""LOG_FORMAT=json: one JSON object per line with request id, configuration and duration."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from scimbridge.logfilters import EscapeControlCharacters
from scimbridge.logformat import JsonFormatter

ROOT = Path(__file__).resolve().parent.parent


def _handler() -> tuple[logging.Handler, io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(EscapeControlCharacters())
    return handler, stream


class TestJsonFormatter:
    """The shape of a line."""

    def test_fields_and_one_line_per_record(self) -> None:
        """time, level, logger, message, request_id; a forged line break stays inside."""
        handler, stream = _handler()
        record = logging.makeLogRecord(
            {
                "name": "scimbridge.test",
                "levelname": "WARNING",
                "levelno": 30,
                "msg": "user %s\ninjected",
                "args": ("bob",),
                "request_id": "req-1",
            }
        )
        handler.handle(record)
        lines = stream.getvalue().splitlines()
        assert len(lines) == 1
        line = json.loads(lines[0])
        assert line["level"] == "WARNING"
        assert line["logger"] == "scimbridge.test"
        assert line["message"] == "user bob\\ninjected"
        assert line["request_id"] == "req-1"
        assert line["time"].endswith("+00:00")

    def test_exception_is_one_string(self) -> None:
        """A traceback is a field, not lines of its own."""
        handler, stream = _handler()
        logger = logging.getLogger("scimbridge.test.exc")
        logger.addHandler(handler)
        try:
            int("bad")
        except ValueError:
            logger.exception("failed")
        finally:
            logger.removeHandler(handler)
        (line,) = stream.getvalue().splitlines()
        assert "ValueError: invalid literal" in json.loads(line)["exception"]


def test_scim_request_line_carries_configuration_and_duration(
    client: Client, make_configuration: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """The line closing a SCIM request: configuration, method, path, status, duration_ms."""
    _, credentials = make_configuration("okta")
    with caplog.at_level(logging.INFO, logger="scimbridge.auditlog"):
        client.get(
            "/scim/v2/Users",
            HTTP_AUTHORIZATION=f"Bearer {credentials.token}",
            HTTP_X_REQUEST_ID="req-42",
        )
    (record,) = [r for r in caplog.records if r.getMessage().startswith("SCIM GET")]
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == "req-42"
    assert line["configuration"] == "okta"
    assert line["status"] == 200
    assert line["path"] == "/scim/v2/Users"
    assert isinstance(line["duration_ms"], float)


def test_log_format_setting(tmp_path: Path) -> None:
    """LOG_FORMAT=json switches the console handler; anything else than plain/json is refused."""
    code = (
        "import django, logging; django.setup(); logging.getLogger('scimbridge.x').warning('hello')"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "scimbridge.settings_test"}
    out = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**env, "LOG_FORMAT": "json"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(out.stderr.strip().splitlines()[-1])["message"] == "hello"
    plain = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert plain.stderr.strip().endswith("WARNING scimbridge.x [-] hello")
    wrong = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**env, "LOG_FORMAT": "xml"},
        check=False,
        capture_output=True,
        text=True,
    )
    assert wrong.returncode != 0
    assert "LOG_FORMAT must be plain or json" in wrong.stderr
