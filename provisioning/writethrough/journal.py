"""The intent journal: Jira creates that a SCIM write sent and may not have seen through.

A create (POST user / POST group) that Jira applied but answered with an error, or that
succeeded before a later step of the same write failed, leaves a Jira object while the
SCIM tables roll back. On the IdP's retry Jira answers "already exists", and without a
record we could not tell that object from one an administrator made (which we must never
take over). So every create sent during a write is remembered in memory (`PendingIntent`);
when the request's `intent_scope` ends, the intents whose row did not commit linked to
the Jira object are written as `JiraIntent` rows, in a transaction of their own: the
write's transaction is over by then, so they survive its rollback (and SQLite, which holds
its write lock for the whole write transaction, never sees two writers).

A process killed between the POST and the end of the request writes nothing at the end, so
group creates (`record(..., durable=True)`) are also journaled BEFORE the POST, committed
on a connection of their own (`_committed_apart`); see `record` for when that is possible.

A later create that meets "already exists" looks the name up here: an intent younger than
`INTENT_TTL` means the object is ours to adopt. Once a write links the name (created or
adopted) it deletes the intent inside its own transaction, so that the intent comes back
if that write rolls back too.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from django.db import DatabaseError, IntegrityError, connections, models, transaction
from django.utils import timezone

from configurations.models import Directory
from provisioning.models import JiraIntent, ScimGroup, ScimUser

logger = logging.getLogger("scimbridge.writethrough")

# IdPs retry a failed object within hours (Entra's cycles, Okta's retries); a week covers
# a long Jira outage. Older intents are ignored and pruned: a same-named Jira object that
# appears after that is treated as someone else's.
INTENT_TTL = timedelta(days=7)

Kind = JiraIntent.Kind


@dataclass(eq=False)
class PendingIntent:
    """A create sent to Jira during the current write; journaled unless the write commits."""

    directory_id: int
    kind: str
    jira_name: str
    row_pk: uuid.UUID
    # What the row was linked to (Jira user key or group name) once Jira confirmed it.
    linked: str | None = None
    # Whether `record` committed a new JiraIntent row for it before the POST.
    committed: bool = False
    # Whether the write's transaction was seen to commit with the row linked (`link_committed`).
    link_seen_committed: bool = False

    def link_committed(self) -> None:
        """The write that linked the row committed (an `on_commit` callback of the stamp)."""
        self.link_seen_committed = True

    def settled(self) -> bool:
        """Whether the row committed linked to the Jira object (then no journal is needed).

        Asked of the database unless the commit was seen: a write inside a caller's
        transaction (tests) commits only later, and its `on_commit` callbacks wait for that.
        """
        if self.linked is None:
            return False
        if self.link_seen_committed:
            return True
        if self.kind == Kind.USER:
            return ScimUser.objects.filter(pk=self.row_pk, jira_user_key=self.linked).exists()
        return ScimGroup.objects.filter(pk=self.row_pk, jira_group_name=self.linked).exists()


class _Scope(threading.local):
    """Per-thread nesting depth and the intents of the outermost scope."""

    def __init__(self) -> None:
        self.depth = 0
        self.pending: list[PendingIntent] = []


_scope = _Scope()


@contextmanager
def intent_scope() -> Iterator[None]:
    """Enclose one or more write services (one SCIM request); journal what did not commit.

    Must enclose the write's whole transaction: every SCIM write unit enters it first
    (`provisioning.services.apply.write_unit`, through `JiraApplier.write_scope`).
    Nested scopes join the outermost one.
    """
    outermost = _scope.depth == 0
    _scope.depth += 1
    try:
        yield
    finally:
        _scope.depth -= 1
        if outermost:
            pending, _scope.pending = _scope.pending, []
            persist_unsettled(pending)


def record(
    *,
    directory: Directory,
    kind: str,
    jira_name: str,
    row_pk: uuid.UUID,
    durable: bool = False,
) -> PendingIntent:
    """Remember a create about to be sent to Jira; `durable`: commit it before the POST too.

    The durable record is written on another connection, committed at once, so that a
    worker killed after Jira applied the POST still leaves the intent for the IdP's retry.
    That needs a database with concurrent writers (not SQLite, whose write lock the write's
    transaction holds) and a write transaction that is the connection's outermost (not
    inside a test's transaction, whose rows another connection cannot see); otherwise the
    intent is journaled only at the end of the scope, as every intent is.
    """
    intent = PendingIntent(directory.pk, kind, jira_name, row_pk)
    if _scope.depth:
        _scope.pending.append(intent)
    else:
        logger.warning(
            "Jira %s %r created outside an intent scope: if the write fails after Jira applied "
            "it, a retry will answer 409 instead of adopting it",
            kind,
            jira_name,
        )
    if durable and _can_commit_apart():
        try:
            intent.committed = _committed_apart(lambda: _upsert(intent))
        except DatabaseError:
            logger.exception("Could not journal Jira %s %r before creating it", kind, jira_name)
    return intent


def _can_commit_apart() -> bool:
    current = transaction.get_connection()
    return current.vendor != "sqlite" and len(current.atomic_blocks) <= 1


def _committed_apart(work: Callable[[], bool]) -> bool:
    """Run `work` in a transaction of its own on another connection (a short-lived thread)."""
    outcome: list[bool] = []
    failures: list[BaseException] = []

    def run() -> None:
        try:
            with transaction.atomic():
                outcome.append(work())
        except Exception as exc:  # noqa: BLE001 - re-raised in the caller's thread below
            failures.append(exc)
        finally:
            connections.close_all()  # this thread's connections only

    thread = threading.Thread(target=run, name="scimbridge-intent")
    thread.start()
    thread.join()
    if failures:
        raise failures[0]
    return outcome[0]


def discard(intent: PendingIntent) -> None:
    """Forget a create Jira certainly did not apply (refused, or never reached it)."""
    if intent in _scope.pending:
        _scope.pending.remove(intent)
    if intent.committed:
        # Ours alone (an older intent for the name would have been updated, not created).
        try:
            _committed_apart(
                lambda: bool(
                    _same(intent.directory_id, intent.kind, intent.jira_name).delete()[0]
                )
            )
        except DatabaseError:
            logger.exception("Could not drop the intent for Jira %s %r", intent.kind,
                             intent.jira_name)
        intent.committed = False


def persist_unsettled(pending: list[PendingIntent]) -> None:
    """Write the intents whose write did not commit; never raises (the answer is decided)."""
    if not pending:
        return
    try:
        unsettled = [intent for intent in pending if not intent.settled()]
        if not unsettled:
            return
        with transaction.atomic():
            for intent in unsettled:
                _upsert(intent)
            prune()
        for intent in unsettled:
            logger.info(
                "Journaled Jira %s %r: a retry that finds it in Jira adopts it",
                intent.kind,
                intent.jira_name,
            )
    except DatabaseError:
        logger.exception(
            "Could not journal %d Jira create(s); a retry may answer 409 for them", len(pending)
        )


def _same(directory_id: int, kind: str, jira_name: str) -> models.QuerySet[JiraIntent]:
    return JiraIntent.objects.named(directory_id, kind, jira_name)


def _upsert(intent: PendingIntent) -> bool:
    """Journal the intent; True when a new row was created (False: an existing one renewed)."""
    now = timezone.now()
    if _same(intent.directory_id, intent.kind, intent.jira_name).update(requested_at=now):
        return False
    try:
        with transaction.atomic():
            JiraIntent.objects.create(
                directory_id=intent.directory_id,
                kind=intent.kind,
                jira_name=intent.jira_name,
                requested_at=now,
            )
    except IntegrityError:
        return False  # a concurrent request journaled the same create
    return True


def find(*, directory: Directory, kind: str, jira_name: str) -> JiraIntent | None:
    """The live intent for this name, if a failed write of this directory sent its create."""
    cutoff = timezone.now() - INTENT_TTL
    return (
        _same(directory.pk, kind, jira_name)
        .filter(requested_at__gte=cutoff)
        .order_by("-requested_at")
        .first()
    )


def forget(*, directory: Directory, kind: str, jira_name: str) -> None:
    """The name is linked now (created or adopted): drop its intent, in the write's transaction."""
    _same(directory.pk, kind, jira_name).delete()


def prune() -> int:
    """Delete intents older than `INTENT_TTL`; returns how many."""
    deleted, _ = JiraIntent.objects.filter(requested_at__lt=timezone.now() - INTENT_TTL).delete()
    return deleted
