"""Generation and hashing of SCIM credentials (bearer tokens and Basic-auth passwords)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

TOKEN_PREFIX = "scb_"  # noqa: S105 - a public marker, not a secret
# 32 random bytes, URL-safe base64: 43 characters after the prefix.
TOKEN_BYTES = 32
DISPLAY_PREFIX_LENGTH = len(TOKEN_PREFIX) + 6


@dataclass(frozen=True)
class GeneratedSecret:
    """A freshly generated secret: the raw value (shown once) and what is stored."""

    raw: str
    digest: str
    display_prefix: str


def digest(secret: str) -> str:
    """Return the stored form of a secret: its SHA-256 hex digest.

    The secrets are 256-bit random values, so a fast hash is enough (no dictionary can
    guess them) and keeps authentication cheap on every request.
    """
    return hashlib.sha256(secret.encode()).hexdigest()


def digests_match(secret: str, stored_digest: str) -> bool:
    """Compare a presented secret with a stored digest in constant time."""
    return hmac.compare_digest(digest(secret), stored_digest)


def generate_token() -> GeneratedSecret:
    """Generate a new bearer token."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)
    return GeneratedSecret(raw=raw, digest=digest(raw), display_prefix=raw[:DISPLAY_PREFIX_LENGTH])


def generate_password() -> GeneratedSecret:
    """Generate a new Basic-auth password."""
    raw = secrets.token_urlsafe(TOKEN_BYTES)
    return GeneratedSecret(raw=raw, digest=digest(raw), display_prefix=raw[:4])
