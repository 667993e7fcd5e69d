"""Authentication of the fake Jira: PAT (Bearer), Basic, session cookies, WebSudo, CAPTCHA."""

from __future__ import annotations

import base64
import binascii
import secrets
from dataclasses import dataclass
from email.message import Message
from http.cookies import CookieError, SimpleCookie

from .errors import JiraHttpError
from .models import FakeUser
from .routing import Access
from .state import JiraState

LOGIN_FAILED_HTML = (
    "<html><head><title>Unauthorized (401)</title></head>"
    '<body><h1>Unauthorized (401)</h1><p>Encountered a "401 - Unauthorized" error while '
    "loading this page.</p></body></html>"
)
BASIC_DISABLED = "Basic Authentication has been disabled on this instance."


@dataclass
class AuthResult:
    """Who is calling, and how."""

    user: FakeUser | None = None
    via_session: bool = False
    new_session: str | None = None


def _login_failed(state: JiraState, name: str | None) -> JiraHttpError:
    """401 as Jira answers bad credentials: an HTML page and X-Seraph-LoginReason."""
    if name is not None:
        state.failed_logins[name.lower()] = state.failed_logins.get(name.lower(), 0) + 1
    return JiraHttpError(
        401,
        body=LOGIN_FAILED_HTML,
        content_type="text/html;charset=UTF-8",
        headers={"X-Seraph-LoginReason": "AUTHENTICATED_FAILED", "WWW-Authenticate": "OAuth"},
    )


def _session_user(state: JiraState, headers: Message) -> FakeUser | None:
    """The user of a JSESSIONID cookie this fake handed out, if the request carries one."""
    raw = headers.get("Cookie")
    if not raw:
        return None
    try:
        jar = SimpleCookie(raw)
    except CookieError:
        return None
    morsel = jar.get("JSESSIONID")
    key = state.sessions.get(morsel.value) if morsel is not None else None
    return state.users.get(key) if key else None


def _basic(state: JiraState, value: str, captcha_after: int | None, base_url: str) -> FakeUser:
    """Check Basic credentials (403 when Basic is off or after a CAPTCHA lock-out)."""
    if not state.basic_auth_enabled:
        raise JiraHttpError(403, body={"message": BASIC_DISABLED})
    try:
        decoded = base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise _login_failed(state, None) from None
    name, _, password = decoded.partition(":")
    if captcha_after is not None and state.failed_logins.get(name.lower(), 0) >= captcha_after:
        raise JiraHttpError(
            403,
            body=LOGIN_FAILED_HTML,
            content_type="text/html;charset=UTF-8",
            headers={
                "X-Seraph-LoginReason": "AUTHENTICATION_DENIED",
                "X-Authentication-Denied-Reason": (
                    f"CAPTCHA_CHALLENGE; login-url={base_url}/login.jsp"
                ),
            },
        )
    user = state.find_user(username=name)
    if user is None or not user.active or user.password is None or user.password != password:
        raise _login_failed(state, name)
    state.failed_logins.pop(name.lower(), None)
    return user


def authenticate(
    state: JiraState,
    headers: Message,
    *,
    base_url: str,
    issue_sessions: bool,
    captcha_after: int | None,
) -> AuthResult:
    """Identify the caller; a session cookie wins over credentials, as with Jira's Seraph."""
    session_user = _session_user(state, headers)
    if session_user is not None:
        return AuthResult(session_user, via_session=True)
    scheme, _, value = (headers.get("Authorization") or "").strip().partition(" ")
    scheme = scheme.lower()
    user: FakeUser | None = None
    if scheme == "bearer" and state.features.personal_access_tokens:
        key = state.tokens.get(value.strip())
        user = state.users.get(key) if key else None
        if user is None or not user.active:
            raise _login_failed(state, None)
    elif scheme == "basic":
        user = _basic(state, value.strip(), captcha_after, base_url)
    # Anything else (or Bearer before 8.14, which Jira did not understand) is anonymous.
    if user is None:
        return AuthResult()
    new_session = None
    if issue_sessions:
        new_session = secrets.token_hex(16).upper()
        state.sessions[new_session] = user.key
    return AuthResult(user, new_session=new_session)


def authorize(state: JiraState, auth: AuthResult, access: Access) -> None:
    """401 when a login is needed, 401 WebSudo for admin calls on a session, 403 non-admin."""
    if access == "anonymous":
        return
    if auth.user is None:
        raise JiraHttpError(
            401,
            ["You are not authenticated. Authentication required to perform this operation."],
        )
    if access == "admin":
        if auth.via_session:
            # Admin writes need a fresh WebSudo elevation, which a REST session never has.
            raise JiraHttpError(401, ["This resource requires WebSudo."])
        if not state.is_admin(auth.user):
            raise JiraHttpError(
                403,
                [f"The user '{auth.user.name}' does not have permission to do this."],
            )
