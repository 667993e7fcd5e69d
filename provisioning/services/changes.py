"""Change sets: what a SCIM write changed, in the terms the Jira step acts on.

Every write service computes a `ChangeSet` and hands it to `apply.apply_changes` inside
its transaction; the Jira step reads these changes, never SCIM payloads.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

if TYPE_CHECKING:
    from configurations.models import Directory, ScimConfiguration
    from provisioning.models import ScimGroup, ScimUser


@dataclass(frozen=True)
class JiraUserState:
    """What Jira holds of a user, derived from its SCIM attributes."""

    user_name: str
    display_name: str
    email: str | None
    active: bool


def jira_user_state(
    *, user_name: str, display_name: str | None, active: bool | None, resource: dict[str, Any]
) -> JiraUserState:
    """Jira's view of a SCIM user: full name and email picked as IdPs expect.

    The full name is `displayName`, else `name.formatted`, else given and family names,
    else the userName; the email is the primary one, else the first; no `active` means
    active.
    """
    name = resource.get("name") if isinstance(resource.get("name"), dict) else {}
    parts = [name.get("givenName"), name.get("familyName")]
    full_name = (
        display_name
        or name.get("formatted")
        or " ".join(part for part in parts if isinstance(part, str) and part)
        or user_name
    )
    emails = [e for e in resource.get("emails") or [] if isinstance(e, dict) and e.get("value")]
    primary = next((e for e in emails if e.get("primary") is True), emails[0] if emails else None)
    return JiraUserState(
        user_name=user_name,
        display_name=full_name,
        email=primary["value"] if primary else None,
        active=active is not False,
    )


@dataclass(frozen=True)
class Change:
    """Base of every change; `kind` names it in logs and in the audit trail."""

    kind: ClassVar[str] = "change"


@dataclass(frozen=True)
class UserCreated(Change):
    """A user was created. `restored`: it re-creates a user a DELETE had disabled and
    hidden (`user.jira_user_key` still links the Jira user to reactivate and update)."""

    kind: ClassVar[str] = "user_created"
    user: ScimUser
    state: JiraUserState
    password: str | None = field(default=None, repr=False)
    restored: bool = False
    # False: the intent journal held no create of this name when the write began, so a
    # create Jira simply accepts has no journaled intent to spend (no DELETE is sent).
    journaled: bool = True


@dataclass(frozen=True)
class UserRenamed(Change):
    """The userName changed (Jira renames the user; its key does not change)."""

    kind: ClassVar[str] = "user_renamed"
    user: ScimUser
    old_user_name: str
    new_user_name: str
    # The username Jira held before (differs from old_user_name after a "keep" rename).
    old_jira_name: str = ""


@dataclass(frozen=True)
class UserEmailChanged(Change):
    """The email Jira holds (primary, else first) changed."""

    kind: ClassVar[str] = "user_email_changed"
    user: ScimUser
    old_email: str | None
    new_email: str | None


@dataclass(frozen=True)
class UserDisplayNameChanged(Change):
    """The full name Jira holds changed."""

    kind: ClassVar[str] = "user_display_name_changed"
    user: ScimUser
    old_display_name: str
    new_display_name: str


@dataclass(frozen=True)
class UserActivated(Change):
    """`active` became true."""

    kind: ClassVar[str] = "user_activated"
    user: ScimUser


@dataclass(frozen=True)
class UserDeactivated(Change):
    """`active` became false."""

    kind: ClassVar[str] = "user_deactivated"
    user: ScimUser


@dataclass(frozen=True)
class UserPasswordSet(Change):
    """A password was written (PUT or PATCH); it is never stored."""

    kind: ClassVar[str] = "user_password_set"
    user: ScimUser
    password: str = field(repr=False)


@dataclass(frozen=True)
class UserDeleted(Change):
    """SCIM DELETE. `hard`: the row is gone (delete the Jira user); otherwise the user was
    disabled and hidden (deactivate the Jira user). `removed_from`: the groups whose
    membership rows went with it."""

    kind: ClassVar[str] = "user_deleted"
    user_id: uuid.UUID
    user_name: str
    jira_user_key: str | None
    hard: bool
    removed_from: tuple[uuid.UUID, ...] = ()
    # How the row came to exist (`Origin`): a user SCIM did not create is re-checked.
    origin: str = "scim"


@dataclass(frozen=True)
class GroupCreated(Change):
    """A group was created."""

    kind: ClassVar[str] = "group_created"
    group: ScimGroup


@dataclass(frozen=True)
class GroupRenamed(Change):
    """The displayName changed (Jira cannot rename groups; see DESIGN.md)."""

    kind: ClassVar[str] = "group_renamed"
    group: ScimGroup
    old_display_name: str
    new_display_name: str


@dataclass(frozen=True)
class GroupDeleted(Change):
    """The group and its membership rows were deleted."""

    kind: ClassVar[str] = "group_deleted"
    group_id: uuid.UUID
    display_name: str
    jira_group_name: str | None
    # How the row came to exist (`Origin`): only a group SCIM created is deleted in Jira.
    origin: str = "scim"


@dataclass(frozen=True)
class MemberAdded(Change):
    """A user joined a group."""

    kind: ClassVar[str] = "member_added"
    group: ScimGroup
    user_id: uuid.UUID
    user_name: str
    jira_user_key: str | None


@dataclass(frozen=True)
class MemberRemoved(Change):
    """A user left a group."""

    kind: ClassVar[str] = "member_removed"
    group: ScimGroup
    user_id: uuid.UUID
    user_name: str
    jira_user_key: str | None


ChangeT = TypeVar("ChangeT", bound=Change)


@dataclass
class ChangeSet:
    """The changes of one write, in the order they happened, for one directory."""

    directory: Directory
    configuration: ScimConfiguration | None = None
    changes: list[Change] = field(default_factory=list)
    # "live" or "shadow" forces the mode (reconcile applies live); None: the configuration's.
    mode: str | None = None

    @property
    def shadow(self) -> bool:
        """Whether the applier records these changes instead of writing them (shadow mode).

        Without a forced mode, the configuration's stored mode, read once per change set
        (never a cached copy's: a switch to shadow must stop the very next write).
        """
        if self.mode is None:
            if self.configuration is None:
                return False
            self.mode = self.configuration.stored_mode()
        return self.mode == "shadow"

    def add(self, change: Change) -> None:
        """Record a change."""
        self.changes.append(change)

    def __bool__(self) -> bool:
        return bool(self.changes)

    def __iter__(self) -> Iterator[Change]:
        return iter(self.changes)

    def __len__(self) -> int:
        return len(self.changes)

    def of_type(self, change_type: type[ChangeT]) -> list[ChangeT]:
        """The changes of one type."""
        return [change for change in self.changes if isinstance(change, change_type)]

    @property
    def kinds(self) -> list[str]:
        """The kinds of the changes, in order (for logs and tests)."""
        return [change.kind for change in self.changes]


def user_state_changes(
    change_set: ChangeSet, user: ScimUser, before: JiraUserState, after: JiraUserState
) -> None:
    """Record how Jira's view of a user changed."""
    if before.user_name != after.user_name:
        change_set.add(
            UserRenamed(
                user,
                before.user_name,
                after.user_name,
                old_jira_name=user.jira_user_name or before.user_name,
            )
        )
    if before.email != after.email:
        change_set.add(UserEmailChanged(user, before.email, after.email))
    if before.display_name != after.display_name:
        change_set.add(UserDisplayNameChanged(user, before.display_name, after.display_name))
    if before.active != after.active:
        change_set.add(UserActivated(user) if after.active else UserDeactivated(user))
