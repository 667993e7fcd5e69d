"""Which Jira user a SCIM user is: opt-in adoption of existing users, the username policy."""

from __future__ import annotations

import logging
from typing import Any

from auditlog.context import record_event
from provisioning.models import Origin, ScimUser
from provisioning.services.changes import JiraUserState, UserRenamed

from .context import WriteContext
from .protection import require_user_unprotected

logger = logging.getLogger("scimbridge.writethrough")


def adoptable(ctx: WriteContext, bean: dict[str, Any], state: JiraUserState) -> bool:
    """Opt-in adoption: username AND email match; a protected user is refused (403)."""
    configuration = ctx.configuration
    if configuration is None or not configuration.adopt_existing_users:
        return False
    name, email = str(bean.get("name") or ""), str(bean.get("emailAddress") or "")
    if name.casefold() != state.user_name.casefold():
        return False
    if not state.email or email.casefold() != state.email.casefold():
        logger.info("Jira user %r not adopted: its email differs from the SCIM user's", name)
        return False
    require_user_unprotected(ctx, key=str(bean["key"]), name=name, origin=Origin.ADOPTED)
    return True


def adopt(ctx: WriteContext, user: ScimUser, bean: dict[str, Any]) -> None:
    """Link the existing Jira user to the new SCIM row, recorded as adopted."""
    ScimUser.objects.filter(pk=user.pk).update(origin=Origin.ADOPTED)
    user.origin = Origin.ADOPTED
    record_event(
        "user_adopted",
        user_name=user.user_name,
        jira_user_key=str(bean["key"]),
        was_active=bool(bean.get("active", True)),
    )
    logger.info(
        "Adopted existing Jira user %r (%s) for SCIM user %s (username and email match)",
        bean.get("name"),
        bean["key"],
        user.pk,
    )


def renamed(ctx: WriteContext, user: ScimUser, change: UserRenamed) -> str:
    """The Jira username after a SCIM rename, by the configuration's username policy.

    `rename`: Jira's username follows the userName. `keep`: it stays what Jira knows; the
    row remembers it (`jira_user_name`) so that memberships keep addressing the Jira user.
    Either way the audit log's entry lists the rename with old and new names.
    """
    configuration = ctx.configuration
    keep = configuration is not None and configuration.username_changes == "keep"
    jira_name = change.old_jira_name if keep else change.new_user_name
    stored = None if jira_name == user.user_name else jira_name
    if stored != user.jira_user_name:
        ScimUser.objects.filter(pk=user.pk).update(jira_user_name=stored)
        user.jira_user_name = stored
    record_event(
        "user_renamed",
        old=change.old_user_name,
        new=change.new_user_name,
        jira_username=jira_name,
        policy="keep" if keep else "rename",
    )
    logger.info(
        "SCIM user %s renamed %r -> %r; Jira username %r (%s)",
        user.pk,
        change.old_user_name,
        change.new_user_name,
        jira_name,
        "kept" if keep else "renamed",
    )
    return jira_name
