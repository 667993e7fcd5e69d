"""Absolute SCIM endpoint URLs to give an identity provider."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

SCIM_V2_PATH = "/scim/v2"
SCIM_V1_PATH = "/scim/v1"


def scim_base_urls(base_url: str | None = None) -> tuple[str, str]:
    """Return (SCIM 2.0 URL, SCIM 1.1 URL) under a public base URL (default: the setting)."""
    base = (base_url or settings.SCIMBRIDGE_PUBLIC_URL).rstrip("/")
    return f"{base}{SCIM_V2_PATH}", f"{base}{SCIM_V1_PATH}"


def scim_base_urls_for_request(request: HttpRequest) -> tuple[str, str]:
    """Return the SCIM URLs as the admin's browser reaches this server."""
    return scim_base_urls(request.build_absolute_uri("/"))
