"""Records the fake Jira keeps: users, groups and application roles."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

INTERNAL_DIRECTORY = "Jira Internal Directory"


@dataclass
class FakeUser:
    """A Jira user; ``key`` never changes, ``name`` can (rename)."""

    id: int
    key: str
    name: str
    email: str
    display_name: str
    active: bool = True
    password: str | None = None
    directory: str = INTERNAL_DIRECTORY
    read_only: bool = False
    time_zone: str = "UTC"
    locale: str = "en_US"
    last_login: datetime | None = None
    # Project keys this user leads: Jira refuses to delete or deactivate a project lead.
    leads: list[str] = field(default_factory=list)


@dataclass
class FakeGroup:
    """A Jira group with its direct members (user keys) and nested groups (lower-cased names)."""

    name: str
    members: set[str] = field(default_factory=set)
    children: set[str] = field(default_factory=set)
    # Comment/worklog visibility restricted to this group: deleting it needs a swapGroup.
    visibility_in_use: bool = False


@dataclass
class FakeRole:
    """A Jira application role (``jira-software`` ...) and the groups that grant it."""

    key: str
    name: str
    groups: list[str]
    default_groups: list[str]
    selected_by_default: bool = False
