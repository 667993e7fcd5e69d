"""Read-side queries for configurations: authentication lookups.

These two functions are the whole credential check: which configuration a presented
token or Basic pair belongs to, honouring expiry and a rotation's grace period
(configurations/lifetime.py). A credential cache, if any, wraps them.
"""

from __future__ import annotations

from django.db.models import Q

from . import credentials
from .lifetime import is_live
from .models import ScimConfiguration

_NO_DIGEST = "0" * 64


def scim_configuration_by_token(token: str) -> ScimConfiguration | None:
    """Return the enabled configuration this bearer token belongs to, or None.

    The current token matches until its expiry; after a rotation the previous one until
    the end of its grace period. An expired token is refused like a wrong one.
    """
    if not token.startswith(credentials.TOKEN_PREFIX) or len(token) > 200:
        return None
    digest = credentials.digest(token)
    configuration = (
        ScimConfiguration.objects.select_related("directory__jira_site")
        .filter(Q(token_digest=digest) | Q(previous_token_digest=digest), enabled=True)
        .first()
    )
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


def scim_configuration_by_basic(username: str, password: str) -> ScimConfiguration | None:
    """Return the enabled configuration with this Basic-auth username and password, or None.

    The current password matches until its expiry, the previous one (after a rotation)
    until the end of its grace period.
    """
    if not username or len(username) > 150 or len(password) > 200:
        return None
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
    if configuration is None:
        return None
    if current_ok and is_live(configuration.basic_password_expires_at):
        return configuration
    previous_end = configuration.previous_basic_password_expires_at
    if previous_ok and previous_end is not None and is_live(previous_end):
        return configuration
    return None
