"""The one place where every SCIM write meets Jira: the applier seam and the write unit.

A SCIM write is one unit (`scim_write` on each write service): it enters the applier's
write scope, THEN opens the write's transaction, computes a `ChangeSet` and calls
`apply_changes` after writing the SCIM tables. The applier turns the changes into Jira
calls; if it raises (a `ScimError` such as 503 or 409 when Jira refuses), the transaction
rolls back and the tables are unchanged, so a SCIM write succeeds only if Jira accepted it.
The scope outlasts the transaction: the Jira applier journals there the creates a rollback
undid (`provisioning.writethrough.journal`).

The order is enforced, not remembered: the unit's transaction is durable, so a write
service called inside a caller's `transaction.atomic()` raises `RuntimeError` (its commit
would not be final, and a Jira call could not be undone with it); `apply_changes` outside a
unit raises `RuntimeError` too.

The applier is a `ChangeApplier`, named by the setting `SCIM_CHANGE_APPLIER` (declared in
scimbridge/settings.py): by default `provisioning.writethrough.applier.apply_to_jira`;
`log_changes` only logs. Tests swap it with `applier_override`.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from contextvars import ContextVar
from typing import ParamSpec, Protocol, TypeVar, runtime_checkable

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string

from provisioning.scim.errors import ScimError

from .changes import ChangeSet
from .guard import guard_deprovisioning

logger = logging.getLogger("scimbridge.changes")

P = ParamSpec("P")
R = TypeVar("R")


@runtime_checkable
class ChangeApplier(Protocol):
    """Applies a write's changes to Jira (or elsewhere) inside the write's transaction."""

    def __call__(self, change_set: ChangeSet) -> None:
        """Apply every change, or raise (a `ScimError`) so that the write rolls back."""

    def write_scope(self) -> AbstractContextManager[object]:
        """The context a write unit runs in, entered before its transaction opens."""


PlainApplier = Callable[[ChangeSet], None]


class Unscoped:
    """A plain callable as a `ChangeApplier` whose write scope does nothing."""

    def __init__(self, apply: PlainApplier) -> None:
        """Wrap `apply`, a function taking a ChangeSet."""
        self.apply = apply

    def __call__(self, change_set: ChangeSet) -> None:
        """Hand the change set to the wrapped callable."""
        self.apply(change_set)

    def write_scope(self) -> AbstractContextManager[object]:
        """No scope: nothing of this applier outlives the transaction."""
        return nullcontext()

    def __repr__(self) -> str:
        return f"Unscoped({self.apply!r})"


def as_applier(applier: ChangeApplier | PlainApplier) -> ChangeApplier:
    """The applier itself, or a plain callable wrapped as one (`Unscoped`)."""
    if isinstance(applier, ChangeApplier):
        return applier
    if callable(applier):
        return Unscoped(applier)
    raise TypeError(f"{applier!r} is not a change applier (a callable taking a ChangeSet)")


def _log(change_set: ChangeSet) -> None:
    for change in change_set:
        logger.info(
            "directory=%s configuration=%s %s",
            change_set.directory.name,
            change_set.configuration.name if change_set.configuration else "-",
            change,
        )


log_changes = Unscoped(_log)
"""An applier that only logs: one line per change (never a password)."""

_override: list[ChangeApplier] = []
# The applier of the write unit in progress in this thread/task; None outside a unit.
_unit: ContextVar[ChangeApplier | None] = ContextVar("scim_write_unit", default=None)
# When the write unit in progress must stop (time.monotonic()); None: no budget.
_deadline: ContextVar[float | None] = ContextVar("scim_write_deadline", default=None)


@functools.cache
def _configured(path: str) -> ChangeApplier:
    # Keyed by the dotted path, so `override_settings(SCIM_CHANGE_APPLIER=...)` takes effect.
    return as_applier(import_string(path))


def current_applier() -> ChangeApplier:
    """The applier in force: an override (tests), else the one `SCIM_CHANGE_APPLIER` names."""
    if _override:
        return _override[-1]
    return _configured(settings.SCIM_CHANGE_APPLIER)


@contextmanager
def applier_override(applier: ChangeApplier | PlainApplier) -> Iterator[ChangeApplier]:
    """Use another applier within the block (tests; one-off admin tasks)."""
    installed = as_applier(applier)
    _override.append(installed)
    try:
        yield installed
    finally:
        _override.remove(installed)


@contextmanager
def write_unit() -> Iterator[ChangeApplier]:
    """One SCIM write: the applier's write scope, then a durable transaction inside it.

    Raises `RuntimeError` when entered inside another atomic block (Django refuses a
    nested durable block), which is the wrong order this unit exists to rule out.
    """
    if _unit.get() is not None:
        raise RuntimeError("A SCIM write unit cannot be nested inside another one.")
    applier = current_applier()
    budget = settings.SCIM_WRITE_BUDGET_SECONDS
    deadline = _deadline.set(time.monotonic() + budget if budget else None)
    try:
        with applier.write_scope(), transaction.atomic(durable=True):
            token = _unit.set(applier)
            try:
                yield applier
            finally:
                _unit.reset(token)
    finally:
        _deadline.reset(deadline)


def remaining_budget() -> float | None:
    """Seconds left of the write unit's budget (None: no budget, or outside a unit)."""
    deadline = _deadline.get()
    return None if deadline is None else deadline - time.monotonic()


def check_budget() -> None:
    """Raise 503 (nothing applied) once the write unit has run past its time budget.

    Called between the steps of a write (PATCH operations, the row lock, before the first
    Jira call), never between Jira calls: past the budget the write rolls back whole.
    """
    deadline = _deadline.get()
    if deadline is None or time.monotonic() < deadline:
        return
    budget = settings.SCIM_WRITE_BUDGET_SECONDS
    raise ScimError(
        503,
        f"The request took longer than {budget:g} s (SCIM_WRITE_BUDGET_SECONDS) to apply and "
        "was stopped; nothing was applied. Retry later, or split it into smaller requests.",
        headers={"Retry-After": "30"},
    )


def scim_write(service: Callable[P, R]) -> Callable[P, R]:
    """Decorate a write service: it runs as one `write_unit` (scope, then transaction)."""

    @functools.wraps(service)
    def unit(*args: P.args, **kwargs: P.kwargs) -> R:
        with write_unit():
            return service(*args, **kwargs)

    unit.scim_write = True  # type: ignore[attr-defined]  # what tests of the services look for
    return unit


def apply_changes(change_set: ChangeSet) -> None:
    """Hand a write's changes to the unit's applier, inside the write's transaction.

    Outside a write unit a failing applier could not undo the table writes, and a Jira
    create could not be journaled, so that is a programming error.
    """
    applier = _unit.get()
    if applier is None or not transaction.get_connection().in_atomic_block:
        raise RuntimeError("apply_changes must run inside a SCIM write unit (@scim_write).")
    if not change_set:
        return
    check_budget()
    guard_deprovisioning(change_set)
    applier(change_set)
