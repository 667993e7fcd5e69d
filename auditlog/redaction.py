"""Keeping secrets out of the audit log: passwords, tokens and credentials in bodies and queries."""

from __future__ import annotations

import codecs
import io
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
_WHITESPACE = re.compile(r"\s+")


def _normalised(name: str) -> str:
    """A key or path as the SCIM layer compares it, over-approximated.

    The parser ignores case and surrounding whitespace; removing all whitespace and
    case-folding also catches spellings it would not accept, which costs nothing here.
    """
    return _WHITESPACE.sub("", name).casefold()


def is_secret_name(name: str) -> bool:
    """Whether an attribute, parameter or PATCH path of this name holds a secret.

    URN prefixes go with `:` (SCIM 2.0) or `.` (SCIM 1.1's `urn:scim:schemas:core:1.0.
    password`); any part of a dotted or filtered path that names a secret counts
    (`password`, `urn:...:User:password`, `x.clientSecret`, `password[...]`).
    """
    attribute = _normalised(name).rsplit(":", 1)[-1]
    return any(
        part.replace("_", "").replace("-", "") in _SECRET_NAMES
        for part in _PATH_PARTS.split(attribute)
        if part
    )


def _values_of(mapping: dict[str, Any], key: str) -> list[Any]:
    """Every value whose key is `key` once normalised (IdPs send `Path`, `path `, `PATH`).

    The parser keeps the last of such duplicates; the redactor looks at all of them, so
    that no ordering of `Path` and `path` hides a secret.
    """
    return [value for name, value in mapping.items() if isinstance(name, str)
            and _normalised(name) == key]


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
    labels = _values_of(value, "path") + _values_of(value, "name")
    value_is_secret = any(isinstance(label, str) and is_secret_name(label) for label in labels)
    redacted: dict[str, Any] = {}
    for key, item in value.items():
        if isinstance(key, str) and (
            is_secret_name(key) or (value_is_secret and _normalised(key) == "value")
        ):
            redacted[key] = REDACTED
        else:
            redacted[key] = redact_document(item)
    return redacted


def decode(raw: bytes, encoding: str) -> str:
    """A body decoded as the API's JSON parser decodes it (DRF: the request's charset).

    Raises UnicodeDecodeError (or LookupError for an unknown codec) where the parser fails.
    """
    return codecs.getreader(encoding)(io.BytesIO(raw)).read()


def storable(text: str) -> str:
    """Text a database column holds: no NUL (PostgreSQL refuses it), no lone surrogate."""
    text = text.replace("\x00", "\ufffd")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", errors="replace").decode("utf-8")
    return text


def _dump(document: Any) -> str:
    text = json.dumps(document, ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates from "\ud800" escapes: keep them escaped
        text = json.dumps(document)
    return text


def redact_body(raw: bytes, *, encoding: str = "utf-8") -> str:
    """A body as the audit log stores it: JSON with secrets redacted, or withheld when unsure.

    The body is decoded with the request's charset, as the parser does, so `charset=utf-7`
    or `utf-16` cannot spell a secret's name past the redactor. A body that is not JSON
    cannot be redacted reliably, so it is stored only when no decoding of it mentions
    anything secret-looking.
    """
    if not raw:
        return ""
    try:
        text: str | None = decode(raw, encoding)
    except (UnicodeError, LookupError):
        text = None
    if text is not None:
        try:
            document = json.loads(text)
        except (ValueError, RecursionError):
            pass
        else:
            try:
                return _dump(redact_document(document))
            except RecursionError:
                return WITHHELD
    readings = [raw.decode("utf-8", errors="replace")]
    if text is not None:
        readings.append(text)
    # NULs removed: UTF-16/32 text read as UTF-8 still shows its words.
    if any(_SECRET_WORD.search(reading.replace("\x00", "")) for reading in readings):
        return WITHHELD
    return storable(text if text is not None else readings[0])


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
