"""Users last login info: read Jira's lastLoginTime (11.3+) and show it in GET /Users."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache

from configurations.crypto import SecretUnreadableError
from configurations.process_cache import ProcessCache
from jiraclient import JiraClient, JiraError
from jiraclient.sites import client_for_site
from provisioning.scim.query import Projection
from provisioning.scim.schema import USER_SCHEMA

from .batching import chunks
from .models import ScimCustomization, ScimUserLastLogin
from .runs import RunContext
from .users import iter_jira_users, last_login_upsert

# The first Jira whose user bean carries lastLoginTime (Data Center 11.3).
LAST_LOGIN_MIN_VERSION = (11, 3)
# One Identity's User extension, where its connector reads the last login.
ONE_IDENTITY_SCHEMA = "urn:ietf:params:scim:schemas:extension:oneidentity:2.0:User"
ONE_IDENTITY_ATTRIBUTE = "lastLogin"


class LastLoginUnavailable(Exception):  # noqa: N818 - reads as a state
    """The connected Jira does not expose last-login information through REST."""


def unavailable_message(version: tuple[int, ...]) -> str:
    """What the UI says when the Jira version has no lastLoginTime."""
    shown = ".".join(map(str, version))
    return (
        f"Jira {shown} does not expose users' last login through its REST API: "
        "lastLoginTime exists from Jira Data Center 11.3. Nothing was changed."
    )


def supports_last_login(version: tuple[int, ...]) -> bool:
    """Whether this Jira version's user beans carry ``lastLoginTime``."""
    return tuple(version[:2]) >= LAST_LOGIN_MIN_VERSION


# How long the utilities page trusts a site's version before asking Jira again (seconds).
VERSION_CACHE_SECONDS = 300


@dataclass(frozen=True)
class LastLoginSupport:
    """Whether a site can provide last login, known before anyone presses the button."""

    supported: bool | None  # None: Jira could not be asked just now
    note: str


def site_last_login_support(site: Any) -> LastLoginSupport:
    """Ask the site's version once per VERSION_CACHE_SECONDS (a quick call, no retries)."""
    key = f"sync:jira-version:{site.pk}:{site.updated_at.timestamp()}"
    version = cache.get(key)
    if version is None:
        try:
            with client_for_site(site, max_retries=0, timeout=min(site.timeout, 5)) as client:
                version = list(client.version())
        except (JiraError, SecretUnreadableError, ValueError) as exc:
            return LastLoginSupport(
                supported=None,
                note=f"Could not ask Jira for its version ({exc}); 11.3 or later is needed.",
            )
        cache.set(key, version, VERSION_CACHE_SECONDS)
    version = tuple(version)
    shown = ".".join(map(str, version))
    if supports_last_login(version):
        return LastLoginSupport(
            supported=True, note=f"Jira {shown} provides last login (lastLoginTime)."
        )
    return LastLoginSupport(
        supported=False,
        note=f"Not available on this site: Jira {shown} does not provide last login through its "
        "REST API (lastLoginTime exists from Jira Data Center 11.3).",
    )


def last_login_sync(ctx: RunContext, client: JiraClient) -> str:
    """Store every mapped user's last login; ``LastLoginUnavailable`` before Jira 11.3."""
    version = client.version()
    if not supports_last_login(version):
        raise LastLoginUnavailable(unavailable_message(version))
    ctx.phase("users")
    for batch in chunks(iter_jira_users(client), settings.SYNC_BATCH_SIZE):
        ctx.count("users", "seen", len(batch))
        stored = last_login_upsert(
            directory=ctx.run.directory,
            logins={facts.key: facts.last_login for facts in batch if facts.has_last_login},
        )
        ctx.count("users", "updated", stored)
        ctx.count("users", "skipped", len(batch) - stored)
        ctx.beat()
    return ""


# Per-directory SCIM customization, read by every GET of users: cached per process and
# dropped on every change of a customization (provisioning/apps.py).
CUSTOMIZATIONS: ProcessCache[bool] = ProcessCache("scim-customizations")


def shows_last_login(directory_id: Any) -> bool:
    """Whether the directory's SCIM customization asks for last-login info."""
    return bool(
        CUSTOMIZATIONS.get(
            directory_id,
            lambda: ScimCustomization.objects.filter(
                directory_id=directory_id, show_last_login=True
            ).exists(),
        )
    )


def decorate_user_documents(
    rows: Sequence[Any], documents: list[dict[str, Any]], *, projection: Projection
) -> None:
    """Add ``meta.lastLogin`` and the One Identity attribute to rendered users (one query).

    The renderer's hook: called with the rows and their already projected documents, so
    only what the response still carries is extended.
    """
    if not rows or not shows_last_login(rows[0].directory_id):
        return
    logins = dict(
        ScimUserLastLogin.objects.filter(
            user_id__in=[row.pk for row in rows], last_login_at__isnull=False
        ).values_list("user_id", "last_login_at")
    )
    extension_wanted = projection.includes(ONE_IDENTITY_ATTRIBUTE, ONE_IDENTITY_SCHEMA) and (
        not projection.attributes
        or any(
            name.lower().startswith(ONE_IDENTITY_SCHEMA.lower()) for name in projection.attributes
        )
    )
    for row, document in zip(rows, documents, strict=True):
        when = logins.get(row.pk)
        if when is None:
            continue
        stamp = when.isoformat()
        if isinstance(document.get("meta"), dict):
            document["meta"]["lastLogin"] = stamp
        if extension_wanted:
            document.setdefault("schemas", [USER_SCHEMA])
            if ONE_IDENTITY_SCHEMA not in document["schemas"]:
                document["schemas"].append(ONE_IDENTITY_SCHEMA)
            document[ONE_IDENTITY_SCHEMA] = {ONE_IDENTITY_ATTRIBUTE: stamp}
