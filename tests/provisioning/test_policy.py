"""The Jira safety rules, asked in one place by the write-through, Sync and Remove Directory."""

from __future__ import annotations

from typing import Any

import pytest

from provisioning import policy


class TestProtectedGroups:
    """Jira's administrator groups and the setting's further names."""

    def test_administrator_groups_are_always_protected(self, settings: Any) -> None:
        settings.JIRA_PROTECTED_GROUPS = []
        assert policy.protected_groups() == {"jira-administrators", "jira-system-administrators"}
        assert policy.is_protected("Jira-Administrators ")
        assert not policy.is_protected("jira-software-users")

    def test_the_setting_adds_names(self, settings: Any) -> None:
        settings.JIRA_PROTECTED_GROUPS = [" Admins-EMEA", "", "  "]
        assert policy.is_protected("admins-emea")
        assert "" not in policy.protected_groups()
        assert policy.current_policy().protects_group("ADMINS-EMEA")

    @pytest.mark.parametrize(
        "module",
        [
            "provisioning.writethrough.groups",
            "provisioning.writethrough.users",
            "provisioning.sync.groups",
            "provisioning.sync.memberships",
            "provisioning.sync.remove",
        ],
    )
    def test_every_caller_asks_the_policy(self, module: str) -> None:
        import importlib

        assert importlib.import_module(module).is_protected is policy.is_protected
