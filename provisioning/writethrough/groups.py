"""Group changes in Jira: create (or adopt our own), rename policy, delete, members."""

from __future__ import annotations

import contextlib
import logging

from jiraclient.errors import (
    JiraConflict,
    JiraError,
    JiraNotFound,
    JiraRefused,
    JiraTransient,
)
from provisioning.models import Origin, ScimGroup
from provisioning.services.changes import (
    GroupCreated,
    GroupDeleted,
    GroupRenamed,
)

from . import errors, journal
from .context import WriteContext
from .protection import require_group_unprotected

logger = logging.getLogger("scimbridge.writethrough")

def jira_name(ctx: WriteContext, group: ScimGroup) -> str:
    """The Jira group a SCIM group maps to (409 when it was never linked)."""
    linked = ctx.groups.get(group.pk, group).jira_group_name
    if not linked and ctx.shadow:
        return group.display_name  # created in shadow mode: named so once it goes live
    if not linked:
        raise errors.unlinked("group", group.display_name, directory=ctx.directory.name)
    return linked


def created(ctx: WriteContext, change: GroupCreated) -> None:
    """Create the Jira group, or adopt the one a failed earlier attempt of ours created."""
    group = change.group
    name = group.display_name
    require_group_unprotected(ctx, name)
    # Group creates are rare, so look first: then an answer lost after the POST is
    # unambiguous (the group did not exist a moment before, so it is the one we made).
    if ctx.client.find_group(name) is not None:
        _claim(ctx, group, name)
    else:
        # Linked under the name Jira holds (it trims names; so does the protocol).
        name = _create(ctx, group, name)
    # Linked now: whatever an earlier attempt journaled for this name is spent.
    ctx.forget_intents(journal.Kind.GROUP, name)
    ctx.link_group(group, name)


def _create(ctx: WriteContext, group: ScimGroup, name: str) -> str:
    """POST the group; the name Jira answered with (ours when the answer was lost)."""
    # Committed before the POST: a worker killed after it still leaves the intent behind.
    intent = ctx.intend(journal.Kind.GROUP, name, group.pk, durable=True)
    try:
        bean = ctx.client.create_group(name)
    except (JiraConflict, JiraRefused):
        ctx.drop_intent(intent)  # refused: Jira did not apply it
        # Created in between? (Look again: the client's own look may have failed.)
        if ctx.client.find_group(name) is None:
            raise
        _claim(ctx, group, name)
    except JiraTransient as err:
        if not err.maybe_applied:
            ctx.drop_intent(intent)
            raise
        # Re-read before anyone re-creates: found means our POST was applied.
        if ctx.client.find_group(name) is None:
            raise  # not (yet) applied; the intent is journaled for the IdP's retry
    except JiraError:
        ctx.drop_intent(intent)
        raise
    else:
        answered = bean.get("name") if isinstance(bean, dict) else None
        return answered if isinstance(answered, str) and answered else name
    return name


def _claim(ctx: WriteContext, group: ScimGroup, name: str) -> None:
    """Adopt an existing Jira group if a journaled create of ours made it; else 409."""
    owner = ctx.group_owner(name, besides=group)
    if owner is not None:
        raise errors.linked_elsewhere(
            "group",
            name,
            owner=owner.display_name,
            owner_directory=owner.directory.name,
            directory=ctx.directory.name,
        )
    if ctx.ours(journal.Kind.GROUP, name):
        logger.info("Jira group %r is this write's own, from before a blip", name)
        return
    if journal.find(directory=ctx.directory, kind=journal.Kind.GROUP, jira_name=name) is None:
        raise errors.not_ours("group", name, directory=ctx.directory.name)
    ctx.adopt(journal.Kind.GROUP, name)
    logger.info("Adopted Jira group %r that an earlier failed write created", name)


def renamed(ctx: WriteContext, change: GroupRenamed) -> None:
    """Jira cannot rename groups: keep the Jira group (default), or re-create it by policy."""
    require_group_unprotected(ctx, change.new_display_name)
    group = change.group
    old_name = ctx.groups.get(group.pk, group).jira_group_name
    if old_name:
        require_group_unprotected(ctx, old_name)
    recreate = ctx.configuration is not None and ctx.configuration.recreate_renamed_groups
    if recreate and old_name and old_name.lower() != change.new_display_name.lower():
        _recreate(ctx, group, old_name, change.new_display_name)
        return
    logger.info(
        "SCIM group %r renamed to %r; Jira group %r kept (Jira cannot rename groups)",
        change.old_display_name,
        change.new_display_name,
        old_name,
    )
    ctx.confirm_group(group)


def _recreate(ctx: WriteContext, group: ScimGroup, old_name: str, new_name: str) -> None:
    """Create the group under its new name, move every member, delete the old group.

    Each step is repeatable, so an IdP's retry after a failure part-way completes it: the
    new group is journaled like any create, adding a member twice is a no-op, and a
    missing old group means an earlier attempt already moved and deleted it.
    """
    if ctx.client.find_group(new_name) is not None:
        _claim(ctx, group, new_name)
    else:
        _create(ctx, group, new_name)
    try:
        members = [member["name"] for member in ctx.client.iter_group_members(old_name)]
    except JiraNotFound:
        members = []  # an earlier attempt got as far as deleting the old group
    else:
        for username in members:
            ctx.client.add_group_member(new_name, username)
        # swapGroup moves comment and worklog visibility to the new group.
        with contextlib.suppress(JiraNotFound):
            ctx.client.delete_group(old_name, swap_group=new_name)
    ctx.forget_intents(journal.Kind.GROUP, new_name)
    logger.info(
        "SCIM group renamed: Jira group %r re-created as %r with %d member(s)",
        old_name,
        new_name,
        len(members),
    )
    ctx.link_group(group, new_name)


def deleted(ctx: WriteContext, change: GroupDeleted) -> None:
    """Delete the Jira group (already gone counts as done)."""
    if not change.jira_group_name:
        logger.info(
            "SCIM group %r was never linked to Jira: nothing to delete", change.display_name
        )
        return
    require_group_unprotected(ctx, change.jira_group_name)
    if change.origin != Origin.SCIM:
        # Least power: SCIM deletes only what SCIM created. A group Sync mapped existed in
        # Jira before (often an application group): the SCIM resource goes, the group stays.
        logger.info(
            "SCIM group %r deleted; Jira group %r kept: it was not created through SCIM",
            change.display_name,
            change.jira_group_name,
        )
        return
    try:
        ctx.client.delete_group(change.jira_group_name)
    except JiraNotFound:
        logger.info("Jira group %r was already gone", change.jira_group_name)


def ensure_member(ctx: WriteContext, group_name: str, username: str) -> None:
    """Add a user to a (default) group, creating the group in Jira when it is missing.

    Default groups are named by the configuration, not by SCIM, so an existing group of
    that name is the one meant: a create that meets "already exists" is fine.
    """
    try:
        ctx.client.add_group_member(group_name, username)
    except JiraNotFound:
        if ctx.client.find_group(group_name) is not None:
            raise  # the user is what is missing
    else:
        return
    try:
        ctx.client.create_group(group_name)
        logger.info("Created default group %r in Jira", group_name)
    except JiraConflict:
        pass
    ctx.client.add_group_member(group_name, username)
