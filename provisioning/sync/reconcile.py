"""Reconcile: apply what a directory's SCIM tables intend to Jira, through the write-through.

A reconcile run first checks drift (drift.py, stored with the run), then turns each
difference it may act on into a change set and applies it as one SCIM write unit
(`provisioning.services.apply.write_unit`): the applier of `SCIM_CHANGE_APPLIER`, so the same
protection rules (403), the same idempotent or re-read Jira calls, the same intent journal
and the same blip re-runs as a SCIM request. The change set is applied live whatever the
configuration's mode (going live is what reconcile is for). One object failing is recorded
(`SyncRunError`) and the run goes on; a rerun compares again, so it finishes the job, and a
reconcile with nothing left to do changes nothing.

Never acted on: `extra_in_jira` (SCIM never deletes what it did not create) and `protected`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from auditlog.context import request_scope
from configurations.models import ScimConfiguration
from jiraclient import JiraClient
from provisioning.models import ScimGroup, ScimUser
from provisioning.scim.errors import ScimError
from provisioning.services.apply import apply_changes, write_unit
from provisioning.services.changes import (
    ChangeSet,
    GroupCreated,
    MemberAdded,
    MemberRemoved,
    UserActivated,
    UserCreated,
    UserDeactivated,
    UserDisplayNameChanged,
    UserEmailChanged,
)

from .drift import drift_check, intended_state
from .drift_models import DriftItem
from .runs import RunContext

logger = logging.getLogger("scimbridge.sync")

Kind = DriftItem.Kind
# The kinds reconcile acts on, in the order it applies them (users before their memberships).
RECONCILABLE = (
    Kind.MISSING_IN_JIRA,
    Kind.ATTRIBUTE_DIFFERS,
    Kind.MEMBERSHIP_MISSING,
    Kind.MEMBERSHIP_EXTRA,
)
# Consecutive 503s (Jira unavailable past the blip budget) after which the run stops.
MAX_CONSECUTIVE_UNAVAILABLE = 20


class Skip(Exception):  # noqa: N818 - a decision, not an error
    """The difference is gone or may not be acted on; the message says why."""


def parse_kinds(text: str) -> list[str]:
    """`--only` / the admin's choice: reconcilable kinds, or ValueError naming the valid ones."""
    kinds = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [kind for kind in kinds if kind not in RECONCILABLE]
    if unknown:
        raise ValueError(
            f"Cannot reconcile {', '.join(unknown)}: choose from {', '.join(RECONCILABLE)} "
            "(extra_in_jira and protected are reported, never reconciled)."
        )
    return kinds


def reconcile_configuration(directory: Any) -> ScimConfiguration | None:
    """The configuration whose options (default groups, applications) a create uses."""
    configurations = ScimConfiguration.objects.filter(directory=directory, enabled=True)
    return configurations.order_by("created_at", "pk").first()


def directory_reconcile(ctx: RunContext, client: JiraClient) -> str:
    """Check drift, then apply each difference of the chosen kinds; returns the run's message."""
    run = ctx.run
    kinds = [kind for kind in RECONCILABLE if kind in (run.options.get("only") or RECONCILABLE)]
    found = drift_check(ctx, client)
    configuration = reconcile_configuration(run.directory)
    applied = failed = skipped = unavailable = 0
    for kind in kinds:
        ctx.phase(f"reconciling: {Kind(kind).label.lower()}")
        for item in DriftItem.objects.filter(run=run, kind=kind).order_by("id").iterator():
            plural = f"{item.object_type}s"
            try:
                _apply(item, run.directory, configuration)
            except Skip as skip:
                skipped += 1
                ctx.count(plural, "skipped")
                ctx.note(item.object_type, item.object_name, str(skip))
            except ScimError as err:
                failed += 1
                if err.status == 403:
                    ctx.count(plural, "protected")
                ctx.error(item.object_type, item.object_name, f"{err.status}: {err.detail}")
                unavailable = unavailable + 1 if err.status == 503 else 0
                if unavailable >= MAX_CONSECUTIVE_UNAVAILABLE:
                    return (
                        f"Stopped: Jira stayed unavailable ({unavailable} objects in a row). "
                        f"{applied} change(s) applied; run reconcile again later. Found: {found}"
                    )
            else:
                applied += 1
                unavailable = 0
                ctx.count(plural, _counter(item))
            ctx.beat()
    outcome = f"{applied} change(s) applied, {failed} failed, {skipped} skipped."
    if failed:
        outcome += " Run reconcile again once the errors are fixed: it finishes the job."
    return f"Found: {found} Reconciled: {outcome}"


def _counter(item: DriftItem) -> str:
    if item.kind in (Kind.MISSING_IN_JIRA, Kind.MEMBERSHIP_MISSING):
        return "created"
    if item.kind == Kind.MEMBERSHIP_EXTRA:
        return "removed"
    return "updated"


def _apply(item: DriftItem, directory: Any, configuration: ScimConfiguration | None) -> None:
    """One difference as one write unit: re-read the rows, build the change, apply it live."""
    build = BUILDERS[(item.kind, item.object_type)]
    # Log records of the write and its Jira calls carry this id, as a SCIM request's do.
    with request_scope(f"reconcile-{item.run_id}-{item.pk}", collect_jira_calls=False), \
            write_unit():
        change_set = ChangeSet(directory=directory, configuration=configuration, mode="live")
        build(item, change_set)
        apply_changes(change_set)


def _user(item: DriftItem) -> ScimUser:
    user = ScimUser.objects.filter(pk=item.user_id, directory_id=item.run.directory_id).first()
    if user is None:
        raise Skip("The SCIM user was deleted since the drift check.")
    return user


def _group(item: DriftItem) -> ScimGroup:
    group = ScimGroup.objects.filter(pk=item.group_id, directory_id=item.run.directory_id).first()
    if group is None:
        raise Skip("The SCIM group was deleted since the drift check.")
    return group


def _missing_user(item: DriftItem, change_set: ChangeSet) -> None:
    user = _user(item)
    if user.hidden_at is not None:
        raise Skip("The SCIM user was deleted since the drift check.")
    change_set.add(
        UserCreated(user, intended_state(user), restored=bool(user.jira_user_key))
    )


def _attribute(item: DriftItem, change_set: ChangeSet) -> None:
    user = _user(item)
    if not user.jira_user_key:
        raise Skip("The SCIM user is no longer linked to a Jira user.")
    state = intended_state(user)
    if item.attribute == "email":
        change_set.add(UserEmailChanged(user, item.jira_value or None, state.email))
    elif item.attribute == "displayName":
        change_set.add(UserDisplayNameChanged(user, item.jira_value, state.display_name))
    elif item.attribute == "active":
        change_set.add(UserActivated(user) if state.active else UserDeactivated(user))


def _missing_group(item: DriftItem, change_set: ChangeSet) -> None:
    change_set.add(GroupCreated(_group(item)))


def _membership(item: DriftItem, change_set: ChangeSet) -> None:
    group = _group(item)
    if item.user_id is None:
        raise Skip(item.detail or "Not a user of this directory: reconcile leaves it alone.")
    user = _user(item)
    if not group.jira_group_name:
        raise Skip("The group is not in Jira yet (its creation failed): reconcile again.")
    if not user.jira_user_key:
        raise Skip("The user is not in Jira yet (its creation failed): reconcile again.")
    change_type = MemberAdded if item.kind == Kind.MEMBERSHIP_MISSING else MemberRemoved
    change_set.add(change_type(group, user.pk, user.user_name, user.jira_user_key))


BUILDERS: dict[tuple[str, str], Callable[[DriftItem, ChangeSet], None]] = {
    (Kind.MISSING_IN_JIRA, "user"): _missing_user,
    (Kind.MISSING_IN_JIRA, "group"): _missing_group,
    (Kind.ATTRIBUTE_DIFFERS, "user"): _attribute,
    (Kind.MEMBERSHIP_MISSING, "membership"): _membership,
    (Kind.MEMBERSHIP_EXTRA, "membership"): _membership,
}
