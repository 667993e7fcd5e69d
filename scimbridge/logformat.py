"""Opt-in JSON log lines (LOG_FORMAT=json): one object per line for log shippers.

Every line has time (UTC, ISO 8601), level, logger, message and request_id (the SCIM
request's X-Request-Id, or "-"). The line that closes each SCIM request adds configuration,
method, path, status and duration_ms; an exception adds its traceback as one string. JSON
escapes line breaks, so no message can split a line.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

# Attributes a record may carry (logging's ``extra``) that the line includes when present.
OPTIONAL_FIELDS = ("configuration", "method", "path", "status", "duration_ms", "run_id")


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON object."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as a JSON line (without the newline the handler adds)."""
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        for name in OPTIONAL_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                line[name] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["exception"] = record.exc_text
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, ensure_ascii=False, default=str)
