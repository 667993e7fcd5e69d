"""Remove Directory: delete in Jira what the removal plan says is the directory's, unlink the rest.

The plan (`removal.py`) is recomputed here when the run starts. Counters per kind: "removed"
(deleted in Jira, then the row), "unmapped" (row deleted, Jira untouched), and of those kept
in Jira "protected" (protected, application-access or default groups) and "elsewhere"
(linked to another directory). Why objects were kept is recorded as counts in the run's
message plus a few example rows, never one row per object.
"""

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

from .batching import chunks
from .removal import (
    APPLICATION,
    DEFAULT,
    ELSEWHERE,
    KEEP_WORDS,
    PROTECTED,
    RemovalPlan,
    plan_for,
)
from .runs import RunContext

# Example rows recorded per (kind, reason) of what was kept in Jira.
EXAMPLES_PER_REASON = 5
BATCH = 200
UNLINK_BATCH = 2000


def directory_counts(*, directory: object) -> dict[str, int]:
    """The directory's rows, for Clear SCIM tables' confirmation."""
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
    """Execute the removal plan: Jira deletions (row after Jira), then the unlinked rows.

    A Jira refusal (a project lead, a group restricting comment visibility) keeps that row
    and is recorded; already-deleted Jira objects count as removed. Rerunning finishes the job.
    """
    directory = ctx.run.directory
    ctx.phase("reading what must stay in Jira")
    plan = plan_for(
        client,
        directory,
        delete_synced_users=bool((ctx.run.options or {}).get("delete_synced_users")),
    )
    _record_kept(ctx, plan)
    ctx.phase("users")
    _delete_in_jira(ctx, plan, "users", lambda key: functools.partial(client.delete_user, key=key))
    ctx.phase("groups")
    _delete_in_jira(ctx, plan, "groups", lambda name: functools.partial(client.delete_group, name))
    ctx.phase("unlinking")
    for kind, model in (("groups", ScimGroup), ("users", ScimUser)):
        pks = [item.pk for item in plan.kept[kind]]
        for batch in chunks(pks, UNLINK_BATCH):
            # Value, membership and last-login rows go with their user (ON DELETE CASCADE).
            model.objects.filter(directory=directory, pk__in=batch).delete()
            ctx.count(kind, "unmapped", len(batch))
            ctx.beat()
    return _summary(ctx, plan)


def _delete_in_jira(
    ctx: RunContext, plan: RemovalPlan, kind: str, delete: Callable[[str], Callable[[], None]]
) -> None:
    model = ScimUser if kind == "users" else ScimGroup
    for batch in chunks(plan.deletions[kind], BATCH):
        removed = []
        for item in batch:
            ctx.count(kind, "seen")
            if _jira_delete(ctx, item.kind, item.name, delete(item.jira)):
                removed.append(item.pk)
        model.objects.filter(directory=ctx.run.directory, pk__in=removed).delete()
        ctx.count(kind, "removed", len(removed))
        ctx.beat()


def _record_kept(ctx: RunContext, plan: RemovalPlan) -> None:
    """Count what stays in Jira and why, with a few example rows per reason."""
    for kind in ("users", "groups"):
        ctx.count(kind, "seen", len(plan.kept[kind]))
        examples: dict[str, int] = {}
        for item in plan.kept[kind]:
            if item.reason in (PROTECTED, APPLICATION, DEFAULT):
                ctx.count(kind, "protected")
            elif item.reason == ELSEWHERE:
                ctx.count(kind, "elsewhere")
            else:
                continue  # synced or never in Jira: the bulk, counted as unmapped only
            if examples.get(item.reason, 0) < EXAMPLES_PER_REASON:
                examples[item.reason] = examples.get(item.reason, 0) + 1
                why = KEEP_WORDS[item.reason]
                ctx.note(item.kind, item.name, f"Kept in Jira (only unlinked): {why}.")


def _summary(ctx: RunContext, plan: RemovalPlan) -> str:
    counts = plan.counts()
    parts = []
    for kind in ("users", "groups"):
        reasons = ", ".join(
            f"{value} {KEEP_WORDS[reason]}"
            for reason, value in counts["kept"][kind].items()
            if value
        )
        if reasons:
            parts.append(f"{kind} kept in Jira (unlinked only): {reasons}")
    failed = ctx.counters["users"]["failed"] + ctx.counters["groups"]["failed"]
    if failed:
        parts.append(f"{failed} object(s) Jira refused to delete kept their rows: see the errors")
    return "; ".join(parts) + ("." if parts else "")


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
