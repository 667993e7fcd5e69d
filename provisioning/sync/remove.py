"""Remove Directory: delete the directory's users and groups in Jira, then their rows."""

from __future__ import annotations

import functools
from collections.abc import Callable

from jiraclient import (
    JiraClient,
    JiraError,
    JiraForbidden,
    JiraNotFound,
    JiraTransient,
    JiraUnauthorized,
)
from provisioning.models import ScimGroup, ScimMembership, ScimUser
from provisioning.policy import current_policy

from .batching import chunks
from .runs import RunContext


def directory_counts(*, directory: object) -> dict[str, int]:
    """What Remove Directory / Clear tables would delete, for the confirmation page."""
    users = ScimUser.objects.filter(directory=directory)
    groups = ScimGroup.objects.filter(directory=directory)
    return {
        "users": users.count(),
        "jira_users": users.filter(jira_user_key__isnull=False).count(),
        "groups": groups.count(),
        "jira_groups": groups.filter(jira_group_name__isnull=False).count(),
        "memberships": ScimMembership.objects.filter(group__directory=directory).count(),
    }


def directory_remove(ctx: RunContext, client: JiraClient) -> str:
    """Delete every user and group of the directory in Jira and in the tables.

    A Jira refusal (a project lead, a group restricting comment visibility) keeps that row
    and is recorded; already-deleted Jira objects count as removed. Rerunning finishes the job.
    """
    directory = ctx.run.directory
    ctx.phase("users")
    ids = list(ScimUser.objects.filter(directory=directory).values_list("pk", flat=True))
    for batch in chunks(ids, 200):
        removed = []
        for user in ScimUser.objects.filter(pk__in=batch).only("pk", "user_name", "jira_user_key"):
            ctx.count("users", "seen")
            key = user.jira_user_key
            if key is None or _jira_delete(
                ctx, "user", user.user_name, functools.partial(client.delete_user, key=key)
            ):
                removed.append(user.pk)
        ScimUser.objects.filter(pk__in=removed).delete()
        ctx.count("users", "removed", len(removed))
        ctx.beat()
    ctx.phase("groups")
    policy = current_policy(directory.jira_site)
    for group in list(ScimGroup.objects.filter(directory=directory).order_by("pk")):
        ctx.count("groups", "seen")
        name = group.jira_group_name
        if name and policy.protects_group(name):
            ctx.error("group", name, "Jira's administrator groups are never deleted.")
            continue
        if name is None or _jira_delete(
            ctx, "group", name, functools.partial(client.delete_group, name)
        ):
            group.delete()
            ctx.count("groups", "removed")
        ctx.beat()
    left = (
        ScimUser.objects.filter(directory=directory).count()
        + ScimGroup.objects.filter(directory=directory).count()
    )
    return f"{left} object(s) kept: see the errors." if left else ""


def _jira_delete(ctx: RunContext, object_type: str, name: str, delete: Callable[[], None]) -> bool:
    """Delete in Jira; True when gone (already gone counts), False when Jira refused (recorded).

    Transient and authentication errors propagate: the run retries or stops as a whole.
    """
    try:
        delete()
    except JiraNotFound:
        return True
    except (JiraTransient, JiraUnauthorized, JiraForbidden):
        raise
    except JiraError as exc:
        ctx.error(object_type, name, str(exc))
        return False
    return True
