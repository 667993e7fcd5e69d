"""Building a client for a stored Jira site, without knowing how sites are stored.

Whatever holds a site's connection settings (the `JiraSite` model, a test double) only
has to look like `SiteSettings`; the client side decides how those become a client.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from .client import JiraClient


class SiteSettings(Protocol):
    """The connection settings of one Jira site."""

    base_url: str
    auth_method: str  # "token" or "basic"
    username: str
    verify_tls: bool
    timeout: float

    def get_secret(self) -> str:
        """The personal access token or password, in clear."""
        ...


def client_for_site(
    site: SiteSettings, *, timeout: float | None = None, **options: Any
) -> JiraClient:
    """A client authenticated as the site's account.

    ``options`` go to the client (e.g. ``max_retries=0`` for interactive checks).
    """
    secret = site.get_secret()
    credentials: dict[str, str | None]
    if site.auth_method == "basic":
        credentials = {"username": site.username, "password": secret}
    else:
        credentials = {"token": secret}
    return JiraClient(
        site.base_url,
        **credentials,
        verify_tls=site.verify_tls,
        timeout=timeout or site.timeout,
        **options,
    )


class KeptClients:
    """Clients kept between uses, per thread and key, so that Jira's connections are reused.

    A new client per SCIM write costs a session, the proxy environment read again, a TCP
    (and TLS) handshake and, on Jira's side, a new connection: more than the call itself to
    a nearby Jira. A kept client is used by one thread at a time (its own), and each use
    starts without what the last one learnt (Jira's version). The key names everything the
    client was built from: a site whose settings changed gets a new client, and the old one
    is closed once idle. A client idle for `idle_seconds` is closed before it is used again,
    so that no request goes out on a connection Jira (or a proxy) is closing for idleness;
    urllib3 replaces a connection closed meanwhile on its own. 0 keeps nothing.
    """

    def __init__(self, idle_seconds: Callable[[], float]) -> None:
        """`idle_seconds` is read at each use (a setting)."""
        self._idle_seconds = idle_seconds
        self._local = threading.local()
        os.register_at_fork(after_in_child=self._forget_all)

    def _entries(self) -> dict[Hashable, tuple[JiraClient, float]]:
        entries = getattr(self._local, "entries", None)
        if entries is None:
            entries = self._local.entries = {}
        return entries

    def _forget_all(self) -> None:
        # A forked child must not share its parent's sockets: it starts with none.
        self._local = threading.local()

    @contextmanager
    def lease(self, key: Hashable, make: Callable[[], JiraClient]) -> Iterator[JiraClient]:
        """This thread's client for `key` (made by `make` when none is kept or it idled)."""
        idle = max(float(self._idle_seconds()), 0.0)
        if idle == 0:
            with make() as client:
                yield client
            return
        entries = self._entries()
        now = time.monotonic()
        for old_key, (old, used_at) in list(entries.items()):
            if now - used_at >= idle:
                del entries[old_key]
                old.close()
        kept = entries.pop(key, None)
        client = kept[0] if kept is not None else make()
        client.forget_server_info()
        try:
            yield client
        except BaseException:
            client.close()  # whatever went wrong, the next use starts afresh
            raise
        entries[key] = (client, time.monotonic())

    def close_all(self) -> None:
        """Close this thread's kept clients (tests; a process about to exit)."""
        entries = self._entries()
        while entries:
            _, (client, _) = entries.popitem()
            client.close()
