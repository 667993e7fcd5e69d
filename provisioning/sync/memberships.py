"""The membership pass of Sync Users & Groups: reconcile each mapped group with Jira's members."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from jiraclient import JiraClient, JiraNotFound
from provisioning.models import ScimGroup, ScimMembership, ScimUser
from provisioning.policy import JiraPolicy

from .batching import chunks
from .runs import RunContext

# group/member pages hold at most 50 users on Jira DC; asking for more is harmless.
MEMBER_PAGE_SIZE = 1000


def sync_memberships(ctx: RunContext, client: JiraClient, policy: JiraPolicy) -> None:
    """For every group mapped to Jira: add rows for Jira's members, drop rows Jira lacks.

    Jira lists nested members as members (``group/member``); SCIM groups have users only,
    so a user in a sub-group is mapped as a member of the parent too. Only members whose
    user row is linked to Jira are removed: rows still waiting for their Jira user are kept.
    """
    directory = ctx.run.directory
    groups = (
        ScimGroup.objects.filter(directory=directory, jira_group_name__isnull=False)
        .order_by("display_name")
        .values_list("pk", "jira_group_name")
    )
    for group_id, jira_name in list(groups):
        if policy.protects_group(jira_name):
            continue
        ctx.run.phase = f"memberships of {jira_name}"
        try:
            _sync_group(ctx, client, group_id, jira_name)
        except JiraNotFound:
            ctx.error("group", jira_name, "The Jira group disappeared during the sync.")
        ctx.beat()


def _sync_group(ctx: RunContext, client: JiraClient, group_id: object, jira_name: str) -> None:
    """Reconcile one group; memory holds its member ids (bounded by the group's size)."""
    directory = ctx.run.directory
    jira_members: set[object] = set()
    existing = set(
        ScimMembership.objects.filter(group_id=group_id).values_list("user_id", flat=True)
    )
    changed = False
    members = client.iter_group_members(jira_name, page_size=MEMBER_PAGE_SIZE)
    for page in chunks(members, settings.SYNC_BATCH_SIZE):
        keys = {str(bean["key"]) for bean in page if bean.get("key") is not None}
        ctx.count("memberships", "seen", len(keys))
        user_ids = dict(
            ScimUser.objects.filter(directory=directory, jira_user_key__in=keys).values_list(
                "jira_user_key", "pk"
            )
        )
        ctx.count("memberships", "skipped", len(keys - set(user_ids)))
        fresh = [pk for pk in user_ids.values() if pk not in existing and pk not in jira_members]
        jira_members.update(user_ids.values())
        if fresh:
            ScimMembership.objects.bulk_create(
                [ScimMembership(group_id=group_id, user_id=pk) for pk in fresh],
                ignore_conflicts=True,
            )
            ctx.count("memberships", "created", len(fresh))
            changed = True
        ctx.beat()
    extra = existing - jira_members
    if extra:
        linked_extra = [
            pk
            for batch in chunks(extra, 1000)
            for pk in ScimUser.objects.filter(
                pk__in=batch, jira_user_key__isnull=False
            ).values_list("pk", flat=True)
        ]
        for batch in chunks(linked_extra, 1000):
            ScimMembership.objects.filter(group_id=group_id, user_id__in=batch).delete()
        ctx.count("memberships", "removed", len(linked_extra))
        changed = changed or bool(linked_extra)
    if changed:
        # The group's members changed: a new version, so ETags and If-Match see it.
        with transaction.atomic():
            ScimGroup.objects.filter(pk=group_id).bump(confirmed=True)
