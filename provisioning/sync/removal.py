"""The removal plan of Remove Directory: what is deleted in Jira, what is only unlinked, and why.

One decision, used by the confirmation page, its CSV download, `manage.py remove_directory`
and the run itself, so that what an admin is shown is what the run does. The run recomputes
it when it starts (state may have changed since the preview).

Only what SCIM created for this directory (origin "scim" or "adopted") is the directory's
to delete in Jira, and even then never:
- a protected user or group (`provisioning.policy`, the members of protected groups and the
  bridge's own account as Jira tells them: `protection.read_protected_users`);
- a group Jira's application roles use for access or as default (`applicationrole`), nor a
  default group of any SCIM configuration of any directory on the same Jira site;
- a user or group another directory of the same site also links (same Jira key / group
  name, case-insensitively).
With `delete_synced_users`, users Sync mapped (they existed in Jira before) are deleted too,
under the same exceptions; synced groups never are. Everything else is only unlinked: its
rows leave the SCIM tables and Jira is not touched.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from configurations.models import Directory, ScimConfiguration
from jiraclient import JiraClient
from provisioning.models import Origin, ScimGroup, ScimMembership, ScimUser
from provisioning.policy import JiraPolicy, current_policy

from .groups import list_jira_groups
from .protection import ProtectedUsers, read_protected_users

# Why an object is kept in Jira (its row is only unlinked).
PROTECTED = "protected"
APPLICATION = "application"
DEFAULT = "default"
ELSEWHERE = "elsewhere"
SYNCED = "synced"
NOT_IN_JIRA = "not_in_jira"
KEEP_REASONS = (PROTECTED, APPLICATION, DEFAULT, ELSEWHERE, SYNCED, NOT_IN_JIRA)
KEEP_WORDS = {
    PROTECTED: "protected in Jira",
    APPLICATION: "an application-access or default group of Jira's application roles",
    DEFAULT: "a default group of a SCIM configuration on this Jira site",
    ELSEWHERE: "also linked to another directory of this Jira site",
    SYNCED: "existed in Jira before Sync (mapped by Sync, not created through SCIM)",
    NOT_IN_JIRA: "not linked to a Jira object",
}
WHY_DELETED = {
    Origin.SCIM: "created through SCIM by this directory",
    Origin.ADOPTED: "adopted through SCIM by this directory",
    Origin.SYNC: 'existed in Jira before Sync ("also delete users that existed in Jira '
    'before sync" is ticked)',
}
ROW_CHUNK = 2000


@dataclass(frozen=True)
class KeepRules:
    """What Jira and the other directories of the site say must stay in Jira."""

    policy: JiraPolicy
    protected: ProtectedUsers
    # Lower-cased names / keys.
    application_groups: frozenset[str]
    default_groups: frozenset[str]
    other_user_keys: frozenset[str]
    other_group_names: frozenset[str]


def _lower(values: Iterable[Any]) -> frozenset[str]:
    return frozenset(str(value).strip().lower() for value in values if value)


def read_keep_rules(client: JiraClient, directory: Directory) -> KeepRules:
    """Read Jira (groups listing, protected members, application roles) and the site's rows.

    Jira errors propagate: without these reads there is no plan, and nothing is deleted.
    """
    site = directory.jira_site
    policy = current_policy(site)
    listing = list_jira_groups(client, policy)
    protected = read_protected_users(client, policy, group_names=listing.protected)
    role_groups = [
        name
        for role in client.application_roles() or []
        for name in (*(role.get("groups") or ()), *(role.get("defaultGroups") or ()))
    ]
    defaults = [
        name
        for configuration in ScimConfiguration.objects.filter(directory__jira_site=site)
        for name in configuration.default_group_names
    ]
    others = Directory.objects.filter(jira_site=site).exclude(pk=directory.pk)
    return KeepRules(
        policy=policy,
        protected=protected,
        application_groups=_lower(role_groups),
        default_groups=_lower(defaults),
        other_user_keys=_lower(
            ScimUser.objects.filter(directory__in=others, jira_user_key__isnull=False)
            .values_list("jira_user_key", flat=True)
            .iterator(chunk_size=ROW_CHUNK)
        ),
        other_group_names=_lower(
            ScimGroup.objects.filter(directory__in=others, jira_group_name__isnull=False)
            .values_list("jira_group_name", flat=True)
            .iterator(chunk_size=ROW_CHUNK)
        ),
    )


@dataclass(frozen=True)
class Deletion:
    """One Jira object the run deletes (then its row)."""

    kind: str  # "user" or "group"
    pk: Any
    name: str  # the SCIM userName / displayName
    jira: str  # the Jira user key / group name
    why: str


@dataclass(frozen=True)
class Kept:
    """One row whose Jira object stays; the row itself is unlinked."""

    kind: str
    pk: Any
    name: str
    reason: str


@dataclass
class RemovalPlan:
    """What Remove Directory does to one directory."""

    delete_synced_users: bool
    deletions: dict[str, list[Deletion]] = field(
        default_factory=lambda: {"users": [], "groups": []}
    )
    kept: dict[str, list[Kept]] = field(default_factory=lambda: {"users": [], "groups": []})
    memberships: int = 0

    def kept_count(self, kind: str, reason: str) -> int:
        """How many rows of `kind` ("users"/"groups") are kept in Jira for `reason`."""
        return sum(1 for item in self.kept[kind] if item.reason == reason)

    def counts(self) -> dict[str, Any]:
        """The figures the confirmation page and the CLI show."""
        reasons = {
            kind: Counter(item.reason for item in self.kept[kind]) for kind in ("users", "groups")
        }
        return {
            "users_delete": len(self.deletions["users"]),
            "users_unlink": len(self.kept["users"]),
            "groups_delete": len(self.deletions["groups"]),
            "groups_unlink": len(self.kept["groups"]),
            "memberships": self.memberships,
            "kept": {kind: {r: reasons[kind][r] for r in KEEP_REASONS} for kind in reasons},
        }

    def all_deletions(self) -> list[Deletion]:
        """Users then groups, as the CSV lists them."""
        return [*self.deletions["users"], *self.deletions["groups"]]


def _user_keep_reason(
    rules: KeepRules, key: str | None, name: str, origin: str, delete_synced: bool
) -> str | None:
    if not key:
        return NOT_IN_JIRA
    if rules.protected.protects(key=key, name=name):
        return PROTECTED
    if key.lower() in rules.other_user_keys:
        return ELSEWHERE
    if origin in (Origin.SCIM, Origin.ADOPTED) or (origin == Origin.SYNC and delete_synced):
        return None
    return SYNCED


def _group_keep_reason(rules: KeepRules, name: str | None, origin: str) -> str | None:
    if not name:
        return NOT_IN_JIRA
    lowered = name.strip().lower()
    if rules.policy.protects_group(name):
        return PROTECTED
    if lowered in rules.application_groups:
        return APPLICATION
    if lowered in rules.default_groups:
        return DEFAULT
    if lowered in rules.other_group_names:
        return ELSEWHERE
    if origin in (Origin.SCIM, Origin.ADOPTED):
        return None
    return SYNCED  # synced groups are never deleted, whatever the option


def removal_plan(
    directory: Directory, rules: KeepRules, *, delete_synced_users: bool = False
) -> RemovalPlan:
    """Sort every row of the directory into "delete in Jira" or "unlink only" (no Jira call)."""
    plan = RemovalPlan(delete_synced_users=delete_synced_users)
    users = (
        ScimUser.objects.filter(directory=directory)
        .order_by("user_name", "pk")
        .values_list("pk", "user_name", "jira_user_key", "origin")
    )
    for pk, name, key, origin in users.iterator(chunk_size=ROW_CHUNK):
        reason = _user_keep_reason(rules, key, name, origin, delete_synced_users)
        if reason is None:
            plan.deletions["users"].append(Deletion("user", pk, name, key, WHY_DELETED[origin]))
        else:
            plan.kept["users"].append(Kept("user", pk, name, reason))
    groups = (
        ScimGroup.objects.filter(directory=directory)
        .order_by("display_name", "pk")
        .values_list("pk", "display_name", "jira_group_name", "origin")
    )
    for pk, name, jira_name, origin in groups.iterator(chunk_size=ROW_CHUNK):
        reason = _group_keep_reason(rules, jira_name, origin)
        if reason is None:
            plan.deletions["groups"].append(
                Deletion("group", pk, name, jira_name, WHY_DELETED[origin])
            )
        else:
            plan.kept["groups"].append(Kept("group", pk, name, reason))
    plan.memberships = ScimMembership.objects.filter(group__directory=directory).count()
    return plan


def plan_for(
    client: JiraClient, directory: Directory, *, delete_synced_users: bool = False
) -> RemovalPlan:
    """Read the rules from Jira and the site's rows, and plan the directory's removal."""
    rules = read_keep_rules(client, directory)
    return removal_plan(directory, rules, delete_synced_users=delete_synced_users)


CSV_HEADER = ("kind", "name", "jira", "why")


def plan_rows(plan: RemovalPlan) -> Iterable[tuple[str, str, str, str]]:
    """The CSV rows: exactly what the run deletes in Jira (kind, name, Jira key/name, why)."""
    for item in plan.all_deletions():
        yield (item.kind, item.name, item.jira, item.why)
