"""Jira client errors as SCIM errors (DESIGN.md "Rules that matter"), and the write-through's own.

| Jira                                      | SCIM                                   |
|-------------------------------------------|----------------------------------------|
| unreachable, timeout, 5xx, 429            | 503 + Retry-After (Jira's, else 10 s)  |
| 400 refused (field errors)                | 400 invalidValue, Jira's messages      |
| exists, not ours                          | 409 uniqueness, how to link it         |
| 404 for a user/group we link to           | 409, how to reconcile                  |
| 401 / 403 / not Jira (site misconfigured) | 503 + Retry-After 300, what to fix     |

Configuration problems answer 503 on purpose: every IdP retries a 503 later, so provisioning
resumes by itself once an administrator fixed the site, while a 4xx would make the IdP give
up on the object. The detail says what to fix for whoever reads the IdP's log.

A detail never names another directory, its users or groups, the Jira site's name (often
its host name) or Jira's host: an IdP sees only what is its own. Those specifics go to the
server log, whose lines carry the request's X-Request-Id (the detail points there).
"""

from __future__ import annotations

import logging
import math

from jiraclient.errors import (
    JiraConflict,
    JiraError,
    JiraForbidden,
    JiraNotFound,
    JiraRefused,
    JiraTransient,
    JiraUnauthorized,
)
from provisioning.scim.errors import ScimError, ScimType

logger = logging.getLogger("scimbridge.writethrough")

# Where a neutral detail sends the reader for the specifics.
SEE_LOG = "details are in scimbridge's log under this response's X-Request-Id"

# Retry-After when Jira gave none: long enough for a restart or a failover.
TRANSIENT_RETRY_AFTER = 10
# Retry-After when the site needs an administrator: no point in hammering it sooner.
CONFIGURATION_RETRY_AFTER = 300

SYNC_HINT = (
    'To manage it through SCIM, link it with "Sync Users & Groups" for directory {directory!r} '
    "in the scimbridge admin, then retry"
)


def jira_message(err: JiraError) -> str:
    """Jira's own words: its field errors and error messages (localized; shown, never parsed)."""
    parts = [f"{field}: {text}" for field, text in err.field_errors.items()]
    parts += [text for text in err.messages if text not in parts]
    return "; ".join(parts) or str(err)


def _retry_after(seconds: float | None, default: int) -> dict[str, str]:
    value = default if seconds is None else max(1, math.ceil(seconds))
    return {"Retry-After": str(value)}


def _transient_reason(err: JiraTransient) -> str:
    """What went wrong, without the host name the client's message carries."""
    if err.status == 429:
        return "rate-limited the request"
    if err.status is not None:
        return f"did not confirm it (HTTP {err.status})"
    return f"did not confirm it ({type(err).__name__.removeprefix('Jira')})"


def _jira_failure(kind: str, error: ScimError) -> ScimError:
    """Mark an error as Jira failing ("credentials" or "unreachable"), for the alerts."""
    error.jira_failure = kind  # type: ignore[attr-defined]
    return error


def from_jira(err: JiraError, *, doing: str, site: str, directory: str) -> ScimError:
    """The SCIM error for a Jira error raised while `doing` (e.g. "creating Jira user 'x'")."""
    # The client's message may name Jira's host: the applier logs it, the IdP never sees it.
    if isinstance(err, JiraTransient):
        return _jira_failure(
            "unreachable",
            ScimError(
                503,
                f"The Jira site {_transient_reason(err)} while {doing}; nothing was stored here. "
                f"Retry later: a retry completes what Jira may already have applied ({SEE_LOG}).",
                headers=_retry_after(err.retry_after, TRANSIENT_RETRY_AFTER),
            ),
        )
    if isinstance(err, JiraConflict):
        name = (err.existing or {}).get("name")
        return ScimError(
            409,
            f"Jira refused {doing}: {f'{name!r} ' if name else ''}already exists in Jira and is "
            f"not managed by this directory. {SYNC_HINT.format(directory=directory)}.",
            ScimType.UNIQUENESS,
        )
    if isinstance(err, JiraRefused):
        return ScimError(400, f"Jira refused {doing}: {jira_message(err)}", ScimType.INVALID_VALUE)
    if isinstance(err, JiraNotFound):
        return ScimError(
            409,
            f"Jira has no such user or group while {doing} ({jira_message(err)}): it was "
            'deleted or renamed in Jira outside scimbridge. Run "Sync Users & Groups" for '
            f"directory {directory!r} to reconcile.",
        )
    if isinstance(err, JiraUnauthorized | JiraForbidden):
        return _jira_failure(
            "credentials",
            ScimError(
                503,
                f"The Jira site refused scimbridge's credentials while {doing} "
                f"({jira_message(err)}). An administrator must give the site a valid personal "
                "access token (or username and password, with Basic auth enabled in Jira) of a "
                "Jira administrator; provisioning resumes by itself afterwards.",
                headers=_retry_after(None, CONFIGURATION_RETRY_AFTER),
            ),
        )
    return ScimError(
        503,
        f"The Jira site answered unexpectedly while {doing} ({SEE_LOG}). An administrator "
        "must check the site's base URL in the scimbridge admin.",
        headers=_retry_after(None, CONFIGURATION_RETRY_AFTER),
    )


def site_misconfigured(site: str, reason: str) -> ScimError:
    """503: the Jira site cannot be used at all (missing credentials, malformed base URL)."""
    logger.warning("Jira site %r is not usable: %s", site, reason)
    return ScimError(
        503,
        f"The directory's Jira site is not usable: {reason}. An administrator must fix the site in "
        "the scimbridge admin; provisioning resumes by itself afterwards.",
        headers=_retry_after(None, CONFIGURATION_RETRY_AFTER),
    )


def not_ours(kind: str, name: str, *, directory: str) -> ScimError:
    """409: a Jira user or group of this name exists that this directory did not create."""
    return ScimError(
        409,
        f"A Jira {kind} named {name!r} already exists and was not created through directory "
        f"{directory!r}. {SYNC_HINT.format(directory=directory)}; or use another name.",
        ScimType.UNIQUENESS,
    )


def linked_elsewhere(
    kind: str, name: str, *, owner: str, owner_directory: str, directory: str
) -> ScimError:
    """409: the Jira object of this name is already linked to another SCIM resource.

    The IdP learns only whether the other resource is in its own directory; which
    directory and which resource is logged for the administrator.
    """
    logger.warning(
        "Jira %s %r is already linked to SCIM %s %r of directory %r (request in directory %r)",
        kind,
        name,
        kind,
        owner,
        owner_directory,
        directory,
    )
    where = (
        f"SCIM {kind} {owner!r} of this directory"
        if owner_directory == directory
        else "another directory of this Jira site"
    )
    return ScimError(
        409,
        f"The Jira {kind} {name!r} is already linked to {where}; use another name ({SEE_LOG}).",
        ScimType.UNIQUENESS,
    )


def protected_group(name: str, *, reason: str, default_group: bool = False) -> ScimError:
    """403: a protected Jira group (administrator groups and the like) is never managed."""
    detail = (
        f"The Jira group {name!r} is protected in Jira ({reason}): scimbridge never creates, "
        "changes, deletes or changes the members of protected groups."
    )
    if default_group:
        detail += " Remove it from the SCIM configuration's default groups."
    else:
        detail += (
            " If it is not an administrator group, a scimbridge admin can allow it under the "
            'Jira site\'s "Unprotected groups".'
        )
    return ScimError(403, detail)


def protected_user(name: str, *, reason: str) -> ScimError:
    """403: a protected Jira user (an administrator, the bridge's account) is never changed."""
    return ScimError(
        403,
        f"The Jira user {name!r} is protected in Jira ({reason}): scimbridge never changes, "
        "deactivates or deletes protected users, and nothing was sent to Jira. Manage this "
        "account in Jira itself; a scimbridge admin decides who is protected on the Jira "
        "site's page (protected groups and users).",
    )


def unlinked(kind: str, name: str, *, directory: str) -> ScimError:
    """409: the SCIM resource has no Jira counterpart recorded, so nothing can be changed."""
    return ScimError(
        409,
        f'SCIM {kind} {name!r} is not linked to a Jira {kind}. Run "Sync Users & Groups" for '
        f"directory {directory!r} to link it, then retry.",
    )


def active_unsupported(version: tuple[int, ...], doing: str) -> ScimError:
    """400: Jira before 8.3 cannot (de)activate users through its REST API."""
    shown = ".".join(str(part) for part in version)
    return ScimError(
        400,
        f"Jira {shown} cannot {doing} through its REST API (Jira 8.3 or later can); "
        "deactivate the user in Jira's user management instead.",
        ScimType.INVALID_VALUE,
    )


# Label of scimbridge_writethrough_failures for each Jira error (docs/monitoring.md).
_JIRA_FAILURE_KINDS = (
    (JiraUnauthorized, "jira_unauthorized"),
    (JiraForbidden, "jira_forbidden"),
    (JiraTransient, "jira_unavailable"),
    (JiraRefused, "jira_refused"),
    (JiraConflict, "jira_conflict"),
    (JiraNotFound, "jira_not_found"),
)
# ...and for the write-through's own refusals, by SCIM status.
_OWN_FAILURE_KINDS = {403: "protected", 409: "conflict", 503: "site_misconfigured"}


def failure_kind(err: ScimError) -> str:
    """The kind of a failed write-through for the metrics: the Jira error, else our rule."""
    cause = err.__cause__
    if isinstance(cause, JiraError):
        return next(
            (kind for cls, kind in _JIRA_FAILURE_KINDS if isinstance(cause, cls)), "jira_other"
        )
    return _OWN_FAILURE_KINDS.get(err.status, f"refused_{err.status}")
