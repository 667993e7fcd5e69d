"""Read-side queries for configurations: authentication lookups."""

from __future__ import annotations

from . import credentials
from .models import ScimConfiguration


def scim_configuration_by_token(token: str) -> ScimConfiguration | None:
    """Return the enabled configuration this bearer token belongs to, or None."""
    if not token.startswith(credentials.TOKEN_PREFIX) or len(token) > 200:
        return None
    configuration = (
        ScimConfiguration.objects.select_related("directory__jira_site")
        .filter(token_digest=credentials.digest(token), enabled=True)
        .first()
    )
    if configuration is None or not credentials.digests_match(token, configuration.token_digest):
        return None
    return configuration


def scim_configuration_by_basic(username: str, password: str) -> ScimConfiguration | None:
    """Return the enabled configuration with this Basic-auth username and password, or None."""
    if not username or len(username) > 150 or len(password) > 200:
        return None
    configuration = (
        ScimConfiguration.objects.select_related("directory__jira_site")
        .filter(basic_auth_username__iexact=username, enabled=True)
        .exclude(basic_password_digest="")
        .first()
    )
    # Compare even when no configuration matched, so timing does not reveal valid usernames.
    stored = configuration.basic_password_digest if configuration else "0" * 64
    if not credentials.digests_match(password, stored) or configuration is None:
        return None
    return configuration
