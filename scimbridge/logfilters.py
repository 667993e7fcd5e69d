"""Logging filters shared by every handler: no client input can forge a log line."""

from __future__ import annotations

import logging
import re

# C0 and C1 control characters, DEL, and the Unicode line/paragraph separators.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def escape_control_characters(text: str) -> str:
    """`text` with every control character written as an escape (`\\n`, `\\x1b`, `\\u2028`)."""

    def escape(match: re.Match[str]) -> str:
        char = match.group()
        if char in _NAMED:
            return _NAMED[char]
        code = ord(char)
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    return _CONTROL.sub(escape, text)


class EscapeControlCharacters(logging.Filter):
    """Escapes control characters in a record's message (request paths, headers, values).

    A percent-decoded `%0a` in a path would otherwise start a forged log line. Only the
    message is escaped: tracebacks, added by the formatter, keep their line breaks.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Replace the record's message by its escaped, formatted form."""
        message = record.getMessage()
        escaped = escape_control_characters(message)
        if escaped != message or record.args:
            record.msg, record.args = escaped, None
        return True
