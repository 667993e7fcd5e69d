"""Group calls of the Jira client: create, delete, read, members, add/remove member, find."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from .base import API
from .errors import JiraConflict, JiraError, JiraNotFound, JiraRefused
from .users import UserCalls

GROUP = f"{API}/group"


@dataclass(frozen=True)
class GroupPick:
    """One ``groups/picker`` answer: the groups it shows and how many matched in all."""

    groups: list[dict[str, Any]]
    # None when Jira did not say; more than ``len(groups)`` when Jira capped the answer.
    total: int | None


class GroupCalls(UserCalls):
    """Calls on ``/rest/api/2/group*`` and ``/groups/picker``."""

    def create_group(self, name: str) -> dict[str, Any]:
        """``POST group``; never retried. ``JiraConflict`` when the name exists (any case)."""
        try:
            return self._http.json("POST", GROUP, json={"name": name}, retry=False)
        except JiraRefused as err:
            try:
                existing = self.find_group(name)
            except JiraError:
                existing = None  # could not check: the caller gets the original refusal
            if existing is not None:
                raise JiraConflict(
                    f"A Jira group named {name!r} already exists",
                    existing=existing,
                    status=err.status,
                    method=err.method,
                    path=err.path,
                    messages=err.messages,
                    field_errors=err.field_errors,
                ) from err
            raise

    def delete_group(self, name: str, swap_group: str | None = None) -> None:
        """``DELETE group``; ``swap_group`` takes over comment/worklog visibility only."""
        params = {"groupname": name}
        if swap_group is not None:
            params["swapGroup"] = swap_group
        self._http.request("DELETE", GROUP, params=params, gone_ok_on_retry=True)

    def get_group(self, name: str) -> dict[str, Any]:
        """``{"name", "total"}`` (total members, nested and inactive included); 404 if missing.

        Jira DC has no documented "read group" call; a one-member page of
        ``group/member`` proves existence and gives the size.
        """
        params = {"groupname": name, "includeInactiveUsers": "true", "maxResults": 1}
        body = self._http.json("GET", f"{GROUP}/member", params=params) or {}
        return {"name": name, "total": body.get("total")}

    def find_group(self, name: str) -> dict[str, Any] | None:
        """Like ``get_group`` but None when the group does not exist."""
        try:
            return self.get_group(name)
        except JiraNotFound:
            return None

    def iter_group_members(
        self, name: str, *, page_size: int = 50, include_inactive: bool = True
    ) -> Iterator[dict[str, Any]]:
        """Stream every member (nested groups included) page by page; 404 if missing."""
        return self._iter_members(name, page_size, include_inactive=include_inactive)

    def _is_member(self, group: str, username: str) -> bool | None:
        """Whether the user is in the group; None when the user does not exist."""
        user = self.find_user(username=username, expand=("groups",))
        if user is None:
            return None
        items = (user.get("groups") or {}).get("items") or []
        return group.lower() in {str(g.get("name", "")).lower() for g in items}

    def add_group_member(self, group: str, username: str) -> None:
        """``POST group/user``; "already a member" counts as success.

        Safe to retry: a repeat is answered 400 "already a member", which is success here.
        """
        try:
            self._http.request(
                "POST",
                f"{GROUP}/user",
                params={"groupname": group},
                json={"name": username},
                retry=True,
            )
        except JiraRefused:
            # The 400 text is localized (plain text on older Jiras): check, do not parse.
            if self._is_member(group, username):
                return
            raise

    def remove_group_member(self, group: str, username: str) -> None:
        """``DELETE group/user``; not a member (or no such user) is success, no group is 404."""
        try:
            self._http.request(
                "DELETE",
                f"{GROUP}/user",
                params={"groupname": group, "username": username},
                gone_ok_on_retry=True,
            )
        except (JiraRefused, JiraNotFound) as err:
            # Localized messages cannot tell "no group" from "not a member": look.
            if self.find_group(group) is None:
                if isinstance(err, JiraNotFound):
                    raise
                raise JiraNotFound(
                    f"The Jira group {group!r} does not exist",
                    status=404,
                    method=err.method,
                    path=err.path,
                ) from err
            if not self._is_member(group, username):
                return
            raise

    def find_groups(
        self, query: str, *, max_results: int = 50, exclude: Iterable[str] = ()
    ) -> list[dict[str, Any]]:
        """``groups/picker``: groups whose name contains ``query`` (``[{"name", ...}]``)."""
        return self.pick_groups(query, max_results=max_results, exclude=exclude).groups

    def pick_groups(
        self, query: str, *, max_results: int = 50, exclude: Iterable[str] = ()
    ) -> GroupPick:
        """``groups/picker`` with its ``total``: an empty query matches every group.

        The picker is Jira DC's only group listing and has no paging; ``total`` tells
        whether the answer holds every match.
        """
        params: dict[str, Any] = {"query": query, "maxResults": max_results}
        excluded = list(exclude)
        if excluded:
            params["exclude"] = excluded
        body = self._http.json("GET", f"{API}/groups/picker", params=params) or {}
        total = body.get("total")
        return GroupPick(
            groups=list(body.get("groups") or []),
            total=total if isinstance(total, int) and not isinstance(total, bool) else None,
        )
