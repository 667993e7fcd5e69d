"""The Jira safety rules, asked in one place by the write-through, Sync and Remove Directory."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

import pytest

from provisioning import policy


@dataclass
class Site:
    """The per-site lists, as JiraSite holds them."""

    protected_groups: str = ""
    unprotected_groups: str = ""
    protected_users: str = ""


class TestProtectedGroups:
    """Jira's administrator groups, the setting, the site's lists and admin-type names."""

    def test_administrator_groups_are_always_protected(self, settings: Any) -> None:
        settings.JIRA_PROTECTED_GROUPS = []
        rules = policy.current_policy()
        assert rules.protected_groups == {"jira-administrators", "jira-system-administrators"}
        assert rules.protects_group("Jira-Administrators ")
        assert not rules.protects_group("jira-software-users")

    def test_the_setting_adds_names(self, settings: Any) -> None:
        settings.JIRA_PROTECTED_GROUPS = [" Ops-EMEA", "", "  "]
        rules = policy.current_policy()
        assert rules.protects_group("ops-emea")
        assert "" not in rules.protected_groups
        assert rules.protects_group("OPS-EMEA")

    def test_admin_type_names_are_protected_unless_unprotected(self) -> None:
        site = Site(unprotected_groups="project-admins\nJira-Administrators")
        rules = policy.current_policy(site)
        assert rules.protects_group("confluence-administrators")
        assert rules.protects_group("Admins")
        assert not rules.protects_group("Project-Admins")
        # Jira's own administrator groups cannot be unprotected.
        assert rules.protects_group("jira-administrators")
        assert "unprotect" in rules.group_reason("confluence-administrators")

    def test_the_site_adds_groups_and_users(self) -> None:
        rules = policy.current_policy(Site(protected_groups="ops, release", protected_users="bg1"))
        assert rules.protects_group("Release")
        assert rules.protects_user(name="BG1 ")
        assert not rules.protects_user(name="ann")
        assert rules.protects_user(name="ann", groups=["jira-users", "ops"])
        assert rules.protects_user(name="ann", own=True)
        assert "break-glass" not in rules.user_reason(name="bg1")
        assert "protected users list" in rules.user_reason(name="bg1")

    @pytest.mark.parametrize(
        "module",
        [
            "provisioning.writethrough.context",
            "provisioning.sync.directory_sync",
            "provisioning.sync.removal",  # Remove Directory's plan
        ],
    )
    def test_every_caller_asks_the_policy(self, module: str) -> None:
        assert importlib.import_module(module).current_policy is policy.current_policy
