"""Tests of the request id in the server log's format."""

from __future__ import annotations

import logging

from django.conf import settings

from auditlog.context import RequestIdFilter, request_scope


def format_record(record: logging.LogRecord) -> str:
    """Format a record as the console handler does."""
    RequestIdFilter().filter(record)
    return logging.Formatter(settings.LOGGING["formatters"]["plain"]["format"]).format(record)


def make_record() -> logging.LogRecord:
    """A record made without the audit log's record factory (as during start-up)."""
    return logging.LogRecord("scimbridge.test", logging.INFO, __file__, 1, "hello", None, None)


class TestRequestIdFilter:
    """Every log line carries the X-Request-Id of the SCIM request it belongs to."""

    def test_inside_a_request(self) -> None:
        with request_scope("req-42", collect_jira_calls=False):
            line = format_record(make_record())
        assert "[req-42] hello" in line

    def test_outside_a_request(self) -> None:
        assert "[-] hello" in format_record(make_record())

    def test_keeps_an_existing_id(self) -> None:
        record = make_record()
        record.request_id = "from-factory"
        assert "[from-factory]" in format_record(record)

    def test_console_handler_uses_the_filter(self) -> None:
        assert "request_id" in settings.LOGGING["handlers"]["console"]["filters"]
