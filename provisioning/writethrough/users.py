"""User changes in Jira: create (fresh, restored or adopted), update, password, delete/disable."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from jiraclient.errors import (
    JiraConflict,
    JiraError,
    JiraNotFound,
    JiraRefused,
    JiraTransient,
)
from provisioning.models import Origin, ScimGroup, ScimUser
from provisioning.services.changes import (
    JiraUserState,
    UserActivated,
    UserCreated,
    UserDeactivated,
    UserDeleted,
    UserDisplayNameChanged,
    UserEmailChanged,
    UserPasswordSet,
    UserRenamed,
)

from . import errors, journal
from .context import WriteContext, planned_key
from .groups import ensure_member
from .identity import adopt, adoptable, renamed
from .protection import require_group_unprotected, require_user_unprotected

logger = logging.getLogger("scimbridge.writethrough")

# Changes of what PUT user holds; consecutive ones of one user become a single PUT.
FieldChange = (
    UserRenamed | UserEmailChanged | UserDisplayNameChanged | UserActivated | UserDeactivated
)
FIELD_CHANGES = (
    UserRenamed,
    UserEmailChanged,
    UserDisplayNameChanged,
    UserActivated,
    UserDeactivated,
)


def _default_groups(ctx: WriteContext) -> list[str]:
    """The configuration's default groups, refused (403) when one is an administrator group."""
    names = ctx.configuration.default_group_names if ctx.configuration else []
    for name in names:
        require_group_unprotected(ctx, name, default_group=True)
    return names


def created(ctx: WriteContext, change: UserCreated) -> None:
    """Create the Jira user as the IdP sent it, with applications and default groups.

    A restored user (re-created after a disabling DELETE) gets its Jira user back, updated
    and reactivated; a user whose create an earlier failed write sent is adopted.
    """
    user, state = change.user, change.state
    if not state.active:
        ctx.require_active("create an inactive user")
    default_groups = _default_groups(ctx)  # refuse before anything reaches Jira
    key = None
    if change.restored and user.jira_user_key:
        key = _restore(ctx, user.jira_user_key, state, change.password, jira_name=user.jira_name)
    if key is None:
        if user.jira_user_name:  # re-created in Jira: under its userName
            ScimUser.objects.filter(pk=user.pk).update(jira_user_name=None)
            user.jira_user_name = None
        key = _create(ctx, user, state, change.password, journaled=change.journaled)
    ctx.link_user(user, key)
    for group in default_groups:
        ensure_member(ctx, group, user.jira_name)


def _restore(
    ctx: WriteContext,
    key: str,
    state: JiraUserState,
    password: str | None,
    *,
    jira_name: str,
) -> str | None:
    """Bring the linked Jira user back to the IdP's state; None when Jira no longer has it."""
    fields: dict[str, Any] = {"name": jira_name, "display_name": state.display_name}
    require_user_unprotected(ctx, key=key, name=jira_name, origin=user_origin(ctx, key))
    if state.email:
        fields["email"] = state.email
    if ctx.can_set_active():
        fields["active"] = state.active
    try:
        ctx.client.update_user(key=key, **fields)
    except JiraNotFound:
        logger.info(
            "Jira user %s of restored SCIM user %r is gone: creating it", key, state.user_name
        )
        return None
    _grant(ctx, key, jira_name, password)
    return key


def _create(
    ctx: WriteContext,
    user: ScimUser,
    state: JiraUserState,
    password: str | None,
    *,
    journaled: bool = True,
) -> str:
    """POST the user; recognise our own earlier or lost create instead of duplicating it.

    `journaled` False: the journal held no create of this name when the write began; a POST
    that Jira accepts then has no intent to spend. One that met an existing user may have
    met one journaled since, so that path always spends the name's intents.
    """
    intent = ctx.intend(journal.Kind.USER, state.user_name, user.pk)
    try:
        bean = ctx.client.create_user(
            name=state.user_name,
            # Jira requires an email: without one it refuses, and the IdP reads why.
            email=state.email or "",
            display_name=state.display_name,
            password=password,
            application_keys=ctx.application_keys,
            notification=False,
        )
    except (JiraConflict, JiraRefused) as err:
        ctx.drop_intent(intent)  # refused: Jira did not apply it
        existing = _existing(ctx, err, state.user_name)
        if existing is None:
            raise
        _claim(ctx, user, existing, journaled=True, state=state)
        _converge(ctx, existing, state, password)
        bean = existing
    except JiraTransient as err:
        if not err.maybe_applied:
            ctx.drop_intent(intent)
            raise
        # The POST may have been applied: re-read before anyone re-creates (jira-rest.md).
        found = ctx.client.find_user(username=state.user_name)
        if found is None:
            raise  # not (yet) applied; the intent is journaled for the IdP's retry
        if (found.get("emailAddress") or "").casefold() != (state.email or "").casefold():
            ctx.drop_intent(intent)  # not what we sent: someone else's user
            raise errors.not_ours("user", state.user_name, directory=ctx.directory.name) from err
        _claim(ctx, user, found, journaled=False)
        _converge(ctx, found, state, password)
        bean = found
    except JiraError:
        ctx.drop_intent(intent)
        raise
    else:
        if not state.active:
            ctx.client.update_user(key=bean["key"], active=False)
        if not journaled:
            return str(bean["key"])
    # Linked now: whatever an earlier attempt journaled for this name is spent (this delete
    # rolls back with the write if a later step fails, and the intent stays).
    ctx.forget_intents(journal.Kind.USER, state.user_name)
    return str(bean["key"])


def _existing(ctx: WriteContext, err: JiraError, username: str) -> dict[str, Any] | None:
    """The Jira user a refused create collided with, if that is why it was refused.

    The client looks when Jira refuses a taken username, but if that look fails it passes
    the plain refusal on; look again, so that a transient failure stays a 503 (retried)
    instead of a 400 (given up).
    """
    if isinstance(err, JiraConflict) and err.existing:
        return err.existing
    if isinstance(err, JiraConflict) or "username" in err.field_errors:
        return ctx.client.find_user(username=username)
    return None


def _claim(
    ctx: WriteContext,
    user: ScimUser,
    bean: dict[str, Any],
    *,
    journaled: bool,
    state: JiraUserState | None = None,
) -> None:
    """Allow linking an existing Jira user: not linked elsewhere, and (if asked) journaled
    or adoptable (the configuration's "Adopt existing Jira users")."""
    name = str(bean.get("name"))
    owner = ctx.user_owner(str(bean.get("key")), besides=user)
    if owner is not None:
        raise errors.linked_elsewhere(
            "user",
            name,
            owner=owner.user_name,
            owner_directory=owner.directory.name,
            directory=ctx.directory.name,
        )
    if not journaled:
        return
    if ctx.ours(journal.Kind.USER, name):
        logger.info("Jira user %r (%s) is this write's own, from before a blip", name, bean["key"])
        return
    if journal.find(directory=ctx.directory, kind=journal.Kind.USER, jira_name=name) is None:
        if state is not None and adoptable(ctx, bean, state):
            adopt(ctx, user, bean)
            return
        raise errors.not_ours("user", name, directory=ctx.directory.name)
    ctx.adopt(journal.Kind.USER, name)
    logger.info("Adopted Jira user %r (%s) that an earlier failed write created", name, bean["key"])


def _converge(
    ctx: WriteContext, bean: dict[str, Any], state: JiraUserState, password: str | None
) -> None:
    """Make an adopted Jira user what the create asked for (only what differs is sent)."""
    fields: dict[str, Any] = {}
    if bean.get("name") != state.user_name:
        fields["name"] = state.user_name  # same name but another case
    if state.email and (bean.get("emailAddress") or "") != state.email:
        fields["email"] = state.email
    if bean.get("displayName") != state.display_name:
        fields["display_name"] = state.display_name
    if bool(bean.get("active", True)) != state.active:
        ctx.require_active("reactivate a user" if state.active else "deactivate a user")
        fields["active"] = state.active
    if fields:
        ctx.client.update_user(key=str(bean["key"]), **fields)
    _grant(ctx, str(bean["key"]), state.user_name, password)


def _grant(ctx: WriteContext, key: str, username: str, password: str | None) -> None:
    """What a create POST carries but an update cannot: the password and application access."""
    if password is not None:
        ctx.client.set_password(key=key, password=password)
    for application in ctx.application_keys:
        ctx.client.grant_application(username=username, application_key=application)


def user_origin(ctx: WriteContext, key: str) -> str:
    """How the directory's row linked to this Jira key came to exist (SCIM if none)."""
    origin = (
        ScimUser.objects.filter(directory=ctx.directory, jira_user_key=key)
        .values_list("origin", flat=True)
        .first()
    )
    return origin or Origin.SCIM


def _key(ctx: WriteContext, user: ScimUser) -> str:
    key = ctx.users.get(user.pk, user).jira_user_key
    if not key and ctx.shadow:
        # Created in shadow mode: Jira has it once the directory goes live.
        return planned_key(user.user_name)
    if not key:
        raise errors.unlinked("user", user.user_name, directory=ctx.directory.name)
    return key


def updated(ctx: WriteContext, changes: Sequence[FieldChange]) -> None:
    """One PUT with every field one write changed (a rename and a deactivation are atomic)."""
    user = changes[0].user
    fields: dict[str, Any] = {}
    jira_name = user.jira_name
    for change in changes:
        if isinstance(change, UserRenamed):
            jira_name = renamed(ctx, user, change)
            if jira_name != change.old_jira_name:
                fields["name"] = jira_name
        elif isinstance(change, UserEmailChanged):
            if change.new_email:
                fields["email"] = change.new_email
            else:
                # Jira requires an email: it keeps the last one.
                logger.info(
                    "SCIM user %r has no email any more; Jira keeps its email", user.user_name
                )
        elif isinstance(change, UserDisplayNameChanged):
            fields["display_name"] = change.new_display_name
        else:
            fields["active"] = isinstance(change, UserActivated)
            ctx.require_active("reactivate a user" if fields["active"] else "deactivate a user")
    if fields:
        key = _key(ctx, user)
        for change in changes:
            if isinstance(change, UserRenamed):  # the old name may be the protected one
                require_user_unprotected(
                    ctx, key=key, name=change.old_user_name, origin=user.origin
                )
        require_user_unprotected(ctx, key=key, name=jira_name, origin=user.origin)
        ctx.client.update_user(key=key, **fields)
    ctx.confirm_user(user)


def password_set(ctx: WriteContext, change: UserPasswordSet) -> None:
    """Set the Jira password, by key (a rename in Jira cannot send it to another user)."""
    user = change.user
    key = _key(ctx, user)
    require_user_unprotected(ctx, key=key, name=user.user_name, origin=user.origin)
    ctx.client.set_password(key=key, password=change.password)
    ctx.confirm_user(change.user)


def deleted(ctx: WriteContext, change: UserDeleted) -> None:
    """Delete the Jira user, or deactivate it and take it out of the SCIM groups it left."""
    key = change.jira_user_key
    if not key:
        logger.info("SCIM user %r was never linked to Jira: nothing to delete", change.user_name)
        return
    require_user_unprotected(ctx, key=key, name=change.user_name, origin=change.origin)
    if change.hard and change.origin != Origin.SCIM:
        # Least power: SCIM deletes only what SCIM created. A user Sync mapped existed in
        # Jira before: it is deactivated, as with "delete users" off, and kept.
        logger.info(
            "SCIM user %r deleted; Jira user %s deactivated, not deleted: it was not created "
            "through SCIM",
            change.user_name,
            key,
        )
    elif change.hard:
        try:
            ctx.client.delete_user(key=key)
        except JiraNotFound:
            logger.info("Jira user %s (%r) was already gone", key, change.user_name)
        return
    ctx.require_active("deactivate a user")
    # The refusable step first (a project lead cannot be deactivated): if Jira refuses,
    # nothing else was changed.
    try:
        ctx.client.update_user(key=key, active=False)
    except JiraNotFound:
        logger.info("Jira user %s (%r) was already gone", key, change.user_name)
        return
    group_names = ScimGroup.objects.filter(
        pk__in=change.removed_from, jira_group_name__isnull=False
    ).values_list("jira_group_name", flat=True)
    for group_name in group_names:
        try:
            ctx.client.remove_group_member(group_name, change.user_name)
        except JiraNotFound:
            continue  # the group is gone from Jira: so is the membership
    ctx.hidden_users.add(change.user_id)
