"""Sync Users & Groups: groups, users, memberships, then rows whose Jira object is gone."""

from __future__ import annotations

from jiraclient import JiraClient
from jiraclient.paging import user_listing_strategy

from .groups import list_jira_groups, remove_gone_groups, sync_groups
from .memberships import sync_memberships
from .runs import RunContext
from .users import remove_gone_users, sync_users


def directory_sync(ctx: RunContext, client: JiraClient) -> str:
    """Map the site's Jira users, groups and memberships into the directory; Jira is only read.

    Returns a message for the run. Each batch commits on its own and every write is an
    upsert keyed by Jira key / group name, so a run stopped anywhere is completed by the next.
    """
    ctx.phase("groups")
    listing = list_jira_groups(client)
    sync_groups(ctx, listing)
    # Before memberships, so that a deleted group is not read for its members.
    remove_gone_groups(ctx, client, listing)
    strategy = user_listing_strategy(client.version())
    ctx.phase(f"users ({_strategy_label(strategy)})")
    # On 10.0-10.2 users are found through groups: through every group, not only the
    # application roles' ones, so that only users in no group at all stay invisible.
    seen = sync_users(ctx, client, extra_groups=listing.names if strategy == "groups" else ())
    ctx.phase("memberships")
    sync_memberships(ctx, client)
    ctx.phase("removing users whose Jira user is gone")
    remove_gone_users(ctx, client, seen=seen)
    if strategy == "groups":
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
