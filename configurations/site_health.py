"""Each Jira site's last known health for the admin home page, never a slow page.

The home page only reads what is remembered here: the outcome of the last Test connection
or of the last short background check (the page's script asks for one when the remembered
outcome is older than ADMIN_SITE_HEALTH_SECONDS). A check uses HEALTHZ_JIRA_TIMEOUT per
call, and one caller per site at a time checks; the others get the last known outcome.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from .connection import ConnectionReport, check_jira_connection
from .models import JiraSite

# Kept this long at most, however old: a site nobody looked at for a day is "not checked".
KEEP_SECONDS = 24 * 3600


@dataclass(frozen=True)
class SiteHealth:
    """What the home page shows for a site: reachable, version, credentials ok."""

    state: str  # "ok", "warning" (reachable, account not an administrator), "error"
    message: str
    checked_at: datetime
    version: str | None = None
    account: str | None = None
    is_admin: bool | None = None

    @property
    def reachable(self) -> bool:
        """Whether Jira answered and accepted the credentials."""
        return self.state != "error"

    @property
    def fresh(self) -> bool:
        """Whether the outcome is recent enough not to ask Jira again."""
        age = timezone.now() - self.checked_at
        return age < timedelta(seconds=settings.ADMIN_SITE_HEALTH_SECONDS)


def _key(site: JiraSite) -> str:
    # updated_at in the key: an edited site (new URL or secret) is "not checked" at once.
    return f"admin:site-health:{site.pk}:{site.updated_at.timestamp()}"


def site_health_record(*, site: JiraSite, report: ConnectionReport) -> SiteHealth:
    """Remember the outcome of a connection check of the site."""
    if not report.ok:
        state = "error"
    elif report.is_admin is False:
        state = "warning"
    else:
        state = "ok"
    health = SiteHealth(
        state=state,
        message=report.message,
        checked_at=timezone.now(),
        version=report.version,
        account=report.account,
        is_admin=report.is_admin,
    )
    cache.set(_key(site), asdict(health), timeout=KEEP_SECONDS)
    return health


def site_health_get(site: JiraSite) -> SiteHealth | None:
    """The remembered outcome, or None when the site was never checked (no Jira call)."""
    stored = cache.get(_key(site))
    return SiteHealth(**stored) if stored else None


def site_health_refresh(*, site: JiraSite) -> SiteHealth | None:
    """Check the site now with a short timeout, unless another request is checking it.

    Returns the new outcome, or the remembered one (possibly None) when the check is taken.
    """
    lock = f"{_key(site)}:lock"
    # cache.add is atomic: one checker per site; the lock expires should this process die.
    # Three calls (serverInfo, myself, mypermissions) at most, each with the short timeout.
    if not cache.add(lock, 1, timeout=int(3 * settings.HEALTHZ_JIRA_TIMEOUT) + 5):
        return site_health_get(site)
    try:
        report = check_jira_connection(site, timeout=settings.HEALTHZ_JIRA_TIMEOUT)
        return site_health_record(site=site, report=report)
    finally:
        cache.delete(lock)
