"""Jira safety rules: the Jira objects SCIM never writes and Sync never maps ("Least power").

Every part of the bridge that touches Jira asks here: the write-through (403 before any Jira
call), Sync Users & Groups (left out of the listing and the membership pass) and Remove
Directory (never deleted). The rules are collected in one `JiraPolicy`, so that a new rule
(protected users, per-site lists, groups Jira reports as holding admin permissions) is one
more field and one more `protects_*` method here, and each caller keeps asking the policy.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings

# Jira's administrator groups: never created, changed, joined or deleted through SCIM.
ADMINISTRATOR_GROUPS = ("jira-administrators", "jira-system-administrators")


def _names(names: Iterable[str]) -> frozenset[str]:
    """Names as the rules compare them: trimmed and lower-cased (Jira's names are)."""
    return frozenset(name.strip().lower() for name in names if name and name.strip())


@dataclass(frozen=True)
class JiraPolicy:
    """The safety rules in force: names are compared trimmed and case-insensitively."""

    protected_groups: frozenset[str]

    def protects_group(self, name: str) -> bool:
        """Whether SCIM and Sync must leave this Jira group alone."""
        return name.strip().lower() in self.protected_groups


def current_policy() -> JiraPolicy:
    """The rules from the settings: the administrator groups plus `JIRA_PROTECTED_GROUPS`.

    Read on every call (cheap), so that a changed setting (tests) applies at once.
    """
    extra = getattr(settings, "JIRA_PROTECTED_GROUPS", ())
    return JiraPolicy(protected_groups=_names((*ADMINISTRATOR_GROUPS, *extra)))


def protected_groups() -> frozenset[str]:
    """Lower-cased names of the groups SCIM never touches (see `current_policy`)."""
    return current_policy().protected_groups


def is_protected(name: str) -> bool:
    """Whether the Jira group holds Jira administration, by name (see `current_policy`)."""
    return current_policy().protects_group(name)
