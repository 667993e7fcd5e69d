"""In-memory state of the fake Jira: users, groups, memberships, roles and credentials."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from datetime import datetime

from .errors import bad_request, not_found
from .features import Features
from .models import INTERNAL_DIRECTORY, FakeGroup, FakeRole, FakeUser

ADMIN_GROUPS = ("jira-administrators", "jira-system-administrators")
FIRST_USER_ID = 10100

DEFAULT_ROLES = (
    ("jira-software", "Jira Software", "jira-software-users", True),
    ("jira-servicedesk", "Jira Service Management", "jira-servicedesk-users", False),
    ("jira-core", "Jira Work Management", "jira-core-users", False),
)


class JiraState:
    """Everything the fake Jira remembers; callers hold ``lock`` while they read or change it."""

    def __init__(self, features: Features) -> None:
        """Start empty (no users, no groups, the three default application roles)."""
        self.features = features
        self.lock = threading.RLock()
        self.users: dict[str, FakeUser] = {}  # key -> user
        self._key_by_name: dict[str, str] = {}  # lower-cased name -> key
        self.groups: dict[str, FakeGroup] = {}  # lower-cased name -> group
        self._user_groups: dict[str, set[str]] = {}  # key -> lower-cased direct groups
        self.roles: dict[str, FakeRole] = {}
        self.tokens: dict[str, str] = {}  # personal access token -> user key
        self.sessions: dict[str, str] = {}  # JSESSIONID -> user key
        self.failed_logins: dict[str, int] = {}  # lower-cased name -> consecutive failures
        self.basic_auth_enabled = True
        # Jira writes new users to the first writable directory; False models "all read-only".
        self.writable_directory = True
        self.min_password_length = 0
        self.next_id = FIRST_USER_ID
        self._sorted_cache: list[FakeUser] | None = None
        for key, name, group, default in DEFAULT_ROLES:
            self.add_group(group)
            self.roles[key] = FakeRole(key, name, [group], [group], default)

    # -- users -----------------------------------------------------------------------

    def add_user(
        self,
        name: str,
        *,
        email: str | None = None,
        display_name: str | None = None,
        password: str | None = None,
        active: bool = True,
        key: str | None = None,
        read_only: bool = False,
        directory: str | None = None,
        last_login: datetime | None = None,
    ) -> FakeUser:
        """Insert a user without any validation beyond uniqueness (seeding and REST create)."""
        if name.lower() in self._key_by_name:
            raise ValueError(f"user {name!r} already exists")
        user_id = self.next_id
        self.next_id += 1
        if key is None:
            key = f"JIRAUSER{user_id}" if self.features.jirauser_keys else name.lower()
        if key in self.users:
            raise ValueError(f"user key {key!r} already exists")
        user = FakeUser(
            id=user_id,
            key=key,
            name=name,
            email=email if email is not None else f"{name.lower()}@example.com",
            display_name=display_name if display_name is not None else name,
            active=active,
            password=password,
            directory=directory or ("LDAP" if read_only else INTERNAL_DIRECTORY),
            read_only=read_only,
            last_login=last_login,
        )
        self.users[key] = user
        self._key_by_name[name.lower()] = key
        self._user_groups[key] = set()
        self._sorted_cache = None
        return user

    def find_user(self, *, username: str | None = None, key: str | None = None) -> FakeUser | None:
        """The user with this key (preferred) or case-insensitive name, or None."""
        if key is not None:
            return self.users.get(key)
        if username is not None:
            found = self._key_by_name.get(username.lower())
            return self.users.get(found) if found else None
        return None

    def require_user(self, *, username: str | None = None, key: str | None = None) -> FakeUser:
        """Like ``find_user`` but answers 404 the way Jira words it."""
        user = self.find_user(username=username, key=key)
        if user is None:
            if key is not None:
                raise not_found(f"The user with the key '{key}' does not exist")
            raise not_found(f"The user named '{username}' does not exist")
        return user

    def rename_user(self, user: FakeUser, new_name: str) -> None:
        """Change the username; the key stays (400 when the new name is taken by someone else)."""
        owner = self._key_by_name.get(new_name.lower())
        if owner is not None and owner != user.key:
            raise bad_request(username="A user with that username already exists.")
        del self._key_by_name[user.name.lower()]
        self._key_by_name[new_name.lower()] = user.key
        user.name = new_name
        self._sorted_cache = None

    def remove_user(self, user: FakeUser) -> None:
        """Delete the user with its memberships and tokens."""
        for group_name in self._user_groups.pop(user.key, set()):
            self.groups[group_name].members.discard(user.key)
        del self.users[user.key]
        del self._key_by_name[user.name.lower()]
        for secret in [t for t, k in self.tokens.items() if k == user.key]:
            del self.tokens[secret]
        for sid in [s for s, k in self.sessions.items() if k == user.key]:
            del self.sessions[sid]
        self._sorted_cache = None

    def sorted_users(self) -> list[FakeUser]:
        """Every user ordered by lower-cased name (cached; seeding thousands stays cheap)."""
        if self._sorted_cache is None:
            self._sorted_cache = sorted(self.users.values(), key=lambda u: u.name.lower())
        return self._sorted_cache

    def check_password(self, password: str | None) -> None:
        """Apply the password policy (a minimum length) as a 400 on ``errors.password``."""
        if password is not None and len(password) < self.min_password_length:
            raise bad_request(
                password=f"The password must have at least {self.min_password_length} characters."
            )

    # -- groups ----------------------------------------------------------------------

    def add_group(self, name: str) -> FakeGroup:
        """Insert a group (ValueError when it exists)."""
        if name.lower() in self.groups:
            raise ValueError(f"group {name!r} already exists")
        group = FakeGroup(name)
        self.groups[name.lower()] = group
        return group

    def find_group(self, name: str | None) -> FakeGroup | None:
        """The group with this case-insensitive name, or None."""
        return self.groups.get(name.lower()) if name is not None else None

    def require_group(self, name: str | None) -> FakeGroup:
        """Like ``find_group`` but answers 404."""
        group = self.find_group(name)
        if group is None:
            raise not_found(f"The group '{name}' does not exist.")
        return group

    def remove_group(self, group: FakeGroup) -> None:
        """Delete the group, its memberships and nesting links."""
        lower = group.name.lower()
        for key in group.members:
            self._user_groups[key].discard(lower)
        for other in self.groups.values():
            other.children.discard(lower)
        for role in self.roles.values():
            role.groups = [g for g in role.groups if g.lower() != lower]
            role.default_groups = [g for g in role.default_groups if g.lower() != lower]
        del self.groups[lower]

    def add_member(self, group: FakeGroup, user: FakeUser) -> bool:
        """Make ``user`` a direct member; False when it already was."""
        if user.key in group.members:
            return False
        group.members.add(user.key)
        self._user_groups[user.key].add(group.name.lower())
        return True

    def remove_member(self, group: FakeGroup, user: FakeUser) -> bool:
        """Drop a direct membership; False when there was none."""
        if user.key not in group.members:
            return False
        group.members.discard(user.key)
        self._user_groups[user.key].discard(group.name.lower())
        return True

    def direct_groups(self, user: FakeUser) -> set[str]:
        """Lower-cased names of the groups ``user`` is a direct member of."""
        return set(self._user_groups.get(user.key, ()))

    def effective_groups(self, user: FakeUser) -> list[FakeGroup]:
        """Direct groups plus every group that nests one of them, sorted by name."""
        found = set(self._user_groups.get(user.key, ()))
        pending = list(found)
        while pending:
            child = pending.pop()
            for lower, group in self.groups.items():
                if child in group.children and lower not in found:
                    found.add(lower)
                    pending.append(lower)
        return sorted((self.groups[g] for g in found), key=lambda g: g.name.lower())

    def effective_members(self, group: FakeGroup) -> list[FakeUser]:
        """Members of the group and of its nested groups, each once, sorted by name."""
        keys: set[str] = set()
        seen: set[str] = set()
        pending = [group.name.lower()]
        while pending:
            lower = pending.pop()
            if lower in seen or lower not in self.groups:
                continue
            seen.add(lower)
            keys |= self.groups[lower].members
            pending.extend(self.groups[lower].children)
        return sorted((self.users[k] for k in keys), key=lambda u: u.name.lower())

    # -- roles and permissions -------------------------------------------------------

    def roles_of(self, user: FakeUser) -> list[FakeRole]:
        """Application roles the user has through any (nested) group."""
        names = {g.name.lower() for g in self.effective_groups(user)}
        return [r for r in self.roles.values() if any(g.lower() in names for g in r.groups)]

    def is_admin(self, user: FakeUser) -> bool:
        """Jira administrators are the (nested) members of the administrator groups."""
        return any(g.name.lower() in ADMIN_GROUPS for g in self.effective_groups(user))

    def require_role(self, key: str | None) -> FakeRole:
        """The application role with this key, or 400 as Jira answers for an unknown key."""
        role = self.roles.get(key or "")
        if role is None:
            raise bad_request(f"Application role with key '{key}' does not exist.")
        return role

    def grant(self, user: FakeUser, role: FakeRole) -> None:
        """Give access to an application: membership of its default groups."""
        for name in role.default_groups or role.groups[:1]:
            group = self.find_group(name) or self.add_group(name)
            self.add_member(group, user)

    def revoke(self, user: FakeUser, role: FakeRole) -> None:
        """Take away access: leave every group of the role."""
        for name in role.groups:
            group = self.find_group(name)
            if group is not None:
                self.remove_member(group, user)

    def default_roles(self) -> Iterable[FakeRole]:
        """Roles a new user gets when the create request names none."""
        return [r for r in self.roles.values() if r.selected_by_default]
