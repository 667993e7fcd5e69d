"""The one place where every SCIM write meets Jira.

Each write service computes a `ChangeSet` and calls `apply_changes` inside its
transaction, after writing the SCIM tables. The applier turns the changes into Jira
calls; if it raises (a `ScimError` such as 503 or 409 when Jira refuses), the transaction
rolls back and the tables are unchanged, so a SCIM write succeeds only if Jira accepted it.

The applier is the callable named by the setting `SCIM_CHANGE_APPLIER` (a dotted path to a
function or class instance taking a ChangeSet). The default applies every change to the
directory's Jira (`provisioning.writethrough`); `log_changes` only logs them.

An applier may offer `write_scope()`, a context manager that callers enter around the
write services (the SCIM views do, in `dispatch`) so that the applier can act after the
write's transaction ended: the Jira applier journals there the creates a rollback undid.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from functools import cache

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string

from .changes import ChangeSet

logger = logging.getLogger("scimbridge.changes")

Applier = Callable[[ChangeSet], None]
DEFAULT_APPLIER = "provisioning.writethrough.applier.apply_to_jira"

_override: list[Applier] = []


def log_changes(change_set: ChangeSet) -> None:
    """An applier that only logs: one line per change (never a password)."""
    for change in change_set:
        logger.info(
            "directory=%s configuration=%s %s",
            change_set.directory.name,
            change_set.configuration.name if change_set.configuration else "-",
            change,
        )


@cache
def _configured(path: str) -> Applier:
    return import_string(path)


def current_applier() -> Applier:
    """The applier in force: an override (tests), else the configured one."""
    if _override:
        return _override[-1]
    return _configured(getattr(settings, "SCIM_CHANGE_APPLIER", DEFAULT_APPLIER))


@contextmanager
def applier_override(applier: Applier) -> Iterator[Applier]:
    """Use another applier within the block (tests; one-off admin tasks)."""
    _override.append(applier)
    try:
        yield applier
    finally:
        _override.remove(applier)


def write_scope() -> AbstractContextManager[object]:
    """Enter around write services, outside their transactions (the applier's `write_scope`)."""
    scope = getattr(current_applier(), "write_scope", None)
    return scope() if scope is not None else nullcontext()


def apply_changes(change_set: ChangeSet) -> None:
    """Hand a write's changes to the applier, inside the write's transaction.

    Outside a transaction a failing applier could not undo the table writes, so that is a
    programming error.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("apply_changes must run inside the write's transaction.")
    if not change_set:
        return
    current_applier()(change_set)
