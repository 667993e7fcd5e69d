"""Jira safety rules: the Jira objects SCIM never writes and Sync never maps ("Least power").

Every part of the bridge that touches Jira asks here: the write-through (403 before any Jira
call), Sync Users & Groups (left out of the listing, the user pass and the membership pass)
and Remove Directory (never deleted). The rules of one Jira site are one `JiraPolicy`:

- protected groups: Jira's administrator groups, `JIRA_PROTECTED_GROUPS`, the site's own
  list, and by default every group whose name contains "admin" (Jira DC grants its global
  Administer and System Administer permissions to groups only, and admin-type groups of
  other apps — `confluence-administrators`, `project-admins` — are named so) unless the
  site's admin lists it as unprotected;
- protected users: the bridge's own account, the site's break-glass list, and every member
  of a protected group (who that is, only Jira can tell: see `provisioning.sync.protection`
  and the write-through's re-check).

Names are compared trimmed and case-insensitively, as Jira compares them. The module knows
no model: a site is anything with the three list attributes of `SiteRules`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings

# Jira's administrator groups: never created, changed, joined or deleted through SCIM, and
# never unprotected.
ADMINISTRATOR_GROUPS = ("jira-administrators", "jira-system-administrators")
# Groups named like this hold administration somewhere unless the site's admin says not.
ADMIN_TYPE = re.compile("admin", re.IGNORECASE)


class SiteRules(Protocol):
    """The per-site lists an admin edits (JiraSite): names separated by commas or lines."""

    protected_groups: str
    unprotected_groups: str
    protected_users: str


def names(text: str | Iterable[str]) -> frozenset[str]:
    """Names as the rules compare them: trimmed, lower-cased, empty ones dropped.

    Accepts a list or a text of names separated by commas or line breaks (the admin's form).
    """
    items = re.split(r"[,\n]", text) if isinstance(text, str) else text
    return frozenset(name.strip().lower() for name in items if name and name.strip())


@dataclass(frozen=True)
class JiraPolicy:
    """The safety rules in force for one Jira site."""

    protected_groups: frozenset[str]
    unprotected_groups: frozenset[str] = frozenset()
    protected_users: frozenset[str] = frozenset()

    def protects_group(self, name: str) -> bool:
        """Whether SCIM and Sync must leave this Jira group alone."""
        lowered = name.strip().lower()
        if lowered in self.protected_groups:
            return True
        return bool(ADMIN_TYPE.search(lowered)) and lowered not in self.unprotected_groups

    def group_reason(self, name: str) -> str:
        """Why the group is protected, worded for a SCIM error or a run's log."""
        lowered = name.strip().lower()
        if lowered in ADMINISTRATOR_GROUPS:
            return "it is a Jira administrator group"
        if lowered in self.protected_groups:
            return "it is on the protected groups list"
        return (
            'its name contains "admin" (an admin can unprotect it in the Jira site\'s '
            '"Unprotected groups")'
        )

    def protects_user(self, *, name: str, groups: Iterable[str] = (), own: bool = False) -> bool:
        """Whether SCIM and Sync must leave this Jira user alone.

        `groups` are the user's Jira groups (as Jira reports them); `own` marks the account
        the bridge itself acts as.
        """
        if own or name.strip().lower() in self.protected_users:
            return True
        return any(self.protects_group(group) for group in groups)

    def user_reason(self, *, name: str, groups: Iterable[str] = (), own: bool = False) -> str:
        """Why the user is protected, worded for a SCIM error or a run's log."""
        if own:
            return "it is the account scimbridge itself uses in Jira"
        if name.strip().lower() in self.protected_users:
            return "it is on the Jira site's protected users list"
        group = next((group for group in groups if self.protects_group(group)), "?")
        return f"it is a member of the protected Jira group {group!r}"


def current_policy(site: SiteRules | None = None) -> JiraPolicy:
    """The rules for `site` (None: only the global ones) from the settings and the site.

    Read on every call (cheap), so that a changed setting or site applies at once.
    """
    extra = getattr(settings, "JIRA_PROTECTED_GROUPS", ())
    protected = names((*ADMINISTRATOR_GROUPS, *extra))
    if site is None:
        return JiraPolicy(protected_groups=protected)
    protected |= names(site.protected_groups)
    return JiraPolicy(
        protected_groups=protected,
        # Jira's own administrator groups and explicitly protected ones stay protected.
        unprotected_groups=names(site.unprotected_groups) - protected,
        protected_users=names(site.protected_users),
    )
