"""``FakeJira``: start/stop the fake server, seed and read its state, inject faults."""

from __future__ import annotations

import contextlib
import copy
import socket
import ssl
import threading
from collections.abc import Iterable
from datetime import datetime
from types import TracebackType
from typing import Any

from .faults import FaultInjection, FaultSet
from .features import Features
from .models import FakeGroup, FakeUser
from .requestlog import LoggedRequest, RequestLog
from .server import FakeJiraServer
from .state import ADMIN_GROUPS, FIRST_USER_ID, JiraState

ADMIN_KEY_ID = 10000


class FakeJira(FaultInjection):
    """A stateful fake of Jira Data Center's REST v2, served over real HTTP on 127.0.0.1."""

    def __init__(
        self,
        version: str = "9.12.4",
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        context_path: str = "",
        admin_username: str = "admin",
        admin_password: str = "admin",  # noqa: S107 - the fake's well-known test credentials
        admin_token: str = "admin-pat",  # noqa: S107
        seed: int = 0,
        issue_session_cookies: bool = False,
        captcha_after: int | None = None,
        advertised_base_url: str | None = None,
        ssl_context: ssl.SSLContext | None = None,
        features: dict[str, Any] | None = None,
    ) -> None:
        """Configure (not start) a fake Jira; ``features`` overrides version switches by name.

        ``issue_session_cookies`` makes it hand out JSESSIONID cookies like a real Jira,
        so tests can prove a client ignores them (a session then hits WebSudo on admin
        calls). ``captcha_after`` locks Basic auth of a name after that many failures.
        """
        self.features = Features.for_version(version, **(features or {}))
        self.host = host
        self.requested_port = port
        self.context_path = "/" + context_path.strip("/") if context_path.strip("/") else ""
        self.admin_username = admin_username
        self.admin_password = admin_password
        self.admin_token = admin_token
        self.seed = seed
        self.issue_session_cookies = issue_session_cookies
        self.captcha_after = captcha_after
        self.advertised_base_url = advertised_base_url
        self.ssl_context = ssl_context
        self.faults = FaultSet(seed)
        self.log = RequestLog()
        self.state = self._fresh_state()
        self._server: FakeJiraServer | None = None
        self._thread: threading.Thread | None = None
        self._stop_event = threading.Event()
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        # Client connections accepted since the start (keep-alive tests count them).
        self.connections_accepted = 0

    # -- lifecycle -------------------------------------------------------------------

    def start(self) -> FakeJira:
        """Bind (port 0 picks a free port) and serve in a daemon thread."""
        if self._server is not None:
            return self
        self._stop_event.clear()
        server = FakeJiraServer((self.host, self.requested_port), self)
        if self.ssl_context is not None:
            server.socket = self.ssl_context.wrap_socket(server.socket, server_side=True)
        self._server = server
        # stop() waits up to one poll interval: keep it short, tests start hundreds of fakes.
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.01},
            daemon=True,
            name=f"fakejira-{self.port}",
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, wake sleeping fault handlers and cut open keep-alive connections."""
        if self._server is None:
            return
        self._stop_event.set()
        self._server.shutdown()
        self._server.server_close()
        with self._connections_lock:
            open_connections = list(self._connections)
            self._connections.clear()
        for sock in open_connections:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> FakeJira:
        """Start on entering a ``with`` block."""
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop on leaving it."""
        self.stop()

    @property
    def port(self) -> int:
        """The bound port (only once started)."""
        if self._server is None:
            raise RuntimeError("FakeJira is not started")
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        """The base URL a client should be configured with (includes the context path)."""
        scheme = "https" if self.ssl_context is not None else "http"
        return f"{scheme}://{self.host}:{self.port}{self.context_path}"

    @property
    def base_url(self) -> str:
        """The base URL Jira puts in ``self``/``nextPage`` links and serverInfo."""
        return self.advertised_base_url or self.url

    def reset(self) -> None:
        """Back to a fresh instance: only the admin, default groups and roles; no log, no faults."""
        with self.state.lock:
            self.state = self._fresh_state()
        self.faults.clear(seed=self.seed)
        self.log.clear()

    # -- hooks used by the server ----------------------------------------------------

    def rest_path(self, path: str) -> str | None:
        """The path without the context path, or None when it lies outside it."""
        if not self.context_path:
            return path
        if path == self.context_path or path.startswith(self.context_path + "/"):
            return path[len(self.context_path) :] or "/"
        return None

    def sleep(self, seconds: float) -> None:
        """Sleep that ``stop()`` interrupts."""
        self._stop_event.wait(seconds)

    def track_connection(self, sock: socket.socket, *, open_: bool) -> None:
        """Remember open client connections (see ``stop``)."""
        with self._connections_lock:
            if open_:
                self._connections.add(sock)
                self.connections_accepted += 1
            else:
                self._connections.discard(sock)

    def _fresh_state(self) -> JiraState:
        state = JiraState(self.features)
        for name in ADMIN_GROUPS:
            state.add_group(name)
        # The setup wizard's admin predates seeded users: give it the first key.
        state.next_id = ADMIN_KEY_ID
        admin = state.add_user(
            self.admin_username,
            display_name="Administrator",
            password=self.admin_password,
        )
        state.next_id = FIRST_USER_ID
        for name in (*ADMIN_GROUPS, "jira-software-users"):
            state.add_member(state.groups[name], admin)
        if self.admin_token:
            state.tokens[self.admin_token] = admin.key
        return state

    # -- seeding ---------------------------------------------------------------------

    def seed_user(
        self,
        name: str,
        *,
        email: str | None = None,
        display_name: str | None = None,
        password: str | None = None,
        active: bool = True,
        groups: Iterable[str] = (),
        applications: Iterable[str] = (),
        read_only: bool = False,
        admin: bool = False,
        token: str | None = None,
        last_login: datetime | None = None,
        key: str | None = None,
    ) -> FakeUser:
        """Add a user directly (no HTTP); missing groups are created."""
        state = self.state
        with state.lock:
            user = state.add_user(
                name,
                email=email,
                display_name=display_name,
                password=password,
                active=active,
                key=key,
                read_only=read_only,
                last_login=last_login,
            )
            for group in (*groups, *(ADMIN_GROUPS[:1] if admin else ())):
                state.add_member(state.find_group(group) or state.add_group(group), user)
            for app in applications:
                state.grant(user, state.roles[app])
            if token:
                state.tokens[token] = user.key
            return copy.deepcopy(user)

    def seed_users(
        self,
        count: int,
        *,
        prefix: str = "user",
        start: int = 1,
        groups: Iterable[str] = (),
        active: bool = True,
    ) -> list[str]:
        """Bulk-add ``count`` users named ``{prefix}{n:05d}``; returns their keys (fast)."""
        state = self.state
        group_names = list(groups)
        with state.lock:
            targets = [state.find_group(g) or state.add_group(g) for g in group_names]
            keys = []
            for n in range(start, start + count):
                user = state.add_user(
                    f"{prefix}{n:05d}",
                    display_name=f"{prefix.title()} {n:05d}",
                    active=active,
                )
                for group in targets:
                    state.add_member(group, user)
                keys.append(user.key)
            return keys

    def seed_group(
        self, name: str, *, members: Iterable[str] = (), visibility_in_use: bool = False
    ) -> FakeGroup:
        """Add a group with members (usernames); ``visibility_in_use`` forces a swapGroup."""
        state = self.state
        with state.lock:
            group = state.add_group(name)
            group.visibility_in_use = visibility_in_use
            for username in members:
                state.add_member(group, state.require_user(username=username))
            return copy.deepcopy(group)

    def seed_nested_group(self, parent: str, child: str) -> None:
        """Make ``child`` a member group of ``parent`` (Jira lists nested members too)."""
        with self.state.lock:
            self.state.require_group(parent).children.add(
                self.state.require_group(child).name.lower()
            )

    def add_member(self, group: str, username: str) -> None:
        """Add a direct membership (no HTTP)."""
        with self.state.lock:
            self.state.add_member(
                self.state.require_group(group), self.state.require_user(username=username)
            )

    def add_token(self, username: str, token: str) -> None:
        """Give a user a personal access token."""
        with self.state.lock:
            self.state.tokens[token] = self.state.require_user(username=username).key

    def mark_project_lead(self, username: str, project: str = "PRJ") -> None:
        """Make the user lead a project: Jira then refuses to delete or deactivate it."""
        with self.state.lock:
            self.state.require_user(username=username).leads.append(project)

    def set_basic_auth(self, *, enabled: bool) -> None:
        """Switch Basic auth on or off (the switch exists from Jira 8.16)."""
        if not enabled and not self.features.basic_auth_switch:
            raise ValueError("Basic auth cannot be disabled before Jira 8.16")
        with self.state.lock:
            self.state.basic_auth_enabled = enabled

    def set_writable_directory(self, *, writable: bool) -> None:
        """False models "every user directory is read-only": user creation fails."""
        with self.state.lock:
            self.state.writable_directory = writable

    def set_min_password_length(self, length: int) -> None:
        """A password policy: shorter passwords are refused with ``errors.password``."""
        with self.state.lock:
            self.state.min_password_length = length

    def set_last_login(self, username: str, when: datetime | None) -> None:
        """Record a last login (returned as lastLoginTime on 11.3+)."""
        with self.state.lock:
            self.state.require_user(username=username).last_login = when

    # -- reading state ---------------------------------------------------------------

    @property
    def users(self) -> dict[str, FakeUser]:
        """Copies of every user, keyed by user key."""
        with self.state.lock:
            return copy.deepcopy(self.state.users)

    @property
    def groups(self) -> dict[str, FakeGroup]:
        """Copies of every group, keyed by group name (as created)."""
        with self.state.lock:
            return {g.name: copy.deepcopy(g) for g in self.state.groups.values()}

    def user(self, name_or_key: str) -> FakeUser | None:
        """A copy of the user with this key or (case-insensitive) name, or None."""
        with self.state.lock:
            found = self.state.find_user(key=name_or_key) or self.state.find_user(
                username=name_or_key
            )
            return copy.deepcopy(found) if found else None

    def group(self, name: str) -> FakeGroup | None:
        """A copy of the group with this (case-insensitive) name, or None."""
        with self.state.lock:
            found = self.state.find_group(name)
            return copy.deepcopy(found) if found else None

    def members(self, group: str, *, nested: bool = False) -> set[str]:
        """Usernames in the group (direct only, unless ``nested``)."""
        with self.state.lock:
            found = self.state.require_group(group)
            if nested:
                return {u.name for u in self.state.effective_members(found)}
            return {self.state.users[k].name for k in found.members}

    def groups_of(self, username: str) -> set[str]:
        """Names of the groups the user is a direct member of."""
        with self.state.lock:
            user = self.state.require_user(username=username)
            return {self.state.groups[g].name for g in self.state.direct_groups(user)}

    def is_member(self, group: str, username: str) -> bool:
        """Whether the user is a direct member of the group."""
        return group.lower() in {g.lower() for g in self.groups_of(username)}

    def has_application(self, username: str, application_key: str) -> bool:
        """Whether the user has access to the application (through any group)."""
        with self.state.lock:
            user = self.state.require_user(username=username)
            return application_key in {r.key for r in self.state.roles_of(user)}

    # -- request log -----------------------------------------------------------------

    def requests(self, method: str | None = None, path: str | None = None) -> list[LoggedRequest]:
        """Logged requests, optionally filtered by method and ``fnmatch`` path pattern."""
        return self.log.entries(method, path)

    def clear_requests(self) -> None:
        """Empty the request log."""
        self.log.clear()
