"""The Jira applier: turns a write's ChangeSet into Jira calls, inside the write's transaction.

`apply_to_jira` is the default `SCIM_CHANGE_APPLIER`. It opens one Jira client per change
set, applies the changes in order (consecutive field changes of one user as one PUT), and
only when every call succeeded stamps the rows with their Jira link and `jira_confirmed_at`.
Any failure raises a `ScimError`, so the write's transaction rolls back: a SCIM write
succeeds only if Jira accepted it. What Jira may already hold of a failed write is made
whole by the IdP's retry: every call is idempotent or re-read before it is repeated, and
creates are journaled (`journal`) so that the retry adopts them instead of answering 409.

Short Jira blips (a 5xx, a 429, a dropped connection) are absorbed here, in one place: a
step that fails with `JiraTransient` is run again, up to `JIRA_BLIP_ATTEMPTS` times while
the waits (Jira's `Retry-After`, else a back-off) fit in `JIRA_BLIP_BUDGET_SECONDS` and in
what is left of the write unit's `SCIM_WRITE_BUDGET_SECONDS`. Every step is safe to run
again (idempotent calls; creates re-read, and a create this change set already sent is
recognised as ours). The client still retries idempotent calls itself, each call waiting
at most the same `JIRA_BLIP_BUDGET_SECONDS`; the step re-run is what covers creates.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING, Any

from django.conf import settings

from jiraclient.errors import JiraError, JiraTransient
from jiraclient.sites import KeptClients, client_for_site
from provisioning.scim.errors import ScimError
from provisioning.services.apply import remaining_budget
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
from scimbridge.metrics import series

from . import errors, groups, journal, members, users
from .context import ClientPool, WriteContext
from .shadow import ShadowClient, ShadowContext

if TYPE_CHECKING:
    from configurations.models import JiraSite
    from jiraclient.client import JiraClient

logger = logging.getLogger("scimbridge.writethrough")

# One Jira client per thread and site, kept between writes (JIRA_KEEPALIVE_SECONDS).
KEPT_CLIENTS = KeptClients(lambda: settings.JIRA_KEEPALIVE_SECONDS)

Step = Callable[[WriteContext], None]
# Seconds before the first re-run of a failed step (doubling), as the client's back-off.
DEFAULT_BACKOFF = 0.5


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
        elif isinstance(change, MemberAdded | MemberRemoved):
            # Consecutive member changes of one group: one step, its calls issued concurrently.
            run: list[Any] = [change]
            while index + 1 < len(changes) and members.same_batch(change, changes[index + 1]):
                index += 1
                run.append(changes[index])
            yield members.describe_batch(run, describe), members.MemberBatch(run)
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
}


class JiraApplier:
    """The `ChangeApplier` that applies change sets to the directory's Jira site."""

    def __init__(self, **client_options: Any) -> None:
        """`client_options` go to `client_for_site` (timeouts, retries, back-off).

        `backoff_factor` also spaces the applier's re-runs of a failed step; the client's
        `max_retry_wait` defaults to `JIRA_BLIP_BUDGET_SECONDS`.
        """
        self.client_options = client_options

    def write_scope(self) -> AbstractContextManager[None]:
        """The scope each SCIM write unit runs in: it journals creates a rollback undid."""
        return journal.intent_scope()

    def __call__(self, change_set: ChangeSet) -> None:
        """Apply every change or raise a `ScimError` (the caller's transaction then rolls back)."""
        try:
            self._apply(change_set)
        except ScimError as err:
            series.WRITETHROUGH_FAILURES.labels(errors.failure_kind(err)).inc()
            raise

    def _apply(self, change_set: ChangeSet) -> None:
        directory = change_set.directory
        site = directory.jira_site
        started = time.monotonic()
        blips = BlipBudget(float(self.client_options.get("backoff_factor", DEFAULT_BACKOFF)))
        options = {"max_retry_wait": blips.seconds} | self.client_options
        # Worker threads of multi-member steps get clients of their own (members.py).
        pool = ClientPool(lambda: client_for_site(site, **options))
        with self._client(site, options) as client:
            if change_set.shadow:  # the same steps; writes are recorded as planned changes
                # No client pool: every call, member calls included, goes through the
                # recording client, one after the other.
                ctx: WriteContext = ShadowContext(
                    client=ShadowClient(  # type: ignore[arg-type]
                        client, directory=directory, configuration=change_set.configuration
                    ),
                    directory=directory,
                    configuration=change_set.configuration,
                )
            else:
                ctx = WriteContext(
                    client=client,
                    directory=directory,
                    configuration=change_set.configuration,
                    client_pool=pool,
                )
            try:
                self._run_plan(ctx, change_set, blips)
            finally:
                pool.close()
            ctx.stamp()
        logger.info(
            "directory=%s configuration=%s %s %s in %.0f ms",
            directory.name,
            change_set.configuration.name if change_set.configuration else "-",
            "planned (shadow mode)" if change_set.shadow else "applied to Jira",
            ",".join(change_set.kinds),
            (time.monotonic() - started) * 1000,
        )

    @staticmethod
    @contextmanager
    def _client(site: JiraSite, options: dict[str, Any]) -> Iterator[JiraClient]:
        """This thread's kept client for the site as stored now (its connections reused)."""

        def make() -> JiraClient:
            try:
                return client_for_site(site, **options)
            except ValueError as exc:  # no credentials stored, or a malformed base URL
                raise errors.site_misconfigured(site.name, str(exc)) from exc

        # Every field the client is built from: a changed site never reuses an old client.
        key = (
            site.pk,
            site.base_url,
            site.auth_method,
            site.username,
            site.secret_encrypted,
            site.verify_tls,
            site.timeout,
            tuple(sorted(options.items())),
        )
        with KEPT_CLIENTS.lease(key, make) as client:
            yield client

    @staticmethod
    def _run_plan(ctx: WriteContext, change_set: ChangeSet, blips: BlipBudget) -> None:
        directory, site = ctx.directory, ctx.site
        for doing, step in plan(change_set):
            try:
                blips.run(step, ctx, doing)
            except JiraError as err:
                # A step of many calls names the one that failed.
                failed = ctx.failed_doing or doing
                logger.warning(
                    "directory=%s site=%s %s failed: %s", directory.name, site.name, failed, err
                )
                raise errors.from_jira(
                    err, doing=failed, site=site.name, directory=directory.name
                ) from err


class BlipBudget:
    """Re-runs of failed steps for one change set: attempts per step, seconds in all."""

    def __init__(self, backoff_factor: float) -> None:
        """Read the budget from the settings (`JIRA_BLIP_ATTEMPTS`, `..._BUDGET_SECONDS`)."""
        self.attempts = max(int(settings.JIRA_BLIP_ATTEMPTS), 1)
        self.seconds = max(float(settings.JIRA_BLIP_BUDGET_SECONDS), 0.0)
        self.backoff_factor = backoff_factor
        self.waited = 0.0

    def run(self, step: Step, ctx: WriteContext, doing: str) -> None:
        """Run the step; after a transient failure wait and run it again while the budget lasts."""
        attempt = 1
        while True:
            try:
                step(ctx)
            except JiraTransient as err:
                delay = self._delay(err, attempt)
                if delay is None:
                    raise
                logger.info(
                    "Jira blip while %s (%s); attempt %d/%d in %.2f s",
                    doing,
                    err,
                    attempt + 1,
                    self.attempts,
                    delay,
                )
                time.sleep(delay)
                self.waited += delay
                attempt += 1
            else:
                return

    def _delay(self, err: JiraTransient, attempt: int) -> float | None:
        """Seconds to wait before the next attempt; None when the budget does not allow one."""
        if attempt >= self.attempts:
            return None
        if err.retry_after is not None:
            delay = err.retry_after  # Jira's own hint, or nothing: never shortened
        else:
            delay = self.backoff_factor * (2 ** (attempt - 1))
        if self.waited + delay > self.seconds:
            return None  # a longer Retry-After is passed on to the IdP instead
        left = remaining_budget()
        if left is not None and delay >= left:
            return None  # the write unit's own budget ends first
        return delay


# Bounded waits (JIRA_BLIP_BUDGET_SECONDS, inside SCIM_WRITE_BUDGET_SECONDS) keep one SCIM
# request within the IdPs' 60-second timeout: a longer Retry-After from Jira is passed on
# to the IdP instead of slept through.
apply_to_jira = JiraApplier()
