"""Group endpoints of the fake Jira: create, delete, members, add/remove member, picker."""

from __future__ import annotations

import html
from typing import Any
from urllib.parse import urlencode

from .beans import API, group_bean, user_bean
from .errors import JiraHttpError, bad_request, not_found
from .routing import Request, Response, route


@route("POST", "/group", access="admin")
def create_group(req: Request) -> Response:
    """``POST /group`` ``{"name"}``: 201 with the group bean; 400 when the name exists."""
    name = req.json_body().get("name")
    if not isinstance(name, str) or not name.strip():
        raise bad_request("You must specify a group name.")
    if req.state.find_group(name) is not None:
        raise bad_request("A group or user with this name already exists.")
    group = req.state.add_group(name.strip())
    bean = group_bean(req.state, group, req.base_url)
    return Response(201, bean, headers={"Location": bean["self"]})


@route("DELETE", "/group", access="admin")
def delete_group(req: Request) -> Response:
    """``DELETE /group?groupname=G[&swapGroup=H]``: 200; 404 when missing."""
    state = req.state
    group = state.require_group(req.arg("groupname"))
    swap_name = req.arg("swapGroup")
    if swap_name:
        swap = state.find_group(swap_name)
        if swap is None:
            raise not_found(f"The swap group '{swap_name}' does not exist.")
        if swap is group:
            raise bad_request("You cannot swap a group with itself.")
    elif group.visibility_in_use:
        raise bad_request(
            f"Group '{group.name}' restricts the visibility of comments or worklogs: "
            "choose a swapGroup."
        )
    state.remove_group(group)
    return Response(200)


@route("GET", "/group/member")
def group_members(req: Request) -> Response:
    """``GET /group/member``: a page of (nested) members with total, isLast and nextPage."""
    name = req.arg("groupname")
    group = req.state.require_group(name)
    start_at = max(req.int_arg("startAt", 0), 0)
    max_results = min(max(req.int_arg("maxResults", 50), 1), req.features.group_member_page_cap)
    include_inactive = req.flag("includeInactiveUsers", default=False)
    members = [u for u in req.state.effective_members(group) if u.active or include_inactive]
    page = members[start_at : start_at + max_results]
    is_last = start_at + len(page) >= len(members)

    def page_url(start: int) -> str:
        params = {
            "groupname": group.name,
            "includeInactiveUsers": str(include_inactive).lower(),
            "maxResults": max_results,
            "startAt": start,
        }
        return f"{req.base_url}{API}/group/member?{urlencode(params)}"

    body: dict[str, Any] = {
        "self": page_url(start_at),
        "maxResults": max_results,
        "startAt": start_at,
        "total": len(members),
        "isLast": is_last,
        "values": [user_bean(req.state, u, req.base_url, short=True) for u in page],
    }
    if not is_last:
        body["nextPage"] = page_url(start_at + len(page))
    return Response(200, body)


@route("POST", "/group/user", access="admin")
def add_member(req: Request) -> Response:
    """``POST /group/user?groupname=G`` ``{"name": U}``: 201; 404 missing; 400 already in."""
    state = req.state
    group = state.require_group(req.arg("groupname"))
    username = req.json_body().get("name")
    user = state.require_user(username=username if isinstance(username, str) else None)
    if not state.add_member(group, user):
        message = f"Cannot add user. '{user.name}' is already a member of '{group.name}'"
        if req.features.plain_text_already_member:
            raise JiraHttpError(400, body=message, content_type="text/plain;charset=UTF-8")
        raise bad_request(message)
    return Response(201, group_bean(state, group, req.base_url))


@route("DELETE", "/group/user", access="admin")
def remove_member(req: Request) -> Response:
    """``DELETE /group/user?groupname=G&username=U``: 200; 404 missing; 400 not a member."""
    state = req.state
    group = state.require_group(req.arg("groupname"))
    user = state.require_user(username=req.arg("username"))
    if not state.remove_member(group, user):
        raise bad_request(
            f"Cannot remove user '{user.name}' from group '{group.name}' since user is not a "
            f"member of '{group.name}'"
        )
    return Response(200)


@route("GET", "/groups/picker")
def group_picker(req: Request) -> Response:
    """``GET /groups/picker?query=Q``: case-insensitive substring match, sorted by name."""
    query = (req.arg("query") or "").lower()
    max_results = max(req.int_arg("maxResults", 20), 0)
    excluded = {name.lower() for name in req.query.get("exclude", [])}
    found = sorted(
        (g for lower, g in req.state.groups.items() if query in lower and lower not in excluded),
        key=lambda g: g.name.lower(),
    )
    shown = found[:max_results]
    return Response(
        200,
        {
            "header": f"Showing {len(shown)} of {len(found)} matching groups",
            "total": len(found),
            "groups": [{"name": g.name, "html": html.escape(g.name), "labels": []} for g in shown],
        },
    )
