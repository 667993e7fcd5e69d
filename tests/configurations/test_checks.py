"""Tests of the configurations app's system checks."""

from __future__ import annotations

from django.core import checks

from configurations.checks import DERIVED_KEY_WARNING


def _ids() -> list[str]:
    return [message.id for message in checks.run_checks(tags=[checks.Tags.security])]


class TestJiraCredentialsKeysCheck:
    """Starting without JIRA_CREDENTIALS_KEYS warns that the key is derived from SECRET_KEY."""

    def test_warns_when_key_derived(self, settings) -> None:
        settings.JIRA_CREDENTIALS_KEYS = []
        assert DERIVED_KEY_WARNING in _ids()

    def test_quiet_with_explicit_key(self, settings) -> None:
        settings.JIRA_CREDENTIALS_KEYS = ["x" * 43 + "="]
        assert DERIVED_KEY_WARNING not in _ids()
