"""The log filter that escapes control characters in every message."""

from __future__ import annotations

import logging

from django.conf import settings

from scimbridge.logfilters import EscapeControlCharacters, escape_control_characters


def _record(msg: str, *args: object) -> logging.LogRecord:
    return logging.LogRecord("scimbridge.test", logging.INFO, __file__, 1, msg, args, None)


class TestEscapeControlCharacters:
    """Newlines, escape sequences and separators are written as escapes."""

    def test_characters(self) -> None:
        assert escape_control_characters("a\nb\rc\td\x1be\x00f\x7f\x85\u2028") == (
            "a\\nb\\rc\\td\\x1be\\x00f\\x7f\\x85\\u2028"
        )

    def test_plain_text_and_unicode_are_kept(self) -> None:
        assert escape_control_characters("Müller 😀 /scim/v2/Users") == "Müller 😀 /scim/v2/Users"

    def test_arguments_are_escaped_after_formatting(self) -> None:
        record = _record("SCIM %s %s", "GET", "/x\nFORGED")
        assert EscapeControlCharacters().filter(record)
        assert record.getMessage() == "SCIM GET /x\\nFORGED"

    def test_a_message_without_arguments_is_left_alone(self) -> None:
        record = _record("100% done")
        EscapeControlCharacters().filter(record)
        assert record.getMessage() == "100% done"

    def test_the_console_handler_uses_it(self) -> None:
        assert "escape_control" in settings.LOGGING["handlers"]["console"]["filters"]
