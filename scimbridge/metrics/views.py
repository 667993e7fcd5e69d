"""GET /metrics: the Prometheus exposition of every process of this host and the DB gauges."""

from __future__ import annotations

import os

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from .access import denial
from .collectors import DatabaseCollector


def _process_registry() -> CollectorRegistry:
    """Multiprocess mode: the series every process of the host wrote; else this process's."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        return registry
    return REGISTRY


@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    """The metrics, or 401/403 with what to do (scimbridge/metrics/access.py)."""
    refused = denial(request)
    if refused is not None:
        status, reason = refused
        response = HttpResponse(reason + "\n", status=status, content_type="text/plain")
        if status == 401:
            response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    gauges = CollectorRegistry()
    gauges.register(DatabaseCollector())
    body = generate_latest(_process_registry()) + generate_latest(gauges)
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
