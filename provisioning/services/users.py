"""Write services for SCIM users: create, replace, patch, delete."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections, transaction
from django.db.models import Exists, QuerySet, Subquery, Value
from django.db.models.functions import Lower
from django.db.models.lookups import Exact
from django.utils import timezone
from scim2_models import PatchOp, SCIMException

from configurations.models import Directory, ScimConfiguration
from provisioning.hot_reads import prepared_cursor
from provisioning.models import JiraIntent, ScimGroup, ScimMembership, ScimUser, ScimUserValue
from provisioning.scim import mapping
from provisioning.scim.errors import ScimError, ScimType, from_scim2
from provisioning.scim.etag import Preconditions
from provisioning.scim.patch import apply_patch
from provisioning.scim.schema import Locator, UserResource

from .apply import apply_changes, check_budget, scim_write
from .changes import (
    ChangeSet,
    JiraUserState,
    UserCreated,
    UserDeleted,
    UserPasswordSet,
    jira_user_state,
    user_state_changes,
)

# Resources rebuilt for PATCH and PUT checks never leave the server; any base URL will do.
_INTERNAL = Locator("http://scimbridge.invalid/scim/v2")


def _state(user: ScimUser) -> JiraUserState:
    return jira_user_state(
        user_name=user.user_name,
        display_name=user.display_name,
        active=user.active,
        resource=user.resource,
    )


def _same_user_name(directory: Directory | int, user_name: str) -> QuerySet[ScimUser]:
    """The directory's users of this userName, in any case (the unique index's rule)."""
    directory_id = directory if isinstance(directory, int) else directory.pk
    return ScimUser.objects.filter(
        Exact(Lower("user_name"), Lower(Value(user_name))), directory_id=directory_id
    )


def _conflict(user_name: str, hidden: bool) -> ScimError:
    detail = f"A user with userName {user_name!r} already exists in this directory."
    if hidden:
        detail = (
            f"userName {user_name!r} belongs to a user that was deleted (disabled) in this "
            "directory; create it with POST to reactivate it."
        )
    return ScimError(409, detail, ScimType.UNIQUENESS)


def _locked(user: ScimUser, preconditions: Preconditions | None = None) -> ScimUser:
    """The row, locked for this transaction; 404 when gone, 412 when If-Match fails."""
    locked = (
        ScimUser.objects.select_for_update(of=("self",))
        .select_related("directory")
        .filter(pk=user.pk, hidden_at__isnull=True)
        .first()
    )
    if locked is None:
        raise ScimError(404, f"User {user.pk} not found.")
    if preconditions:
        preconditions.check(locked.etag)
    return locked


def _write_values(user: ScimUser, rows: list[mapping.ValueRow], *, replace: bool) -> None:
    if replace:
        # Rewrite the rows only when the multi-valued attributes changed.
        current = [
            (row.attribute, row.position, row.value, row.type, row.primary, row.data)
            for row in user.values.order_by("attribute", "position")
        ]
        wanted = sorted(
            (
                (row.attribute, row.position, row.value, row.type, row.primary, row.data)
                for row in rows
            ),
            key=lambda item: (item[0], item[1]),
        )
        if current == wanted:
            return
        user.values.all().delete()
    ScimUserValue.objects.bulk_create(ScimUserValue.from_row(user, row) for row in rows)


def _assign(user: ScimUser, fields: mapping.UserFields) -> bool:
    """Copy fields onto the row; True when something stored changed."""
    new = {
        "user_name": fields.user_name,
        "external_id": fields.external_id,
        "display_name": fields.display_name,
        "active": fields.active,
        "resource": fields.resource,
    }
    changed = any(getattr(user, name) != value for name, value in new.items())
    for name, value in new.items():
        setattr(user, name, value)
    return changed


def _fields(resource: UserResource) -> mapping.UserFields:
    """The resource's columns and rows, within the configured values per attribute."""
    return mapping.user_fields(resource, max_values=settings.SCIM_MAX_ATTRIBUTE_VALUES)


@dataclass(frozen=True)
class _BeforeCreate:
    """What a create reads before it writes."""

    # Whether a user of this userName exists (visible: 409; hidden: relinked).
    taken: bool
    # The configuration's mode as stored now (None: no configuration, or it is gone).
    mode: str | None
    # Whether the intent journal holds a create of this name (see `UserCreated.journaled`).
    journaled: bool


# Stand-ins for the values of `_before_create`'s query, compiled once with them.
_SENTINELS: dict[str, Any] = {
    "directory": -424201,
    "configuration": -424202,
    "user_name": "\x00user-name\x00",
}


@functools.cache
def _before_create_sql(alias: str) -> tuple[str, tuple[Any, ...]]:
    """The SQL of the ORM query below, and where each stand-in goes among its parameters.

    Built from the ORM (the name rules live in `_same_user_name` and `JiraIntent.named`),
    compiled once per database: the query runs for every create, and compiling its
    subqueries costs more CPU than running it.
    """
    directory_id, configuration_id, user_name = (
        _SENTINELS["directory"],
        _SENTINELS["configuration"],
        _SENTINELS["user_name"],
    )
    same_name = _same_user_name(directory_id, user_name)
    intents = JiraIntent.objects.named(directory_id, JiraIntent.Kind.USER, user_name)
    modes = ScimConfiguration.objects.filter(pk=configuration_id).order_by().values("mode")
    query = (
        Directory.objects.using(alias)
        .filter(pk=directory_id)
        .order_by()
        .annotate(taken=Exists(same_name), journaled=Exists(intents), mode=Subquery(modes[:1]))
        .values_list("taken", "journaled", "mode")
    )
    sql, params = query.query.sql_with_params()
    names = {value: name for name, value in _SENTINELS.items()}
    slots = tuple(
        _Slot(names[param]) if isinstance(param, int | str) and param in names else param
        for param in params
    )
    return sql, slots


@dataclass(frozen=True)
class _Slot:
    """A parameter of the compiled query that takes one of the call's values."""

    name: str


def _before_create(
    directory: Directory, configuration: ScimConfiguration | None, user_name: str
) -> _BeforeCreate:
    """One statement for the three things a create reads first (one round trip, not three)."""
    sql, slots = _before_create_sql(DEFAULT_DB_ALIAS)
    values = {
        "directory": directory.pk,
        "configuration": configuration.pk if configuration is not None else 0,
        "user_name": user_name,
    }
    params = [values[slot.name] if isinstance(slot, _Slot) else slot for slot in slots]
    # Prepared on PostgreSQL: the same text for every create, each part answered by a
    # unique index whatever the values.
    with prepared_cursor(connections[DEFAULT_DB_ALIAS]) as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:  # the directory is being deleted: let the INSERT decide, assume the worst
        return _BeforeCreate(taken=True, mode=None, journaled=True)
    taken, journaled, mode = row
    return _BeforeCreate(taken=bool(taken), mode=mode, journaled=bool(journaled))


@scim_write
def user_create(
    *,
    directory: Directory,
    resource: UserResource,
    configuration: ScimConfiguration | None = None,
) -> ScimUser:
    """Create a user; a user hidden by an earlier DELETE with this userName is relinked."""
    fields = _fields(resource)
    before = _before_create(directory, configuration, fields.user_name)
    # The stored mode, read in this transaction: what `ChangeSet.shadow` would read again.
    change_set = ChangeSet(directory=directory, configuration=configuration, mode=before.mode)
    existing = None
    if before.taken:  # rare: a conflict, or a relink; lock the row as it is now
        existing = _same_user_name(directory, fields.user_name).select_for_update().first()
    if existing is not None and not existing.is_hidden:
        raise _conflict(fields.user_name, hidden=False)
    if existing is not None:
        user = existing
        _assign(user, fields)
        user.bump(confirmed=False)
        user.hidden_at = None
        user.save()
        _write_values(user, fields.values, replace=True)
        restored = True
    else:
        user = ScimUser(directory=directory)
        _assign(user, fields)
        try:
            # No savepoint around it (two round trips): a failed INSERT ends this write,
            # whose transaction the 409 rolls back whole; nothing queries in between.
            user.save(force_insert=True)
        except IntegrityError:
            # A concurrent create of the same userName won the race.
            raise _conflict(fields.user_name, hidden=False) from None
        _write_values(user, fields.values, replace=False)
        restored = False
    change_set.add(
        UserCreated(
            user, _state(user), fields.password, restored=restored, journaled=before.journaled
        )
    )
    apply_changes(change_set)
    return user


def _store(
    user: ScimUser,
    fields: mapping.UserFields,
    *,
    configuration: ScimConfiguration | None,
) -> ScimUser:
    """Write new fields over a locked user, then apply what changed."""
    change_set = ChangeSet(directory=user.directory, configuration=configuration)
    if fields.user_name.lower() != user.user_name.lower():
        clash = _same_user_name(user.directory, fields.user_name).exclude(pk=user.pk).first()
        if clash is not None:
            raise _conflict(fields.user_name, hidden=clash.is_hidden)
    before = _state(user)
    changed = _assign(user, fields)
    if changed or fields.password is not None:
        user.bump(confirmed=False)
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError:
            raise _conflict(fields.user_name, hidden=False) from None
    _write_values(user, fields.values, replace=True)
    user_state_changes(change_set, user, before, _state(user))
    if fields.password is not None:
        change_set.add(UserPasswordSet(user, fields.password))
    apply_changes(change_set)
    return user


def _computed_then_locked(
    user: ScimUser,
    preconditions: Preconditions | None,
    compute: Callable[[ScimUser], mapping.UserFields],
) -> tuple[ScimUser, mapping.UserFields]:
    """Run the CPU work on the row as read, lock it, and redo the work only if it changed.

    A large PATCH or PUT must not hold the user's row lock (a concurrent deactivation waits
    on it) while it validates and applies thousands of values.
    """
    fields = compute(user)
    check_budget()
    locked = _locked(user, preconditions)
    check_budget()
    if locked.version != user.version:
        # Written meanwhile: the result must be computed from the row as locked.
        fields = compute(locked)
    return locked, fields


@scim_write
def user_replace(
    *,
    user: ScimUser,
    resource: UserResource,
    configuration: ScimConfiguration | None = None,
    preconditions: Preconditions | None = None,
) -> ScimUser:
    """Replace a user's attributes (PUT): read-only ones are kept, immutable ones checked."""

    def compute(row: ScimUser) -> mapping.UserFields:
        replacement = resource.model_copy(deep=True)
        try:
            replacement.replace(mapping.user_resource(row, locator=_INTERNAL))
        except SCIMException as exc:
            raise from_scim2(exc) from exc
        return _fields(replacement)

    locked, fields = _computed_then_locked(user, preconditions, compute)
    return _store(locked, fields, configuration=configuration)


@scim_write
def user_patch(
    *,
    user: ScimUser,
    patch: PatchOp | None,
    configuration: ScimConfiguration | None = None,
    preconditions: Preconditions | None = None,
) -> ScimUser:
    """Apply a PATCH (all operations or none); None is a PATCH with nothing to do."""
    if patch is None:
        return _locked(user, preconditions)

    def compute(row: ScimUser) -> mapping.UserFields:
        resource = mapping.user_resource(row, locator=_INTERNAL)
        apply_patch(resource, patch, checkpoint=check_budget)
        return _fields(resource)

    locked, fields = _computed_then_locked(user, preconditions, compute)
    return _store(locked, fields, configuration=configuration)


@scim_write
def user_delete(
    *,
    user: ScimUser,
    hard: bool,
    configuration: ScimConfiguration | None = None,
    preconditions: Preconditions | None = None,
) -> None:
    """DELETE: remove the row (`hard`), or disable and hide it so a re-create relinks it."""
    locked = _locked(user, preconditions)
    memberships = ScimMembership.objects.filter(user=locked)
    removed_from = tuple(memberships.values_list("group_id", flat=True))
    change = UserDeleted(
        user_id=locked.pk,
        user_name=locked.jira_name,
        jira_user_key=locked.jira_user_key,
        hard=hard,
        removed_from=removed_from,
        origin=locked.origin,
    )
    if removed_from:
        _touch_groups(removed_from)
    if hard:
        locked.delete()
    else:
        memberships.delete()
        locked.hidden_at = timezone.now()
        locked.active = False
        locked.bump(confirmed=False)
        locked.save()
    change_set = ChangeSet(directory=locked.directory, configuration=configuration)
    change_set.add(change)
    apply_changes(change_set)


def _touch_groups(group_ids: tuple[object, ...]) -> None:
    """Groups whose members changed get a new version."""
    ScimGroup.objects.filter(pk__in=group_ids).bump(confirmed=False)
