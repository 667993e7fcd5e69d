"""JSON shapes ("beans") the fake Jira answers with: users, groups, application roles."""

from __future__ import annotations

from datetime import UTC
from typing import Any
from urllib.parse import quote, urlencode

from .models import FakeGroup, FakeRole, FakeUser
from .state import JiraState

API = "/rest/api/2"
AVATAR_SIZES = ("16x16", "24x24", "32x32", "48x48")


def user_self(base_url: str, user: FakeUser) -> str:
    """The ``self`` link of a user bean."""
    return f"{base_url}{API}/user?{urlencode({'username': user.name})}"


def jira_time(user: FakeUser) -> str | None:
    """Jira's timestamp format (``2024-05-01T10:00:00.000+0000``) for the last login."""
    moment = user.last_login
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000%z")


def user_bean(
    state: JiraState,
    user: FakeUser,
    base_url: str,
    expand: set[str] | frozenset[str] = frozenset(),
    *,
    short: bool = False,
) -> dict[str, Any]:
    """A user as Jira renders it; ``short`` is the list form used by search and group/member."""
    avatar = f"{base_url}/secure/useravatar?ownerId={quote(user.key)}&avatarId=10122"
    bean: dict[str, Any] = {
        "self": user_self(base_url, user),
        "key": user.key,
        "name": user.name,
        "emailAddress": user.email,
        "avatarUrls": {size: f"{avatar}&size={size}" for size in AVATAR_SIZES},
        "displayName": user.display_name,
        "active": user.active,
        "timeZone": user.time_zone,
    }
    if not short:
        bean["deleted"] = False
        bean["locale"] = user.locale
        groups = state.effective_groups(user)
        roles = state.roles_of(user)
        bean["groups"] = {
            "size": len(groups),
            "items": [group_ref(base_url, g) for g in groups] if "groups" in expand else [],
        }
        bean["applicationRoles"] = {
            "size": len(roles),
            "items": [{"key": r.key, "name": r.name} for r in roles]
            if "applicationRoles" in expand
            else [],
        }
        bean["expand"] = "groups,applicationRoles"
    if state.features.last_login_time:
        bean["lastLoginTime"] = jira_time(user)
    return bean


def group_ref(base_url: str, group: FakeGroup) -> dict[str, str]:
    """The ``{"name", "self"}`` reference to a group inside other beans."""
    return {"name": group.name, "self": group_self(base_url, group)}


def group_self(base_url: str, group: FakeGroup) -> str:
    """The ``self`` link of a group bean."""
    return f"{base_url}{API}/group?{urlencode({'groupname': group.name})}"


def group_bean(state: JiraState, group: FakeGroup, base_url: str) -> dict[str, Any]:
    """A group as answered by create group and add member (members are not expanded)."""
    size = len(state.effective_members(group))
    return {
        "name": group.name,
        "self": group_self(base_url, group),
        "users": {"size": size, "items": [], "max-results": 50, "start-index": 0, "end-index": 0},
        "expand": "users",
    }


def role_bean(state: JiraState, role: FakeRole) -> dict[str, Any]:
    """An application role as ``GET /applicationrole`` lists it."""
    members: set[str] = set()
    for name in role.groups:
        group = state.find_group(name)
        if group is not None:
            members |= {u.key for u in state.effective_members(group) if u.active}
    return {
        "key": role.key,
        "name": role.name,
        "groups": list(role.groups),
        "defaultGroups": list(role.default_groups),
        "selectedByDefault": role.selected_by_default,
        "defined": True,
        "numberOfSeats": -1,
        "remainingSeats": -1,
        "userCount": len(members),
        "userCountDescription": f"{len(members)} users",
        "hasUnlimitedSeats": True,
        "platform": False,
    }
