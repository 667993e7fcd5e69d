"""The group pass of Sync Users & Groups: list Jira's groups, create, link and remove rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from jiraclient import JiraClient
from provisioning.models import Origin, ScimGroup
from provisioning.policy import JiraPolicy

from .batching import bulk_create_each_on_conflict, chunks
from .runs import RunContext

# groups/picker is Jira DC's only group listing; ask for everything in one answer.
GROUP_LISTING_LIMIT = 1_000_000


@dataclass(frozen=True)
class GroupListing:
    """Jira's group names, the protected ones apart, and whether the listing is complete."""

    names: list[str]
    complete: bool
    policy: JiraPolicy
    protected: list[str] = field(default_factory=list)


def list_jira_groups(client: JiraClient, policy: JiraPolicy) -> GroupListing:
    """Every Jira group, with the protected ones (`policy`) set apart: they are never mapped.

    ``groups/picker`` with an empty query matches every group; its ``total`` tells whether
    Jira capped the answer, in which case gone groups are not removed on this run.
    """
    pick = client.pick_groups("", max_results=GROUP_LISTING_LIMIT)
    names = [str(g["name"]) for g in pick.groups if g.get("name")]
    complete = pick.total is None or pick.total <= len(names)
    return GroupListing(
        names=[name for name in names if not policy.protects_group(name)],
        complete=complete,
        policy=policy,
        protected=[name for name in names if policy.protects_group(name)],
    )


def sync_groups(ctx: RunContext, listing: GroupListing) -> None:
    """Create rows for new Jira groups and link rows created under the same name."""
    directory = ctx.run.directory
    now = timezone.now()
    ctx.count("groups", "protected", len(listing.protected))
    _unmap_protected_groups(ctx, listing)
    for batch in chunks(listing.names, 500):
        ctx.count("groups", "seen", len(batch))
        with transaction.atomic():
            to_link, to_create = _plan_batch(ctx, batch, _locked_rows(directory, batch), now)
            if to_link:
                ScimGroup.objects.bulk_update(
                    to_link,
                    ["jira_group_name", "origin", "jira_confirmed_at", "version", "last_modified"],
                )
                ctx.count("groups", "linked", len(to_link))
            created = bulk_create_each_on_conflict(
                ScimGroup,
                to_create,
                on_error=lambda group, exc: ctx.error(
                    "group",
                    group.display_name,
                    f"Could not be added (a SCIM write raced it): {exc}",
                ),
            )
            ctx.count("groups", "created", len(created))
        ctx.beat()


def _unmap_protected_groups(ctx: RunContext, listing: GroupListing) -> None:
    """Drop synced rows whose Jira group is protected now (an older sync, a changed list).

    Only the rows go; Jira is not touched. Rows SCIM created stay, and every SCIM write to
    them answers 403 while the group is protected.
    """
    rows = ScimGroup.objects.filter(directory=ctx.run.directory, jira_group_name__isnull=False)
    doomed = [
        pk
        for pk, name in rows.exclude(origin=Origin.SCIM).values_list("pk", "jira_group_name")
        if listing.policy.protects_group(name)
    ]
    if doomed:
        ScimGroup.objects.filter(pk__in=doomed).delete()
        ctx.count("groups", "unmapped", len(doomed))


def _locked_rows(directory: Any, batch: list[str]) -> list[ScimGroup]:
    """The directory's rows these Jira groups may map to (by Jira name or displayName), locked."""
    lowered = [name.lower() for name in batch]
    return list(
        ScimGroup.objects.select_for_update()
        .filter(directory=directory)
        .annotate(jira_lower=Lower("jira_group_name"), name_lower=Lower("display_name"))
        .filter(Q(jira_lower__in=lowered) | Q(name_lower__in=lowered))
    )


def _plan_batch(
    ctx: RunContext, batch: list[str], rows: list[ScimGroup], now: datetime
) -> tuple[list[ScimGroup], list[ScimGroup]]:
    """The rows to link and the unsaved rows to create for these Jira group names."""
    directory = ctx.run.directory
    by_jira = {row.jira_group_name.lower(): row for row in rows if row.jira_group_name}
    by_name = {row.display_name.lower(): row for row in rows}
    to_create: list[ScimGroup] = []
    to_link: list[ScimGroup] = []
    for name in batch:
        if name.lower() in by_jira:
            continue
        row = by_name.get(name.lower())
        if row is not None and row.jira_group_name:
            ctx.error(
                "group",
                name,
                f"SCIM group {row.id} has this displayName but maps to Jira group "
                f"{row.jira_group_name!r} (renamed); left as it is.",
            )
            continue
        if row is not None:
            row.jira_group_name = name
            # The Jira group existed before: linking it does not make it SCIM's to delete.
            row.origin = Origin.SYNC
            row.bump(confirmed=True, at=now)
            to_link.append(row)
            continue
        group = ScimGroup(
            directory=directory,
            display_name=name,
            jira_group_name=name,
            jira_confirmed_at=now,
            origin=Origin.SYNC,
        )
        by_name[name.lower()] = group
        to_create.append(group)
    return to_link, to_create


def remove_gone_groups(ctx: RunContext, client: JiraClient, listing: GroupListing) -> None:
    """Delete rows whose Jira group no longer exists (each absence confirmed by a read)."""
    if not listing.complete:
        ctx.error(
            "run",
            "groups",
            "Jira capped the group listing: groups missing from it were not removed.",
        )
        return
    present = {name.lower() for name in listing.names}
    candidates = [
        (pk, name)
        for pk, name in ScimGroup.objects.filter(
            directory=ctx.run.directory, jira_group_name__isnull=False
        ).values_list("pk", "jira_group_name")
        if name.lower() not in present and not listing.policy.protects_group(name)
    ]
    gone = [pk for pk, name in candidates if client.find_group(name) is None]
    if gone:
        ScimGroup.objects.filter(pk__in=gone).delete()
        ctx.count("groups", "removed", len(gone))
    ctx.count("groups", "skipped", len(candidates) - len(gone))
