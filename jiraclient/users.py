"""User calls of the Jira client: read, create, update, delete, password, list, applications."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from .base import API, JiraClientBase
from .errors import JiraConflict, JiraError, JiraNotFound, JiraRefused
from .paging import (
    iter_cursor_pages,
    iter_offset_arrays,
    iter_offset_pages,
    unique_by,
    user_listing_strategy,
)

USER = f"{API}/user"
# Jira's user/search never returns pages larger than this on 8.x/9.x.
SEARCH_PAGE_MAX = 1000


def _user_params(username: str | None, key: str | None) -> dict[str, str]:
    """``{"key": K}`` or ``{"username": U}``; exactly one must be given."""
    if key is not None and username is None:
        return {"key": key}
    if username is not None and key is None:
        return {"username": username}
    raise ValueError("Give exactly one of username or key")


def _flag(value: bool) -> str:
    return "true" if value else "false"


class UserCalls(JiraClientBase):
    """Calls on ``/rest/api/2/user*`` and ``/applicationrole``."""

    def get_user(
        self,
        *,
        username: str | None = None,
        key: str | None = None,
        expand: Iterable[str] = (),
    ) -> dict[str, Any]:
        """The user bean by username (case-insensitive) or key; ``JiraNotFound`` if missing.

        ``expand`` may name ``groups`` and ``applicationRoles``.
        """
        params = _user_params(username, key)
        expanded = ",".join(expand)
        if expanded:
            params["expand"] = expanded
        return self._http.json("GET", USER, params=params)

    def find_user(
        self,
        *,
        username: str | None = None,
        key: str | None = None,
        expand: Iterable[str] = (),
    ) -> dict[str, Any] | None:
        """Like ``get_user`` but None when the user does not exist."""
        try:
            return self.get_user(username=username, key=key, expand=expand)
        except JiraNotFound:
            return None

    def _conflict_check(
        self, err: JiraRefused, username: str, *, other_than_key: str | None = None
    ) -> None:
        """Raise ``JiraConflict`` when a 400 on ``username`` is because the name is taken.

        Jira's message is localized, so the name is looked up instead of parsed.
        """
        if "username" not in err.field_errors:
            return
        try:
            existing = self.find_user(username=username)
        except JiraError:
            return  # could not check: the caller gets the original refusal
        if existing is not None and existing.get("key") != other_than_key:
            raise JiraConflict(
                f"A Jira user named {username!r} already exists",
                existing=existing,
                status=err.status,
                method=err.method,
                path=err.path,
                messages=err.messages,
                field_errors=err.field_errors,
            ) from err

    def create_user(
        self,
        *,
        name: str,
        email: str,
        display_name: str,
        password: str | None = None,
        application_keys: Iterable[str] = (),
        notification: bool = False,
    ) -> dict[str, Any]:
        """``POST user``; never retried (re-read with ``find_user`` after a transient error).

        Without ``password`` Jira generates one. Empty ``application_keys`` leaves the
        field out, so Jira grants its default applications. Raises ``JiraConflict`` when
        the username is taken, ``JiraRefused`` for other field errors.
        """
        body: dict[str, Any] = {
            "name": name,
            "emailAddress": email,
            "displayName": display_name,
            "notification": _flag(notification),  # a string field in Jira's bean
        }
        if password is not None:
            body["password"] = password
        keys = list(application_keys)
        if keys:
            body["applicationKeys"] = keys
        try:
            return self._http.json("POST", USER, json=body, retry=False)
        except JiraRefused as err:
            self._conflict_check(err, name)
            raise

    def update_user(
        self,
        *,
        key: str,
        name: str | None = None,
        email: str | None = None,
        display_name: str | None = None,
        active: bool | None = None,
    ) -> dict[str, Any]:
        """``PUT user?key=K``: rename, e-mail, display name, (de)activate; returns the bean.

        Raises ``JiraConflict`` when renaming onto another user's name, ``JiraRefused``
        for business rules (e.g. deactivating a project lead: ``field_errors["active"]``).
        """
        body: dict[str, Any] = {}
        if name is not None:
            body["name"] = name
        if email is not None:
            body["emailAddress"] = email
        if display_name is not None:
            body["displayName"] = display_name
        if active is not None:
            body["active"] = active
        if not body:
            return self.get_user(key=key)
        try:
            return self._http.json("PUT", USER, params={"key": key}, json=body)
        except JiraRefused as err:
            if name is not None:
                self._conflict_check(err, name, other_than_key=key)
            raise

    def delete_user(self, *, key: str) -> None:
        """``DELETE user?key=K``; ``JiraNotFound`` if it never existed, ``JiraRefused`` if kept."""
        self._http.request("DELETE", USER, params={"key": key}, gone_ok_on_retry=True)

    def set_password(
        self, *, password: str, key: str | None = None, username: str | None = None
    ) -> None:
        """``PUT user/password`` by key (preferred: a rename cannot redirect it) or username.

        ``JiraRefused`` (``field_errors["password"]``) when Jira's password policy refuses.
        """
        self._http.request(
            "PUT",
            f"{USER}/password",
            params=_user_params(username, key),
            json={"password": password},
        )

    def search_users(
        self,
        query: str,
        *,
        start_at: int = 0,
        max_results: int = 50,
        include_active: bool = True,
        include_inactive: bool = False,
    ) -> list[dict[str, Any]]:
        """One page of ``user/search`` (prefix match on name, e-mail, display name)."""
        params = {
            "username": query,
            "startAt": start_at,
            "maxResults": max_results,
            "includeActive": _flag(include_active),
            "includeInactive": _flag(include_inactive),
        }
        return self._http.json("GET", f"{USER}/search", params=params) or []

    def iter_all_users(
        self,
        *,
        page_size: int = 1000,
        strategy: str | None = None,
        extra_groups: Iterable[str] = (),
    ) -> Iterator[dict[str, Any]]:
        """Stream every user (active and inactive) page by page, each once.

        The strategy follows the Jira version (``paging.user_listing_strategy``); on
        10.0-10.2 only members of the application roles' groups (plus ``extra_groups``)
        can be listed, as Jira offers no other complete listing there.
        """
        chosen = strategy or user_listing_strategy(self.version())
        if chosen == "list":
            return self._iter_user_list(page_size)
        if chosen == "groups":
            return self._iter_users_of_groups(page_size, extra_groups)
        if chosen == "search":
            size = min(page_size, SEARCH_PAGE_MAX)
            return iter_offset_arrays(
                lambda start: self.search_users(
                    ".", start_at=start, max_results=size, include_inactive=True
                )
            )
        raise ValueError(f"Unknown user listing strategy {chosen!r}")

    def _iter_user_list(self, page_size: int) -> Iterator[dict[str, Any]]:
        def fetch(cursor: str | None) -> dict[str, Any]:
            params: dict[str, Any] = {"maxResults": page_size}
            if cursor is not None:
                params["cursor"] = cursor
            return self._http.json("GET", f"{USER}/list", params=params) or {}

        return iter_cursor_pages(fetch)

    def _iter_users_of_groups(
        self, page_size: int, extra_groups: Iterable[str]
    ) -> Iterator[dict[str, Any]]:
        names: dict[str, str] = {}
        for role in self.application_roles():
            for group in role.get("groups") or []:
                names.setdefault(group.lower(), group)
        for group in extra_groups:
            names.setdefault(group.lower(), group)

        def members() -> Iterator[dict[str, Any]]:
            for group in names.values():
                try:
                    yield from self._iter_members(group, page_size, include_inactive=True)
                except JiraNotFound:
                    continue  # a role may name a group that was deleted since

        return unique_by(members())

    def _iter_members(
        self, group: str, page_size: int, *, include_inactive: bool
    ) -> Iterator[dict[str, Any]]:
        """Stream ``group/member`` pages (shared with the group calls)."""

        def fetch(start_at: int) -> dict[str, Any]:
            params = {
                "groupname": group,
                "includeInactiveUsers": _flag(include_inactive),
                "startAt": start_at,
                "maxResults": page_size,
            }
            return self._http.json("GET", f"{API}/group/member", params=params) or {}

        return iter_offset_pages(fetch)

    def application_roles(self) -> list[dict[str, Any]]:
        """``GET applicationrole``: each role's key, name, groups and default groups."""
        return self._http.json("GET", f"{API}/applicationrole") or []

    def grant_application(self, *, username: str, application_key: str) -> None:
        """``POST user/application``: Jira adds the user to the role's default groups.

        Granting twice changes nothing, so this POST is safe to retry.
        """
        self._http.request(
            "POST",
            f"{USER}/application",
            params={"username": username, "applicationKey": application_key},
            retry=True,
        )

    def revoke_application(self, *, username: str, application_key: str) -> None:
        """``DELETE user/application``: Jira removes the user from the role's groups."""
        self._http.request(
            "DELETE",
            f"{USER}/application",
            params={"username": username, "applicationKey": application_key},
        )
