"""Many members of one group at once: Jira's one-user-per-call writes, with bounded concurrency.

Jira DC adds or removes one user per call (``POST/DELETE group/user``), so a POST /Groups or
PATCH with 5,000 members is 5,000 calls. They are issued by up to
`JIRA_MEMBER_WRITE_CONCURRENCY` threads, each with a Jira client (a `requests.Session`) of its
own; the database is touched only by the request's thread. All-or-nothing is kept as for one
member: every check (link, protection) runs before the first call; the first failed call
stops the calls not yet started, the ones in flight finish, and the step raises so that the
write rolls back. Both calls are idempotent ("already a member" / "not a member" count as
done), so what Jira already applied is a no-op for the re-run of the step (blips) or the
IdP's retry; a re-run of the step skips the calls that succeeded.
"""

from __future__ import annotations

import contextvars
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from django.conf import settings

from jiraclient.client import JiraClient
from jiraclient.errors import JiraError, JiraNotFound
from provisioning.services.changes import MemberAdded, MemberRemoved

from . import errors
from .context import WriteContext
from .groups import jira_name
from .protection import require_group_unprotected

logger = logging.getLogger("scimbridge.writethrough")

MemberChange = MemberAdded | MemberRemoved


def concurrency() -> int:
    """How many member calls of one request may be in flight at once (at least 1)."""
    return max(int(getattr(settings, "JIRA_MEMBER_WRITE_CONCURRENCY", 16)), 1)


def same_batch(first: MemberChange, change: object) -> bool:
    """Whether `change` joins the batch `first` opened: same kind, same group."""
    return type(change) is type(first) and change.group.pk == first.group.pk  # type: ignore[attr-defined]


def describe_batch(batch: list[MemberChange], describe: Callable[[MemberChange], str]) -> str:
    """What a batch does, for logs and error details (a single change reads as before)."""
    if len(batch) == 1:
        return describe(batch[0])
    group = batch[0].group
    name = group.jira_group_name or group.display_name
    if isinstance(batch[0], MemberAdded):
        return f"adding {len(batch)} members to Jira group {name!r}"
    return f"removing {len(batch)} members from Jira group {name!r}"


@dataclass
class MemberBatch:
    """Consecutive member changes of one kind on one group: one applier step.

    `done` survives the step's re-runs (BlipBudget), so a re-run only repeats the calls
    that failed or never started.
    """

    changes: list[MemberChange]
    done: set[int] = field(default_factory=set)

    def __call__(self, ctx: WriteContext) -> None:
        """Check every change, then issue the calls; raise the first failure (in order)."""
        first = self.changes[0]
        group_name = jira_name(ctx, first.group)
        require_group_unprotected(ctx, group_name)
        adding = isinstance(first, MemberAdded)
        if adding:
            for change in self.changes:
                # Shadow mode: an unlinked member is one this change set plans to create.
                if not change.jira_user_key and not ctx.shadow:
                    raise errors.unlinked("user", change.user_name, directory=ctx.directory.name)
        todo = [i for i in range(len(self.changes)) if i not in self.done]
        call = _add if adding else _remove
        width = min(concurrency(), len(todo))
        if width <= 1 or ctx.client_pool is None:
            for index in todo:
                ctx.failed_doing = None
                self._run(ctx, ctx.client, call, group_name, index)
        else:
            self._run_concurrently(ctx, call, group_name, todo, width)
        ctx.failed_doing = None

    def _run(
        self,
        ctx: WriteContext,
        client: JiraClient,
        call: Callable[[JiraClient, str, str], None],
        group_name: str,
        index: int,
    ) -> None:
        change = self.changes[index]
        try:
            call(client, group_name, change.user_name)
        except JiraError:
            ctx.failed_doing = _describe_one(change, group_name)
            raise
        self._confirm(ctx, index)

    def _confirm(self, ctx: WriteContext, index: int) -> None:
        change = self.changes[index]
        self.done.add(index)
        if isinstance(change, MemberAdded):
            ctx.confirm_member(change.group, change.user_id)
        else:
            ctx.confirm_group(change.group)

    def _run_concurrently(
        self,
        ctx: WriteContext,
        call: Callable[[JiraClient, str, str], None],
        group_name: str,
        todo: list[int],
        width: int,
    ) -> None:
        pool = ctx.client_pool
        assert pool is not None
        stop = threading.Event()
        failures: dict[int, JiraError] = {}
        succeeded: list[int] = []
        lock = threading.Lock()

        def work(index: int) -> None:
            if stop.is_set():
                return  # an earlier call failed: the write rolls back, no more calls
            change = self.changes[index]
            try:
                with pool.lease() as client:
                    call(client, group_name, change.user_name)
            except JiraError as err:
                stop.set()
                with lock:
                    failures[index] = err
                return
            except BaseException:
                stop.set()
                raise
            with lock:
                succeeded.append(index)

        with ThreadPoolExecutor(max_workers=width, thread_name_prefix="scimbridge-jira") as pool_:
            # Each call runs in a copy of this thread's context (write budget, request id).
            futures = [pool_.submit(contextvars.copy_context().run, work, i) for i in todo]
        for future in futures:
            future.result()  # re-raises a non-Jira error (a bug) here, in the request's thread
        for index in succeeded:
            self._confirm(ctx, index)
        if failures:
            index = min(failures)
            ctx.failed_doing = _describe_one(self.changes[index], group_name)
            logger.info(
                "%d of %d member call(s) to Jira group %r failed; %d applied (no-ops on retry)",
                len(failures),
                len(todo),
                group_name,
                len(succeeded),
            )
            raise failures[index]


def _describe_one(change: MemberChange, group_name: str) -> str:
    if isinstance(change, MemberAdded):
        return f"adding {change.user_name!r} to Jira group {group_name!r}"
    return f"removing {change.user_name!r} from Jira group {group_name!r}"


def _add(client: JiraClient, group_name: str, username: str) -> None:
    client.add_group_member(group_name, username)


def _remove(client: JiraClient, group_name: str, username: str) -> None:
    try:
        client.remove_group_member(group_name, username)
    except JiraNotFound:
        logger.info("Jira group %r is gone: membership already absent", group_name)
