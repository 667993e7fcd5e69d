"""Encryption at rest for Jira credentials (Fernet, with key rotation)."""

from __future__ import annotations

import base64
import hashlib
import json

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class SecretUnreadableError(Exception):
    """A stored secret cannot be decrypted with the configured keys."""


def _fernet() -> MultiFernet:
    keys = list(settings.JIRA_CREDENTIALS_KEYS)
    if not keys:
        # Development fallback: a key derived from SECRET_KEY. Changing SECRET_KEY then makes
        # stored Jira secrets unreadable, which is why production sets JIRA_CREDENTIALS_KEYS.
        digest = hashlib.sha256(b"scimbridge-jira-credentials:" + settings.SECRET_KEY.encode())
        keys = [base64.urlsafe_b64encode(digest.digest()).decode()]
    return MultiFernet([Fernet(key.encode() if isinstance(key, str) else key) for key in keys])


def encrypt(plaintext: str) -> str:
    """Encrypt a secret with the first configured key."""
    return _fernet().encrypt(plaintext.encode()).decode()


def decrypt(ciphertext: str) -> str:
    """Decrypt a secret with any configured key."""
    try:
        return _fernet().decrypt(ciphertext.encode()).decode()
    except InvalidToken as exc:
        raise SecretUnreadableError(
            "The stored Jira secret cannot be decrypted with the configured "
            "JIRA_CREDENTIALS_KEYS; enter the secret again."
        ) from exc


def _purpose_fernet(purpose: str) -> Fernet:
    # A key of its own per purpose: what is sealed for display cannot be opened as a Jira
    # credential, nor the other way round.
    digest = hashlib.sha256(f"scimbridge-{purpose}:".encode() + settings.SECRET_KEY.encode())
    return Fernet(base64.urlsafe_b64encode(digest.digest()))


def seal(data: dict, *, purpose: str) -> str:
    """Encrypt a small JSON-able dict for a short stay in less trusted storage (the session)."""
    return _purpose_fernet(purpose).encrypt(json.dumps(data).encode()).decode()


def unseal(sealed: str, *, purpose: str, max_age: int) -> dict | None:
    """Return what `seal` encrypted, or None when it is older than max_age seconds or forged."""
    try:
        return json.loads(_purpose_fernet(purpose).decrypt(sealed.encode(), ttl=max_age))
    except (InvalidToken, ValueError):
        return None
