"""GET /healthz: overall status for anyone; database, broker and per-site Jira for the authorised.

Anonymous callers (load balancers) get `{"status": "ok"|"degraded"|"error"}` only: no site
names, and never a call to Jira, so the endpoint cannot be used to map the Jira sites or to
load them. Details need `Authorization: Bearer $HEALTHZ_TOKEN` or a staff session.
"""

from __future__ import annotations

import hmac
import logging

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from configurations.lifetime import expiring_credentials

logger = logging.getLogger("scimbridge.health")

# A site whose first check is still running in another request (it holds the lock).
CHECKING = "checking"
# The last known status outlives the fresh one so that callers that lose the race for the
# lock still get an answer.
STALE_FACTOR = 10


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any driver error means the database is unusable
        logger.exception("Health check: database unreachable")
        return "error"
    return "ok"


def _broker() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "in-process"
    from scimbridge.celery import app

    try:
        with app.connection_for_write(settings.CELERY_BROKER_URL) as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception:  # kombu raises a variety of transport errors
        logger.warning("Health check: broker unreachable", exc_info=True)
        return "error"
    return "ok"


def _keys(site) -> tuple[str, str, str]:
    """Cache keys of a site's fresh status, last known status and refresh lock."""
    # updated_at in the key: an edited site (new URL or secret) is checked again at once.
    base = f"healthz:jira:{site.pk}:{site.updated_at.timestamp()}"
    return base, f"{base}:last", f"{base}:lock"


def _jira_sites(*, refresh: bool) -> dict[str, str]:
    """Each site's status by name; refresh=False reads only what is cached (no Jira call)."""
    from configurations.models import JiraSite

    statuses: dict[str, str] = {}
    for site in JiraSite.objects.all():
        fresh_key, last_key, lock_key = _keys(site)
        status = cache.get(fresh_key)
        if status is None and refresh:
            status = _refresh(site, fresh_key, last_key, lock_key)
        if status is None:
            status = cache.get(last_key, CHECKING)
        statuses[site.name] = status
    return statuses


def _refresh(site, fresh_key: str, last_key: str, lock_key: str) -> str | None:
    """Ask Jira, unless another request is asking already (then None: use the last status)."""
    # cache.add is atomic on Redis and locmem: one caller per site wins, the others do not
    # pile onto a slow Jira. The lock expires by itself should this process die.
    lock_seconds = int(settings.HEALTHZ_JIRA_TIMEOUT) + 5
    if not cache.add(lock_key, 1, timeout=lock_seconds):
        return None
    try:
        status = _jira_site(site)
        cache.set(fresh_key, status, timeout=settings.HEALTHZ_JIRA_CACHE_SECONDS)
        cache.set(last_key, status, timeout=settings.HEALTHZ_JIRA_CACHE_SECONDS * STALE_FACTOR)
    finally:
        cache.delete(lock_key)
    return status


def _jira_site(site) -> str:
    from jiraclient.errors import JiraError
    from jiraclient.sites import client_for_site

    try:
        client_for_site(site, timeout=settings.HEALTHZ_JIRA_TIMEOUT, max_retries=0).server_info()
    except JiraError as exc:
        logger.warning("Health check: Jira site %s: %s", site.name, type(exc).__name__)
        return "error"
    except Exception:  # an undecryptable secret must not turn the health check into a 500
        logger.exception("Health check: Jira site %s", site.name)
        return "error"
    return "ok"


def _drift() -> dict[str, object]:
    """Each directory's latest finished drift check (scheduled or not): counts and when.

    Informational: drift never makes the status degraded (docs/go-live.md).
    """
    from configurations.models import Directory
    from provisioning.sync.drift_report import latest_check, summary

    found: dict[str, object] = {}
    for directory in Directory.objects.order_by("name"):
        run = latest_check(directory)
        if run is not None:
            data = summary(run)
            found[directory.name] = {
                key: data[key] for key in ("total", "counts", "measured_at", "run")
            }
    return found


def is_authorised(request: HttpRequest) -> bool:
    """Whether the caller may see details: the health token, or a staff session."""
    token = settings.HEALTHZ_TOKEN
    header = request.headers.get("Authorization", "")
    presented = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""
    if token and presented and hmac.compare_digest(presented.encode(), token.encode()):
        return True
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_active and user.is_staff)


def overall(database: str, broker: str, jira: dict[str, str]) -> str:
    """ok; degraded when the broker or a Jira site fails; error without a database."""
    if database != "ok":
        return "error"
    if broker == "error" or "error" in jira.values():
        return "degraded"
    return "ok"


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 with the overall status (and details when authorised); 503 without a database."""
    authorised = is_authorised(request)
    database = _database()
    broker = _broker()
    # Anonymous requests read only cached Jira statuses: they never cause a Jira call.
    jira = _jira_sites(refresh=authorised) if database == "ok" else {}
    body: dict[str, object] = {"status": overall(database, broker, jira)}
    if authorised:
        body.update({"database": database, "broker": broker, "jira": jira})
        drift = _drift() if database == "ok" else {}
        if drift:  # only once a drift check has run
            body["drift"] = drift
        expiring = expiring_credentials() if database == "ok" else []
        if expiring:
            # Tokens and Basic passwords that stop working within 14 days (docs/security.md).
            body["expiring_credentials"] = [item.as_dict() for item in expiring]
    return JsonResponse(body, status=200 if database == "ok" else 503)
