"""Write services for SCIM groups and their memberships."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet, Value
from django.db.models.functions import Coalesce, Lower
from django.db.models.lookups import Exact
from scim2_models import PatchOp

from configurations.models import Directory, ScimConfiguration
from provisioning.models import ScimGroup, ScimMembership, ScimUser
from provisioning.scim import mapping
from provisioning.scim.errors import ScimError, ScimType
from provisioning.scim.etag import Preconditions
from provisioning.scim.mapping import MemberRef
from provisioning.scim.patch import MemberAction, apply_patch, split_group_patch
from provisioning.scim.schema import GroupResource, Locator
from provisioning.storage.filter import members_q

from .apply import apply_changes, check_budget, scim_write
from .changes import (
    ChangeSet,
    GroupCreated,
    GroupDeleted,
    GroupRenamed,
    MemberAdded,
    MemberRemoved,
)

_INTERNAL = Locator("http://scimbridge.invalid/scim/v2")
# Ids per IN (...) query: far below SQLite's bound-parameter limit, large enough to be cheap.
_CHUNK = 1000

# The name Jira knows a member by (differs from userName after a "keep" rename).
JIRA_NAME = Coalesce("jira_user_name", "user_name")


def _chunks(items: Sequence[uuid.UUID]) -> list[list[uuid.UUID]]:
    return [list(items[start : start + _CHUNK]) for start in range(0, len(items), _CHUNK)]


def _conflict(display_name: str) -> ScimError:
    return ScimError(
        409,
        f"A group with displayName {display_name!r} already exists in this directory.",
        ScimType.UNIQUENESS,
    )


def _same_name(directory: Directory, display_name: str) -> QuerySet[ScimGroup]:
    return ScimGroup.objects.filter(
        Exact(Lower("display_name"), Lower(Value(display_name))), directory=directory
    )


def _locked(group: ScimGroup, preconditions: Preconditions | None = None) -> ScimGroup:
    """The row, locked for this transaction; 404 when gone, 412 when If-Match fails."""
    locked = (
        ScimGroup.objects.select_for_update(of=("self",))
        .select_related("directory")
        .filter(pk=group.pk)
        .first()
    )
    if locked is None:
        raise ScimError(404, f"Group {group.pk} not found.")
    if preconditions:
        preconditions.check(locked.etag)
    return locked


class _Members:
    """Membership changes of one group within one write, recorded into its change set."""

    def __init__(self, group: ScimGroup, change_set: ChangeSet) -> None:
        self.group = group
        self.change_set = change_set
        self.changed = False

    def _users(self, refs: Sequence[MemberRef]) -> dict[uuid.UUID, tuple[str, str | None]]:
        """The visible users of the group's directory among refs, locked; 400 naming any other.

        The lock (FOR NO KEY UPDATE, in id order so that two writes cannot deadlock) makes
        a concurrent DELETE of a user wait for this write, or this write wait for the DELETE
        and then find the user hidden: a deleted user never lands in a group.
        """
        ids = sorted(ref.value for ref in refs)
        users = {
            pk: (user_name, key)
            for chunk in _chunks(ids)
            for pk, user_name, key in ScimUser.objects.filter(
                directory_id=self.group.directory_id, pk__in=chunk, hidden_at__isnull=True
            )
            .select_for_update(of=("self",), no_key=True)
            .order_by("pk")
            .values_list("pk", JIRA_NAME, "jira_user_key")
        }
        missing = [str(pk) for pk in ids if pk not in users]
        if missing:
            raise ScimError(
                400,
                f"No user with id {', '.join(missing[:5])} in this directory: members must be "
                "users created through this SCIM API.",
                ScimType.INVALID_VALUE,
            )
        return users

    def add(self, refs: Sequence[MemberRef]) -> None:
        """Add members; adding a current member changes nothing (RFC 7644 3.5.2.1)."""
        if not refs:
            return
        users = self._users(refs)
        present = {
            user_id
            for chunk in _chunks([ref.value for ref in refs])
            for user_id in ScimMembership.objects.filter(
                group=self.group, user_id__in=chunk
            ).values_list("user_id", flat=True)
        }
        new = [ref for ref in refs if ref.value not in present]
        ScimMembership.objects.bulk_create(
            ScimMembership(group=self.group, user_id=ref.value, display=ref.display) for ref in new
        )
        for ref in new:
            user_name, key = users[ref.value]
            self.change_set.add(MemberAdded(self.group, ref.value, user_name, key))
        self.changed |= bool(new)

    def remove_ids(self, user_ids: Sequence[uuid.UUID]) -> int:
        """Remove these users from the group (non-members are ignored)."""
        return sum(self.remove_where(Q(user_id__in=chunk)) for chunk in _chunks(user_ids))

    def remove_where(self, condition: Q) -> int:
        """Remove the members matching a condition on membership rows."""
        rows = ScimMembership.objects.filter(condition, group=self.group)
        removed = list(
            rows.values_list(
                "pk",
                "user_id",
                Coalesce("user__jira_user_name", "user__user_name"),
                "user__jira_user_key",
            )
        )
        if not removed:
            return 0
        for chunk in _chunks([pk for pk, *_ in removed]):
            ScimMembership.objects.filter(pk__in=chunk).delete()
        for _, user_id, user_name, key in removed:
            self.change_set.add(MemberRemoved(self.group, user_id, user_name, key))
        self.changed = True
        return len(removed)

    def replace(self, refs: Sequence[MemberRef]) -> None:
        """Make the members exactly refs."""
        wanted = {ref.value: ref for ref in refs}
        if wanted:
            self._users(refs)
        current = dict(
            ScimMembership.objects.filter(group=self.group).values_list("user_id", "display")
        )
        self.remove_ids([user_id for user_id in current if user_id not in wanted])
        current = {user_id: display for user_id, display in current.items() if user_id in wanted}
        self.add([ref for ref in refs if ref.value not in current])
        for ref in refs:
            if ref.value in current and current[ref.value] != ref.display:
                self.set_display(Q(user_id=ref.value), ref.display)

    def set_display(
        self, condition: Q | None, display: str | None, *, required: bool = False
    ) -> None:
        """Set `display` of the members matching condition (all when None)."""
        rows = ScimMembership.objects.filter(group=self.group)
        if condition is not None:
            rows = rows.filter(condition)
        if required and not rows.exists():
            raise ScimError(400, "No member matches the PATCH path filter.", ScimType.NO_TARGET)
        unchanged = Q(display__isnull=True) if display is None else Q(display=display)
        self.changed |= rows.exclude(unchanged).update(display=display) > 0

    def run(self, action: MemberAction, where: Q | None = None) -> None:
        """Apply one PATCH membership action; `where` is its path filter as SQL."""
        if action.kind == "add":
            self.add(action.refs)
        elif action.kind == "remove":
            self.remove_ids([ref.value for ref in action.refs])
        elif action.kind == "remove_all":
            self.remove_where(Q())
        elif action.kind == "remove_where":
            self.remove_where(where or Q())
        elif action.kind == "replace":
            self.replace(action.refs)
        elif action.kind == "set_display":
            self.set_display(where, action.display, required=action.require_match)
        else:  # pragma: no cover - MemberAction kinds are closed
            raise ValueError(action.kind)


def _save_attributes(group: ScimGroup, fields: mapping.GroupFields, change_set: ChangeSet) -> bool:
    """Copy displayName and externalId onto a locked group; True when one changed."""
    old_name = group.display_name
    if (
        fields.display_name.lower() != old_name.lower()
        and _same_name(group.directory, fields.display_name).exclude(pk=group.pk).exists()
    ):
        raise _conflict(fields.display_name)
    changed = old_name != fields.display_name or group.external_id != fields.external_id
    group.display_name = fields.display_name
    group.external_id = fields.external_id
    if old_name != fields.display_name:
        # Okta resends the unchanged name with every membership change: no rename then.
        change_set.add(GroupRenamed(group, old_name, fields.display_name))
    return changed


def _finish(group: ScimGroup, changed: bool, change_set: ChangeSet) -> ScimGroup:
    if changed and change_set.of_type(GroupRenamed):
        group.bump(confirmed=False)
        try:
            # A savepoint only when a concurrent write could have taken the new name.
            with transaction.atomic():
                group.save()
        except IntegrityError:
            raise _conflict(group.display_name) from None
    elif changed:
        group.bump(confirmed=False)
        group.save()
    apply_changes(change_set)
    return group


@scim_write
def group_create(
    *,
    directory: Directory,
    resource: GroupResource,
    configuration: ScimConfiguration | None = None,
) -> ScimGroup:
    """Create a group (and its initial members)."""
    fields = mapping.group_fields(resource)
    if _same_name(directory, fields.display_name).exists():
        raise _conflict(fields.display_name)
    group = ScimGroup(
        directory=directory, display_name=fields.display_name, external_id=fields.external_id
    )
    try:
        with transaction.atomic():
            group.save(force_insert=True)
    except IntegrityError:
        raise _conflict(fields.display_name) from None
    change_set = ChangeSet(directory=directory, configuration=configuration)
    change_set.add(GroupCreated(group))
    _Members(group, change_set).add(fields.members or [])
    apply_changes(change_set)
    return group


@scim_write
def group_replace(
    *,
    group: ScimGroup,
    resource: GroupResource,
    configuration: ScimConfiguration | None = None,
    preconditions: Preconditions | None = None,
) -> ScimGroup:
    """Replace a group (PUT): displayName, externalId and the whole member list."""
    locked = _locked(group, preconditions)
    fields = mapping.group_fields(resource)
    change_set = ChangeSet(directory=locked.directory, configuration=configuration)
    changed = _save_attributes(locked, fields, change_set)
    members = _Members(locked, change_set)
    members.replace(fields.members or [])
    return _finish(locked, changed or members.changed, change_set)


@scim_write
def group_patch(
    *,
    group: ScimGroup,
    patch: PatchOp | None,
    configuration: ScimConfiguration | None = None,
    preconditions: Preconditions | None = None,
) -> ScimGroup:
    """Apply a PATCH atomically: attributes through scim2-models, members as row changes."""
    locked = _locked(group, preconditions)
    change_set = ChangeSet(directory=locked.directory, configuration=configuration)
    if patch is None:
        return locked
    split = split_group_patch(patch)
    # Path filters become SQL before any change: a bad one is refused whatever the PATCH holds.
    conditions = [members_q(action.where) for action in split.members]
    changed = False
    if split.attributes is not None:
        # The group without its members: a membership change never loads the member list.
        resource = mapping.group_resource(locked, locator=_INTERNAL)
        apply_patch(resource, split.attributes, checkpoint=check_budget)
        changed = _save_attributes(locked, mapping.group_fields(resource), change_set)
    members = _Members(locked, change_set)
    for action, where in zip(split.members, conditions, strict=True):
        members.run(action, where)
    return _finish(locked, changed or members.changed, change_set)


@scim_write
def group_delete(
    *,
    group: ScimGroup,
    configuration: ScimConfiguration | None = None,
    preconditions: Preconditions | None = None,
) -> None:
    """Delete a group and its membership rows."""
    locked = _locked(group, preconditions)
    change_set = ChangeSet(directory=locked.directory, configuration=configuration)
    change_set.add(
        GroupDeleted(locked.pk, locked.display_name, locked.jira_group_name, locked.origin)
    )
    locked.delete()
    apply_changes(change_set)


def _members_write(
    group: ScimGroup, configuration: ScimConfiguration | None, write: str, *args: object
) -> ScimGroup:
    locked = _locked(group)
    change_set = ChangeSet(directory=locked.directory, configuration=configuration)
    members = _Members(locked, change_set)
    getattr(members, write)(*args)
    return _finish(locked, members.changed, change_set)


@scim_write
def group_members_add(
    *,
    group: ScimGroup,
    members: Sequence[MemberRef],
    configuration: ScimConfiguration | None = None,
) -> ScimGroup:
    """Add members to a group (current members are left alone)."""
    return _members_write(group, configuration, "add", members)


@scim_write
def group_members_remove(
    *,
    group: ScimGroup,
    user_ids: Sequence[uuid.UUID],
    configuration: ScimConfiguration | None = None,
) -> ScimGroup:
    """Remove members from a group (non-members are ignored)."""
    return _members_write(group, configuration, "remove_ids", list(user_ids))


@scim_write
def group_members_replace(
    *,
    group: ScimGroup,
    members: Sequence[MemberRef],
    configuration: ScimConfiguration | None = None,
) -> ScimGroup:
    """Make a group's members exactly these users."""
    return _members_write(group, configuration, "replace", members)
