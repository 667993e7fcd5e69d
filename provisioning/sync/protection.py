"""Who a run must leave alone: the protected users of a Jira site, as Jira tells them.

The policy (`provisioning.policy`) says which groups and names are protected; only Jira
knows who is in those groups. Jira DC grants its global Administer / System Administer
permissions to groups only and has no REST call that lists who holds a global permission
(`mypermissions` answers for the caller alone), so the members of the protected groups are
the administrators a REST client can see. Sync and Remove Directory read them once per run.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from jiraclient import JiraClient, JiraNotFound
from provisioning.policy import JiraPolicy

MEMBER_PAGE_SIZE = 1000


@dataclass
class ProtectedUsers:
    """The Jira users of a site that SCIM never writes and Sync never maps."""

    policy: JiraPolicy
    own_key: str
    # Members (nested ones included) of every protected group, by Jira key.
    member_keys: set[str] = field(default_factory=set)

    def protects(self, *, key: str, name: str) -> bool:
        """Whether the Jira user with this key and name is protected."""
        return (
            key == self.own_key
            or key in self.member_keys
            or self.policy.protects_user(name=name)
        )

    def reason(self, *, key: str, name: str) -> str:
        """Why, for a run's log."""
        if key == self.own_key:
            return self.policy.user_reason(name=name, own=True)
        if key in self.member_keys:
            return "it is a member of a protected Jira group"
        return self.policy.user_reason(name=name)


def read_protected_users(
    client: JiraClient, policy: JiraPolicy, *, group_names: Iterable[str] = ()
) -> ProtectedUsers:
    """Ask Jira for the bridge's own account and the members of every protected group.

    `group_names` are the site's groups (a listing); the explicitly protected names are
    read too, so a capped listing cannot hide an administrator group.
    """
    own_key = str((client.myself() or {}).get("key") or "")
    protected = ProtectedUsers(policy=policy, own_key=own_key)
    wanted: dict[str, str] = {}
    for name in (*group_names, *policy.protected_groups):
        if policy.protects_group(name):
            wanted.setdefault(name.lower(), name)
    for name in wanted.values():
        try:
            for bean in client.iter_group_members(name, page_size=MEMBER_PAGE_SIZE):
                if bean.get("key") is not None:
                    protected.member_keys.add(str(bean["key"]))
        except JiraNotFound:
            continue  # a protected name this Jira does not have
    return protected
