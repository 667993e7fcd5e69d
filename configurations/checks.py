"""System checks of the configurations app: how Jira credentials are protected at rest."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks

DERIVED_KEY_WARNING = "configurations.W001"


@checks.register(checks.Tags.security, deploy=False)
def check_jira_credentials_keys(app_configs: Any = None, **kwargs: Any) -> list[checks.Warning]:
    """Warn when the Fernet key for Jira credentials is derived from SECRET_KEY."""
    if settings.JIRA_CREDENTIALS_KEYS:
        return []
    return [
        checks.Warning(
            "JIRA_CREDENTIALS_KEYS is not set: Jira credentials are encrypted with a key "
            "derived from SECRET_KEY, so rotating SECRET_KEY makes them unreadable and anyone "
            "holding SECRET_KEY can decrypt them.",
            hint="Set JIRA_CREDENTIALS_KEYS to a Fernet key (python -c \"from "
            "cryptography.fernet import Fernet; print(Fernet.generate_key().decode())\"); "
            "see docs/configuration.md.",
            id=DERIVED_KEY_WARNING,
        )
    ]
