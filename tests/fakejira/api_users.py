"""User endpoints of the fake Jira: create, read, update, delete, password, search, list."""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlencode

from .beans import API, user_bean
from .errors import JiraHttpError, bad_request
from .models import FakeUser
from .routing import Request, Response, route


def _target(req: Request) -> FakeUser:
    """The user named by ``?key=`` (preferred, as in Jira) or ``?username=``; 404 if missing."""
    key = req.arg("key")
    if key is not None:
        return req.state.require_user(key=key)
    return req.state.require_user(username=req.arg("username"))


def _check_text(body: dict[str, Any], field: str, error_key: str, message: str) -> dict[str, str]:
    """A field error when ``field`` is present but not a non-empty string."""
    value = body.get(field)
    if field in body and (not isinstance(value, str) or not value.strip()):
        return {error_key: message}
    return {}


def _refuse_read_only(user: FakeUser, action: str) -> None:
    """Users of a read-only (LDAP) directory cannot be changed through Jira."""
    if user.read_only:
        raise bad_request(
            f"Cannot {action} user '{user.name}': the user directory '{user.directory}' "
            "is read-only."
        )


@route("POST", "/user", access="admin")
def create_user(req: Request) -> Response:
    """``POST /user``: 201 with the bean and a Location header; 400 with field errors."""
    state = req.state
    body = req.json_body()
    errors: dict[str, str] = {}
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        errors["username"] = "You must specify a username."
    elif state.find_user(username=name) is not None:
        errors["username"] = "A user with that username already exists."
    email = body.get("emailAddress")
    if not isinstance(email, str) or "@" not in email:
        errors["email"] = "You must specify a valid email address."
    if not isinstance(body.get("displayName"), str) or not body["displayName"].strip():
        errors["fullname"] = "You must specify a full name."
    password = body.get("password")
    if password is not None and not isinstance(password, str):
        errors["password"] = "The password must be a string."
    if errors:
        raise bad_request(**errors)
    state.check_password(password)
    notification = body.get("notification")
    if notification is not None and not isinstance(notification, str):
        # Jira's bean declares the field as a String: only a JSON string is accepted here.
        raise bad_request("Can not deserialize 'notification': expected a string.")
    keys = body.get("applicationKeys")
    if keys is not None and not isinstance(keys, list):
        raise bad_request("applicationKeys must be a list.")
    roles = [state.require_role(k) for k in keys] if keys is not None else state.default_roles()
    if not state.writable_directory:
        raise bad_request("Cannot create user: there is no writable user directory.")
    user = state.add_user(
        name.strip(),
        email=email,
        display_name=body["displayName"],
        # Without a password Jira generates a random one.
        password=password if password is not None else secrets.token_urlsafe(12),
    )
    for role in roles:
        state.grant(user, role)
    bean = user_bean(state, user, req.base_url)
    return Response(201, bean, headers={"Location": bean["self"]})


@route("GET", "/user")
def get_user(req: Request) -> Response:
    """``GET /user?username=U`` or ``?key=K`` with optional ``expand``."""
    return Response(200, user_bean(req.state, _target(req), req.base_url, req.expand()))


@route("PUT", "/user", access="admin")
def update_user(req: Request) -> Response:
    """``PUT /user``: rename, change e-mail / display name, (de)activate."""
    state = req.state
    user = _target(req)
    body = req.json_body()
    _refuse_read_only(user, "update")
    errors = {
        **_check_text(body, "name", "username", "You must specify a username."),
        **_check_text(body, "emailAddress", "email", "You must specify a valid email address."),
        **_check_text(body, "displayName", "fullname", "You must specify a full name."),
    }
    if isinstance(body.get("emailAddress"), str) and "@" not in body["emailAddress"]:
        errors["email"] = "You must specify a valid email address."
    if "active" in body:
        if not req.features.active_in_put:
            errors["active"] = "Unrecognized field 'active'."
        elif not isinstance(body["active"], bool):
            errors["active"] = "'active' must be true or false."
        elif body["active"] is False and user.leads:
            errors["active"] = (
                f"Cannot deactivate user '{user.name}': they lead project(s) "
                + ", ".join(user.leads)
                + "."
            )
        elif body["active"] is False and req.user is not None and req.user.key == user.key:
            errors["active"] = "You cannot deactivate yourself."
    if errors:
        raise bad_request(**errors)
    if "name" in body and body["name"] != user.name:
        state.rename_user(user, body["name"].strip())
    if "emailAddress" in body:
        user.email = body["emailAddress"]
    if "displayName" in body:
        user.display_name = body["displayName"]
    if "active" in body:
        user.active = body["active"]
    return Response(200, user_bean(state, user, req.base_url))


@route("DELETE", "/user", access="admin")
def delete_user(req: Request) -> Response:
    """``DELETE /user``: 204; 400 for project leads, read-only users and oneself."""
    user = _target(req)
    _refuse_read_only(user, "delete")
    if user.leads:
        raise bad_request(
            username=f"Cannot delete user '{user.name}': they lead project(s) "
            + ", ".join(user.leads)
            + "."
        )
    if req.user is not None and req.user.key == user.key:
        raise bad_request("You cannot delete the currently logged in user.")
    req.state.remove_user(user)
    return Response(204)


@route("PUT", "/user/password", access="admin")
def set_password(req: Request) -> Response:
    """``PUT /user/password?username=U`` ``{"password"}``: 204."""
    user = _target(req)
    password = req.json_body().get("password")
    if not isinstance(password, str) or not password:
        raise bad_request(password="You must specify a password.")
    _refuse_read_only(user, "update")
    req.state.check_password(password)
    user.password = password
    return Response(204)


def _matches(user: FakeUser, query: str) -> bool:
    """Jira's user search: prefix of the name, e-mail or any word of the display name."""
    if query == ".":  # the undocumented "list everybody" wildcard
        return True
    q = query.lower()
    words = user.display_name.lower().split()
    return (
        user.name.lower().startswith(q)
        or user.email.lower().startswith(q)
        or user.display_name.lower().startswith(q)
        or any(w.startswith(q) for w in words)
    )


@route("GET", "/user/search")
def search_users(req: Request) -> Response:
    """``GET /user/search``: a JSON array; Jira 10 answers at most 100 results in total."""
    query = req.arg("username")
    if not query:
        raise bad_request("The username query parameter was not provided")
    start_at = max(req.int_arg("startAt", 0), 0)
    max_results = min(max(req.int_arg("maxResults", 50), 0), req.features.search_page_cap)
    include_active = req.flag("includeActive", default=True)
    include_inactive = req.flag("includeInactive", default=False)
    found = [
        u
        for u in req.state.sorted_users()
        if (include_active if u.active else include_inactive) and _matches(u, query)
    ]
    if req.features.search_total_cap is not None:
        found = found[: req.features.search_total_cap]
    page = found[start_at : start_at + max_results]
    return Response(200, [user_bean(req.state, u, req.base_url) for u in page])


@route("GET", "/user/list")
def list_users(req: Request) -> Response:
    """``GET /user/list`` (10.3+): cursor paging over every user, active or not."""
    if not req.features.user_list:
        raise JiraHttpError(404, [f"null for uri: {req.base_url}{req.path}"])
    try:
        cursor = int(req.arg("cursor") or 0)
    except ValueError:
        cursor = 0  # Jira never answers 404 (or 400) for a cursor it did not hand out
    max_results = max(req.int_arg("maxResults", req.features.user_list_default_page), 1)
    page: list[FakeUser] = []
    more = False
    for user in req.state.users.values():  # insertion order is id order
        if user.id <= cursor:
            continue
        if len(page) == max_results:
            more = True
            break
        page.append(user)
    self_url = f"{req.base_url}{API}/user/list?" + urlencode(
        {"cursor": cursor, "maxResults": max_results}
    )
    body: dict[str, Any] = {
        "self": self_url,
        "maxResults": max_results,
        "isLast": not more,
        "values": [user_bean(req.state, u, req.base_url, short=True) for u in page],
    }
    if more:
        body["nextCursor"] = str(page[-1].id)
        body["nextPage"] = f"{req.base_url}{API}/user/list?" + urlencode(
            {"cursor": page[-1].id, "maxResults": max_results}
        )
    return Response(200, body)


@route("POST", "/user/application", access="admin")
def grant_application(req: Request) -> Response:
    """``POST /user/application?username=U&applicationKey=K``: adds the role's default groups."""
    user = _target(req)
    role = req.state.require_role(req.arg("applicationKey"))
    req.state.grant(user, role)
    return Response(200)


@route("DELETE", "/user/application", access="admin")
def revoke_application(req: Request) -> Response:
    """``DELETE /user/application``: removes the user from every group of the role."""
    user = _target(req)
    role = req.state.require_role(req.arg("applicationKey"))
    req.state.revoke(user, role)
    return Response(200)
