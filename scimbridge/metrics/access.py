"""Who may read GET /metrics: a bearer token when METRICS_TOKEN is set, else loopback only.

Without a token, a request counts as local only when its socket address is loopback and no
proxy forwarded it (no X-Forwarded-For / Forwarded header): a proxy on the same host would
otherwise make every outside client look local. METRICS_ALLOWED_ADDRESSES adds addresses or
networks (e.g. the Prometheus server's), matched against the client address as the SCIM API
sees it (TRUSTED_PROXY_COUNT).
"""

from __future__ import annotations

import hmac
import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest
from rest_framework.throttling import BaseThrottle

PROXY_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_FORWARDED", "HTTP_X_REAL_IP")


@lru_cache(maxsize=8)
def _networks(
    entries: tuple[str, ...],
) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(
        ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry.strip()
    )


def _address(text: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address((text or "").strip())
    except ValueError:
        return None


def denial(request: HttpRequest) -> tuple[int, str] | None:
    """None when the request may read the metrics, else (status, reason)."""
    token = settings.METRICS_TOKEN
    if token:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        scheme, _, given = header.partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(given.strip(), token):
            return None
        return 401, "GET /metrics needs Authorization: Bearer <METRICS_TOKEN>."
    socket_address = _address(request.META.get("REMOTE_ADDR"))
    proxied = any(request.META.get(name) for name in PROXY_HEADERS)
    if socket_address is not None and socket_address.is_loopback and not proxied:
        return None
    client = _address(BaseThrottle().get_ident(request))
    allowed = _networks(tuple(settings.METRICS_ALLOWED_ADDRESSES))
    if client is not None and any(client in network for network in allowed):
        return None
    return 403, (
        "GET /metrics answers only loopback addresses (or METRICS_ALLOWED_ADDRESSES) while "
        "METRICS_TOKEN is unset; set METRICS_TOKEN to scrape through a proxy."
    )
