"""GET /healthz: database, broker and per-site Jira status, for load balancers and admins."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger("scimbridge.health")


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


def _jira_sites() -> dict[str, str]:
    from configurations.models import JiraSite

    statuses: dict[str, str] = {}
    for site in JiraSite.objects.all():
        key = f"healthz:jira:{site.pk}:{site.updated_at.timestamp()}"
        status = cache.get(key)
        if status is None:
            status = _jira_site(site)
            cache.set(key, status, timeout=settings.HEALTHZ_JIRA_CACHE_SECONDS)
        statuses[site.name] = status
    return statuses


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


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 with each dependency's status; 503 when the database cannot be reached."""
    database = _database()
    body: dict[str, object] = {"database": database, "broker": _broker(), "jira": {}}
    if database == "ok":
        body["jira"] = _jira_sites()
    return JsonResponse(body, status=200 if database == "ok" else 503)
