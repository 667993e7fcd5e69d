"""The Jira applier: turns a write's ChangeSet into Jira calls, inside the write's transaction.

`apply_to_jira` is the default `SCIM_CHANGE_APPLIER`. It opens one Jira client per change
set, applies the changes in order (consecutive field changes of one user as one PUT), and
only when every call succeeded stamps the rows with their Jira link and `jira_confirmed_at`.
Any failure raises a `ScimError`, so the write's transaction rolls back: a SCIM write
succeeds only if Jira accepted it. What Jira may already hold of a failed write is made
whole by the IdP's retry: every call is idempotent or re-read before it is repeated, and
creates are journaled (`journal`) so that the retry adopts them instead of answering 409.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any

from jiraclient.errors import JiraError
from jiraclient.sites import client_for_site
from provisioning.services.changes import (
    Change,
    ChangeSet,
    GroupCreated,
    GroupDeleted,
    GroupRenamed,
    MemberAdded,
    MemberRemoved,
    UserCreated,
    UserDeleted,
    UserPasswordSet,
)

from . import errors, groups, journal, users
from .context import WriteContext

logger = logging.getLogger("scimbridge.writethrough")

Step = Callable[[WriteContext], None]


def describe(change: Change) -> str:
    """What a change does in Jira, for error details ("while creating Jira user 'x'")."""
    match change:
        case UserCreated(user=user, restored=restored):
            verb = "restoring" if restored else "creating"
            return f"{verb} Jira user {user.user_name!r}"
        case UserDeleted(user_name=name, hard=hard):
            return f"{'deleting' if hard else 'deactivating'} Jira user {name!r}"
        case UserPasswordSet(user=user):
            return f"setting the password of Jira user {user.user_name!r}"
        case GroupCreated(group=group):
            return f"creating Jira group {group.display_name!r}"
        case GroupRenamed(group=group):
            return f"renaming SCIM group {group.display_name!r}"
        case GroupDeleted(display_name=name, jira_group_name=jira_name):
            return f"deleting Jira group {jira_name or name!r}"
        case MemberAdded(group=group, user_name=name):
            return f"adding {name!r} to Jira group {group.jira_group_name or group.display_name!r}"
        case MemberRemoved(group=group, user_name=name):
            return (
                f"removing {name!r} from Jira group {group.jira_group_name or group.display_name!r}"
            )
    user = getattr(change, "user", None)
    return f"updating Jira user {getattr(user, 'user_name', '?')!r}"


def plan(change_set: ChangeSet) -> Iterator[tuple[str, Step]]:
    """The Jira steps of a change set, in order, each with its description."""
    changes = list(change_set)
    index = 0
    while index < len(changes):
        change = changes[index]
        if isinstance(change, users.FIELD_CHANGES):
            batch: list[Any] = [change]
            while (
                index + 1 < len(changes)
                and isinstance(changes[index + 1], users.FIELD_CHANGES)
                and changes[index + 1].user.pk == change.user.pk  # type: ignore[attr-defined]
            ):
                index += 1
                batch.append(changes[index])
            yield describe(change), lambda ctx, batch=batch: users.updated(ctx, batch)
        else:
            handler = HANDLERS.get(type(change))
            if handler is None:  # a new kind of change needs its Jira step here
                raise TypeError(f"No Jira step for a {change.kind} change")
            yield describe(change), lambda ctx, c=change, h=handler: h(ctx, c)
        index += 1


HANDLERS: dict[type[Change], Callable[[WriteContext, Any], None]] = {
    UserCreated: users.created,
    UserPasswordSet: users.password_set,
    UserDeleted: users.deleted,
    GroupCreated: groups.created,
    GroupRenamed: groups.renamed,
    GroupDeleted: groups.deleted,
    MemberAdded: groups.member_added,
    MemberRemoved: groups.member_removed,
}


class JiraApplier:
    """The `ChangeApplier` that applies change sets to the directory's Jira site."""

    def __init__(self, **client_options: Any) -> None:
        """`client_options` go to `client_for_site` (timeouts, retries, back-off)."""
        self.client_options = client_options

    def write_scope(self) -> AbstractContextManager[None]:
        """The scope each SCIM write unit runs in: it journals creates a rollback undid."""
        return journal.intent_scope()

    def __call__(self, change_set: ChangeSet) -> None:
        """Apply every change or raise a `ScimError` (the caller's transaction then rolls back)."""
        directory = change_set.directory
        site = directory.jira_site
        started = time.monotonic()
        try:
            client = client_for_site(site, **self.client_options)
        except ValueError as exc:  # no credentials stored, or a malformed base URL
            raise errors.site_misconfigured(site.name, str(exc)) from exc
        with client:
            ctx = WriteContext(
                client=client, directory=directory, configuration=change_set.configuration
            )
            for doing, step in plan(change_set):
                try:
                    step(ctx)
                except JiraError as err:
                    logger.warning(
                        "directory=%s site=%s %s failed: %s", directory.name, site.name, doing, err
                    )
                    raise errors.from_jira(
                        err, doing=doing, site=site.name, directory=directory.name
                    ) from err
            ctx.stamp()
        logger.info(
            "directory=%s configuration=%s applied %s to Jira in %.0f ms",
            directory.name,
            change_set.configuration.name if change_set.configuration else "-",
            ",".join(change_set.kinds),
            (time.monotonic() - started) * 1000,
        )


# Bounded waits keep one SCIM request within the IdPs' 60-second timeout: a longer
# Retry-After from Jira is passed on to the IdP instead of slept through.
apply_to_jira = JiraApplier(max_retry_wait=10.0)
