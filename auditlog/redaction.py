"""Keeping secrets out of the audit log: passwords, tokens and credentials in bodies and queries."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl, urlencode

REDACTED = "[REDACTED]"
WITHHELD = "[not recorded: the body is not JSON and mentions a password, token or secret]"

# Attribute names (compared without URN prefix, "_" and "-", case-insensitively) whose values
# are secrets. SCIM's own is `password`; the rest are what IdPs and tools put in extensions.
_SECRET_NAMES = frozenset(
    {
        "password",
        "passwd",
        "newpassword",
        "oldpassword",
        "currentpassword",
        "secret",
        "clientsecret",
        "token",
        "accesstoken",
        "refreshtoken",
        "idtoken",
        "bearertoken",
        "apitoken",
        "apikey",
        "authorization",
        "privatekey",
    }
)
_SECRET_WORD = re.compile(r"passw|secret|token|authorization|api.?key", re.IGNORECASE)
_PATH_PARTS = re.compile(r"[.\[\]]")


def is_secret_name(name: str) -> bool:
    """Whether an attribute or parameter of this name holds a secret."""
    attribute = name.rsplit(":", 1)[-1]
    return attribute.replace("_", "").replace("-", "").lower() in _SECRET_NAMES


def _is_secret_path(path: str) -> bool:
    """Whether a PATCH path (`password`, `urn:...:User:password`, `a.b[...]`) targets a secret."""
    attribute = path.rsplit(":", 1)[-1]
    return any(is_secret_name(part) for part in _PATH_PARTS.split(attribute) if part)


def _get_ci(mapping: dict[str, Any], key: str) -> Any:
    """mapping[key] compared case-insensitively (IdPs send `Path`, `Value`, `op`, `Op`)."""
    for name, value in mapping.items():
        if isinstance(name, str) and name.lower() == key:
            return value
    return None


def redact_document(value: Any) -> Any:
    """A copy of a parsed JSON document with every secret value replaced by REDACTED.

    Covers resources (SCIM 2.0 and 1.1), PATCH operations whose `path` names a secret
    (`{"op": "replace", "path": "password", "value": ...}`), secrets inside PATCH values, and
    name/value pairs (`{"name": "password", "value": ...}`).
    """
    if isinstance(value, list):
        return [redact_document(item) for item in value]
    if not isinstance(value, dict):
        return value
    path = _get_ci(value, "path")
    label = _get_ci(value, "name")
    value_is_secret = (isinstance(path, str) and _is_secret_path(path)) or (
        isinstance(label, str) and is_secret_name(label)
    )
    redacted: dict[str, Any] = {}
    for key, item in value.items():
        if isinstance(key, str) and (
            is_secret_name(key) or (value_is_secret and key.lower() == "value")
        ):
            redacted[key] = REDACTED
        else:
            redacted[key] = redact_document(item)
    return redacted


def redact_body(raw: bytes) -> str:
    """A body as the audit log stores it: JSON with secrets redacted, or withheld when unsure.

    A body that is not JSON cannot be redacted reliably, so it is stored only when it
    mentions nothing secret-looking.
    """
    if not raw:
        return ""
    text = raw.decode("utf-8", errors="replace")
    try:
        document = json.loads(text)
    except (ValueError, RecursionError):
        return WITHHELD if _SECRET_WORD.search(text) else text
    try:
        return json.dumps(redact_document(document), ensure_ascii=False)
    except RecursionError:
        return WITHHELD


def redact_query(query: str) -> str:
    """A query string with the values of secret-named parameters redacted."""
    if not query or not _SECRET_WORD.search(query):
        return query
    pairs = parse_qsl(query, keep_blank_values=True)
    if not any(is_secret_name(name) for name, _ in pairs):
        return query  # keep the query exactly as sent
    return urlencode(
        [(name, REDACTED if is_secret_name(name) else value) for name, value in pairs],
        safe="[]",
    )


def cap(text: str, max_bytes: int) -> tuple[str, bool]:
    """Cut text to at most max_bytes of UTF-8 (never inside a character); True when cut."""
    if len(text) * 4 <= max_bytes:  # cannot exceed the cap: skip the encoding
        return text, False
    encoded = text.encode("utf-8")
    if len(encoded) <= max_bytes:
        return text, False
    return encoded[:max_bytes].decode("utf-8", errors="ignore"), True
