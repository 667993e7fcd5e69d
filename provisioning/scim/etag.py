"""ETags and conditional requests (RFC 7644 section 3.14, RFC 9110 section 13)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .errors import ScimError

_TAG = re.compile(r'\s*(?:W/)?("(?:[^"\\]|\\.)*"|\*)\s*(?:,|$)')


def _opaque_tags(header: str) -> set[str] | None:
    """The opaque tags of an If-Match / If-None-Match header; None when it is malformed.

    Comparison is weak (RFC 9110 section 8.8.3.2): `W/"3"` and `"3"` are the same tag, which
    is what SCIM clients expect since meta.version is a weak ETag.
    """
    tags: set[str] = set()
    position = 0
    header = header.strip()
    while position < len(header):
        match = _TAG.match(header, position)
        if match is None or match.end() == position:
            return None
        tags.add(match.group(1))
        position = match.end()
    return tags


def _opaque(etag: str) -> str:
    return etag.removeprefix("W/")


@dataclass(frozen=True)
class Preconditions:
    """The conditional headers of a request."""

    if_match: str | None = None
    if_none_match: str | None = None

    @classmethod
    def from_meta(cls, meta: Mapping[str, Any]) -> Preconditions:
        """Read If-Match and If-None-Match from a WSGI environ / request.META."""
        return cls(meta.get("HTTP_IF_MATCH"), meta.get("HTTP_IF_NONE_MATCH"))

    def _matches(self, header: str, etag: str, name: str) -> bool:
        tags = _opaque_tags(header)
        if tags is None:
            raise ScimError(400, f"The {name} header is not a list of entity tags.")
        return "*" in tags or _opaque(etag) in tags

    def not_modified(self, etag: str) -> bool:
        """For a GET: whether If-None-Match names the current version (answer 304)."""
        return self.if_none_match is not None and self._matches(
            self.if_none_match, etag, "If-None-Match"
        )

    def check(self, etag: str) -> None:
        """For a write: raise 412 unless the current version satisfies the conditions."""
        if self.if_match is not None and not self._matches(self.if_match, etag, "If-Match"):
            raise ScimError(
                412,
                f"The resource changed: its version is {etag}, the request's If-Match is "
                f"{self.if_match}. Read it again and retry.",
            )
        if self.if_none_match is not None and self._matches(
            self.if_none_match, etag, "If-None-Match"
        ):
            raise ScimError(412, f"The resource's version {etag} matches If-None-Match.")
