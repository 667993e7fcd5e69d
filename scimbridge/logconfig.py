"""Django's LOGGING: one console handler, the plain or the JSON format (scimbridge/logformat.py)."""

from __future__ import annotations

from typing import Any


def logging_config(
    *, level: str, scimbridge_level: str, log_format: str, request_level: str
) -> dict[str, Any]:
    """The LOGGING dict for these levels and `log_format` ("plain" or "json")."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
            "json": {"()": "scimbridge.logformat.JsonFormatter"},
        },
        # X-Request-Id of the SCIM request being served, or "-": matches a log line to an
        # IdP's error report and to its audit log entry. Control characters in messages
        # escaped: client input cannot forge log lines.
        "filters": {
            "request_id": {"()": "auditlog.context.RequestIdFilter"},
            "escape_control": {"()": "scimbridge.logfilters.EscapeControlCharacters"},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": log_format,
                "filters": ["request_id", "escape_control"],
            },
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "scimbridge": {"level": scimbridge_level, "propagate": True},
            "django.request": {"level": request_level},
        },
    }
