"""Building a client for a stored Jira site, without knowing how sites are stored.

Whatever holds a site's connection settings (the `JiraSite` model, a test double) only
has to look like `SiteSettings`; the client side decides how those become a client.
"""

from __future__ import annotations

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
