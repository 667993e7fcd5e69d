"""Read-side queries for configurations: authentication lookups.

These two functions are the whole credential check: which configuration a presented
token or Basic pair belongs to, honouring expiry and a rotation's grace period
(configurations/lifetime.py). The database lookup is cached per process
(configurations/process_cache.py); the expiry is checked on every call.
"""

from __future__ import annotations

from django.db.models import Q

from . import credentials
from .lifetime import is_live
from .models import ScimConfiguration
from .process_cache import ProcessCache

# Resolved credentials, keyed by the presented secret's digest; dropped on every change of
# a configuration, directory or Jira site (configurations/apps.py).
CREDENTIALS: ProcessCache[ScimConfiguration] = ProcessCache("credentials")

_NO_DIGEST = "0" * 64


def scim_configuration_by_token(token: str) -> ScimConfiguration | None:
    """Return the enabled configuration this bearer token belongs to, or None.

    The current token matches until its expiry; after a rotation the previous one until
    the end of its grace period. An expired token is refused like a wrong one. Only the
    database lookup is cached: the digest and the expiry are checked on every call, so a
    cached entry never outlives a token's end.
    """
    if not token.startswith(credentials.TOKEN_PREFIX) or len(token) > 200:
        return None
    digest = credentials.digest(token)
    configuration = CREDENTIALS.get(("token", digest), lambda: _by_token(digest))
    if configuration is None:
        return None
    if configuration.token_digest == digest:
        stored, expires = configuration.token_digest, configuration.token_expires_at
    else:
        stored, expires = (
            configuration.previous_token_digest,
            configuration.previous_token_expires_at,
        )
        if expires is None:  # a previous token without a grace end is not valid
            return None
    if not credentials.digests_match(token, stored) or not is_live(expires):
        return None
    return configuration


def _by_token(digest: str) -> ScimConfiguration | None:
    return (
        ScimConfiguration.objects.select_related("directory__jira_site")
        .filter(Q(token_digest=digest) | Q(previous_token_digest=digest), enabled=True)
        .first()
    )


def scim_configuration_by_basic(username: str, password: str) -> ScimConfiguration | None:
    """Return the enabled configuration with this Basic-auth username and password, or None.

    The current password matches until its expiry, the previous one (after a rotation)
    until the end of its grace period. The cache holds only configurations whose password
    matched; expiry is checked on every call.
    """
    if not username or len(username) > 150 or len(password) > 200:
        return None
    key = ("basic", username.lower(), credentials.digest(password))
    configuration = CREDENTIALS.get(key, lambda: _by_basic(username, password))
    if configuration is None:
        return None
    if credentials.digests_match(password, configuration.basic_password_digest) and is_live(
        configuration.basic_password_expires_at
    ):
        return configuration
    previous_end = configuration.previous_basic_password_expires_at
    previous = configuration.previous_basic_password_digest or _NO_DIGEST
    if (
        previous_end is not None
        and credentials.digests_match(password, previous)
        and is_live(previous_end)
    ):
        return configuration
    return None


def _by_basic(username: str, password: str) -> ScimConfiguration | None:
    """The configuration whose current or previous Basic password this is, whatever expiry."""
    configuration = (
        ScimConfiguration.objects.select_related("directory__jira_site")
        .filter(basic_auth_username__iexact=username, enabled=True)
        .exclude(basic_password_digest="")
        .first()
    )
    # Compare both even when no configuration matched, so timing reveals nothing.
    current = configuration.basic_password_digest if configuration else _NO_DIGEST
    previous = (configuration.previous_basic_password_digest if configuration else "") or _NO_DIGEST
    current_ok = credentials.digests_match(password, current)
    previous_ok = credentials.digests_match(password, previous)
    if configuration is None or not (current_ok or previous_ok):
        return None
    return configuration
