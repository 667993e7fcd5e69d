"""Core of the Jira client: construction, credentials, and the system calls."""

from __future__ import annotations

import re
from typing import Any, Self

import requests

from .transport import BasicAuth, BearerAuth, Transport

API = "/rest/api/2"


class JiraClientBase:
    """Connection to one Jira: configuration, ``server_info``, ``myself``, ``version``."""

    def __init__(
        self,
        base_url: str,
        *,
        token: str | None = None,
        username: str | None = None,
        password: str | None = None,
        verify_tls: bool = True,
        timeout: float = 10.0,
        connect_timeout: float | None = None,
        max_retries: int = 3,
        max_retry_wait: float = 30.0,
        backoff_factor: float = 0.5,
        session: requests.Session | None = None,
    ) -> None:
        """Authenticate with a personal access token, or with username and password (Basic).

        ``base_url`` may carry a context path (``https://host/jira``). ``max_retry_wait``
        bounds the total time one call sleeps between retries (Retry-After or back-off);
        past it the call raises ``JiraTransient`` with ``retry_after``. A passed ``session``
        is reconfigured (auth, no cookies); mount adapters without retries on it.
        """
        auth: requests.auth.AuthBase
        if token:
            if username or password:
                raise ValueError("Give either a token or a username and password, not both")
            auth = BearerAuth(token)
        elif username and password:
            auth = BasicAuth(username, password)
        else:
            raise ValueError("Jira credentials missing: give a token or a username and password")
        self.auth_kind = "token" if token else "basic"
        self._http = Transport(
            base_url,
            auth=auth,
            verify_tls=verify_tls,
            timeout=timeout,
            connect_timeout=connect_timeout,
            max_retries=max_retries,
            max_retry_wait=max_retry_wait,
            backoff_factor=backoff_factor,
            session=session,
        )
        self._version: tuple[int, ...] | None = None

    @property
    def base_url(self) -> str:
        """The normalized base URL (no trailing slash)."""
        return self._http.base_url

    def __repr__(self) -> str:
        """Name the site and auth kind, never the secret."""
        return f"JiraClient({self.base_url!r}, auth={self.auth_kind})"

    def close(self) -> None:
        """Release pooled connections."""
        self._http.close()

    def __enter__(self) -> Self:
        """Use as a context manager to close connections afterwards."""
        return self

    def __exit__(self, *exc_info: object) -> None:
        """Close connections."""
        self.close()

    def forget_server_info(self) -> None:
        """Ask Jira its version again on the next ``version()`` (a kept client's next use)."""
        self._version = None

    def server_info(self) -> dict[str, Any]:
        """``GET serverInfo``: version, versionNumbers, deploymentType, baseUrl..."""
        info = self._http.json("GET", f"{API}/serverInfo")
        self._version = _version_tuple(info)
        return info

    def myself(self) -> dict[str, Any]:
        """``GET myself``: the account the client authenticates as."""
        return self._http.json("GET", f"{API}/myself")

    def version(self) -> tuple[int, ...]:
        """Jira's version as integers, e.g. ``(9, 12, 4)`` (asked once, then cached)."""
        if self._version is None:
            self.server_info()
        assert self._version is not None  # set by server_info()
        return self._version

    def is_administrator(self) -> bool:
        """Whether the account holds the Jira Administrators (or System Admin) permission."""
        body = self._http.json(
            "GET", f"{API}/mypermissions", params={"permissions": "ADMINISTER,SYSTEM_ADMIN"}
        )
        permissions = (body or {}).get("permissions") or {}
        return any(bool(p.get("havePermission")) for p in permissions.values())


def _version_tuple(info: dict[str, Any]) -> tuple[int, ...]:
    """``versionNumbers`` when present, else the digits of ``version``."""
    numbers = info.get("versionNumbers")
    if isinstance(numbers, list) and numbers and all(isinstance(n, int) for n in numbers):
        return tuple(numbers)
    digits = [int(d) for d in re.findall(r"\d+", str(info.get("version", "")))[:3]]
    return tuple(digits) or (0,)
