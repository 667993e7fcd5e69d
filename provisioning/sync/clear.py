"""Clear all data from SCIM tables: delete the directory's rows only; Jira is not touched."""

from __future__ import annotations

from provisioning.models import ScimGroup, ScimMembership, ScimUser

from .batching import chunks
from .runs import RunContext

BATCH = 2000


def tables_clear(ctx: RunContext) -> str:
    """Delete memberships, groups and users of the directory in batches (a sync restores them)."""
    directory = ctx.run.directory
    ctx.phase("memberships")
    membership_ids = list(
        ScimMembership.objects.filter(group__directory=directory).values_list("pk", flat=True)
    )
    for batch in chunks(membership_ids, BATCH):
        ScimMembership.objects.filter(pk__in=batch).delete()
        ctx.count("memberships", "removed", len(batch))
        ctx.beat()
    ctx.phase("groups")
    for batch in chunks(
        list(ScimGroup.objects.filter(directory=directory).values_list("pk", flat=True)), BATCH
    ):
        ScimGroup.objects.filter(pk__in=batch).delete()
        ctx.count("groups", "removed", len(batch))
        ctx.beat()
    ctx.phase("users")
    for batch in chunks(
        list(ScimUser.objects.filter(directory=directory).values_list("pk", flat=True)), BATCH
    ):
        # Value, membership and last-login rows go with their user (ON DELETE CASCADE).
        ScimUser.objects.filter(pk__in=batch).delete()
        ctx.count("users", "removed", len(batch))
        ctx.beat()
    return ""
