"""Read-side queries for configurations: authentication lookups (cached per process)."""

from __future__ import annotations

from . import credentials
from .models import ScimConfiguration
from .process_cache import ProcessCache

# Resolved credentials, keyed by the presented secret's digest; dropped on every change of
# a configuration, directory or Jira site (configurations/apps.py).
CREDENTIALS: ProcessCache[ScimConfiguration] = ProcessCache("credentials")


def scim_configuration_by_token(token: str) -> ScimConfiguration | None:
    """Return the enabled configuration this bearer token belongs to, or None."""
    if not token.startswith(credentials.TOKEN_PREFIX) or len(token) > 200:
        return None
    token_digest = credentials.digest(token)
    return CREDENTIALS.get(("token", token_digest), lambda: _by_token(token, token_digest))


def _by_token(token: str, token_digest: str) -> ScimConfiguration | None:
    configuration = (
        ScimConfiguration.objects.select_related("directory__jira_site")
        .filter(token_digest=token_digest, enabled=True)
        .first()
    )
    if configuration is None or not credentials.digests_match(token, configuration.token_digest):
        return None
    return configuration


def scim_configuration_by_basic(username: str, password: str) -> ScimConfiguration | None:
    """Return the enabled configuration with this Basic-auth username and password, or None."""
    if not username or len(username) > 150 or len(password) > 200:
        return None
    key = ("basic", username.lower(), credentials.digest(password))
    return CREDENTIALS.get(key, lambda: _by_basic(username, password))


def _by_basic(username: str, password: str) -> ScimConfiguration | None:
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
