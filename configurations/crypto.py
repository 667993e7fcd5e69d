"""Encryption at rest for Jira credentials (Fernet, with key rotation)."""

from __future__ import annotations

import base64
import hashlib

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
