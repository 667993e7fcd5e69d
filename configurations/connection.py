""""Test connection" for a Jira site: reach Jira, authenticate, report version and admin rights."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from jiraclient import errors as jira_errors
from jiraclient.sites import client_for_site

from .crypto import SecretUnreadableError
from .models import JiraSite

logger = logging.getLogger("scimbridge.configurations")

# The calls of a test, in order: the first needs no permission, the last needs admin rights.
CALLS = (
    "GET rest/api/2/serverInfo",
    "GET rest/api/2/myself",
    "GET rest/api/2/mypermissions",
)


@dataclass(frozen=True)
class ConnectionReport:
    """Outcome of a connection test, worded for the admin."""

    ok: bool
    message: str
    version: str | None = None
    account: str | None = None
    is_admin: bool | None = None


def check_jira_connection(site: JiraSite, *, timeout: float | None = None) -> ConnectionReport:
    """Call Jira's serverInfo, myself and mypermissions as the site's account.

    ``timeout`` (seconds per call) overrides the site's own, for checks nobody should wait on.
    """
    call = CALLS[0]
    try:
        # The admin waits for the answer: one attempt, no retries.
        client = client_for_site(site, timeout=timeout, max_retries=0)
        info = client.server_info()
        call = CALLS[1]
        me = client.myself()
        call = CALLS[2]
        is_admin = client.is_administrator()
    except SecretUnreadableError as exc:
        return ConnectionReport(ok=False, message=str(exc))
    except jira_errors.JiraError as exc:
        # Which call failed, as sent (with the context path), then what it means.
        sent = f"{exc.method} {exc.path}" if exc.method and exc.path else call
        explained = _explain(site, exc, timeout or site.timeout, first=call == CALLS[0])
        return ConnectionReport(ok=False, message=f"{sent} failed: {explained}")
    version = str(info.get("version", "unknown"))
    account = str(me.get("name") or me.get("key") or "?")
    if is_admin:
        message = (
            f"Connected to Jira {version} ({info.get('deploymentType', 'Server')}) as "
            f"{account}, a Jira administrator: ready to provision."
        )
    else:
        message = (
            f"Connected to Jira {version} as {account}, but this account is not a Jira "
            "administrator: provisioning users and groups will be refused. Use an account "
            "with the Jira Administrators global permission."
        )
    return ConnectionReport(
        ok=True, message=message, version=version, account=account, is_admin=is_admin
    )


def _explain(site: JiraSite, exc: jira_errors.JiraError, timeout: float, *, first: bool) -> str:
    """Turn a client error into a sentence an admin can act on (never the secret)."""
    url = site.base_url
    if isinstance(exc, jira_errors.JiraTLSError):
        return (
            f"TLS error talking to {url}: the certificate could not be verified. Install the "
            "CA certificate on this server, or (test instances only) turn off TLS verification."
        )
    if isinstance(exc, jira_errors.JiraTimeout):
        return (
            f"Jira at {url} did not answer within {timeout:g} seconds. Check that the URL "
            "is reachable from this server, or raise the timeout."
        )
    if isinstance(exc, jira_errors.JiraConnectionError):
        return (
            f"Cannot reach {url}: check the base URL (scheme, host name, port, context path) "
            "and that this server can connect to it."
        )
    if isinstance(exc, jira_errors.JiraUnauthorized):
        kind = "personal access token" if site.auth_method == JiraSite.AuthMethod.TOKEN else (
            "username or password"
        )
        return (
            f"Jira refused the credentials (401): the {kind} is wrong, expired or revoked, "
            "or the account is locked (CAPTCHA after failed logins)."
        )
    if isinstance(exc, jira_errors.JiraForbidden):
        return (
            "Jira answered 403 Forbidden: the account may not use the REST API, or Basic "
            "authentication is disabled on this instance (use a personal access token)."
        )
    if isinstance(exc, jira_errors.JiraNotFound):
        if not first:
            return (
                f"Jira at {url} answered serverInfo but 404 to this call: a proxy in front "
                "of Jira may block part of the REST API, or the account cannot see it."
            )
        return (
            f"{url} answered 404 Not Found: nothing serves Jira's REST API at this base URL. "
            "Check that it points at Jira, with Jira's context path if it has one "
            "(e.g. /jira, as in the address of Jira's own pages)."
        )
    if isinstance(exc, jira_errors.JiraTransient):
        return f"Jira at {url} is unavailable right now ({exc}); try again in a moment."
    logger.warning("Unexpected Jira error testing %s: %s", url, type(exc).__name__)
    return f"Jira at {url} answered unexpectedly: {exc}"
