"""Sync Users & Groups: groups, users, memberships, then rows whose Jira object is gone."""

from __future__ import annotations

from jiraclient import JiraClient
from jiraclient.paging import user_listing_strategy
from jiraclient.sites import client_for_site
from provisioning.policy import current_policy

from .batching import asynchronous_commits
from .groups import list_jira_groups, remove_gone_groups, sync_groups
from .memberships import sync_memberships
from .protection import read_protected_users
from .runs import RunContext
from .statistics import analyze_if_large
from .users import remove_gone_users, sync_users, unmap_protected_users


def directory_sync(ctx: RunContext, client: JiraClient) -> str:
    """Sync Users & Groups (see `_sync`), its many small commits not waiting for the disk."""
    with asynchronous_commits():
        return _sync(ctx, client)


def _sync(ctx: RunContext, client: JiraClient) -> str:
    """Map the site's Jira users, groups and memberships into the directory; Jira is only read.

    Protected groups and users (`provisioning.policy`, the members of protected groups, the
    bridge's own account) are never mapped, and rows an older run mapped for them are
    dropped. With the directory's sync scope, only members of those groups are mapped.
    Returns a message for the run. Each batch commits on its own and every write is an
    upsert keyed by Jira key / group name, so a run stopped anywhere is completed by the next.
    """
    directory = ctx.run.directory
    policy = current_policy(directory.jira_site)
    ctx.phase("groups")
    listing = list_jira_groups(client, policy)
    sync_groups(ctx, listing)
    # Before memberships, so that a deleted group is not read for its members.
    remove_gone_groups(ctx, client, listing)
    ctx.phase("protected users")
    protected = read_protected_users(client, policy, group_names=listing.protected)
    unmap_protected_users(ctx, protected)
    strategy = user_listing_strategy(client.version())
    scope = directory.sync_group_names
    label = f"members of {', '.join(scope)}" if scope else _strategy_label(strategy)
    ctx.phase(f"users ({label})")
    # On 10.0-10.2 users are found through groups: through every group, not only the
    # application roles' ones, so that only users in no group at all stay invisible.
    seen = sync_users(
        ctx,
        client,
        extra_groups=listing.names if strategy == "groups" else (),
        protected=protected,
        scope=scope,
    )
    ctx.phase("memberships")
    # Member lists are read by a few threads, each with a client of its own.
    sync_memberships(
        ctx, client, policy, client_factory=lambda: client_for_site(directory.jira_site)
    )
    ctx.phase("removing users whose Jira user is gone")
    remove_gone_users(ctx, client, seen=seen, scoped=bool(scope))
    analyze_if_large(ctx)
    if strategy == "groups" and not scope:
        return (
            f"Jira {'.'.join(map(str, client.version()))} cannot list all users: users in no "
            "group were not seen (Jira 10.3+ lists them)."
        )
    return ""


def _strategy_label(strategy: str) -> str:
    return {
        "search": "user/search",
        "list": "user/list",
        "groups": "members of every group",
    }.get(strategy, strategy)
