"""Records a deprovisioning request the circuit breaker refused (who, what, when, the body)."""

from __future__ import annotations

import json
import logging
from typing import Any

from rest_framework.authentication import get_authorization_header
from rest_framework.request import Request

from configurations.breaker import HeldRequestInfo, breaker_trip
from provisioning.models import ScimGroup, ScimUser
from provisioning.services.guard import DeprovisioningHeld

from .authentication import client_address, presented_prefix

logger = logging.getLogger("scimbridge.api")

# Body keys never stored with a held request (a PUT may carry the user's password).
_SECRET_KEYS = frozenset({"password"})


def _without_secrets(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            key: "[redacted]" if key.lower() in _SECRET_KEYS else _without_secrets(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_without_secrets(item) for item in value]
    return value


def _body(request: Request) -> str:
    raw = request._request.body.decode("utf-8", errors="replace")
    try:
        return json.dumps(_without_secrets(json.loads(raw)), ensure_ascii=False)
    except ValueError:
        return raw


def _summary(request: Request, resource_id: str | None) -> str:
    """ "DELETE user bjensen"-style, naming the SCIM resource the request targets."""
    what = ""
    if resource_id and "/groups/" in request.path.lower():
        group = ScimGroup.objects.filter(pk=resource_id).values_list("display_name", flat=True)
        what = f"group {group.first() or resource_id}"
    elif resource_id:
        user = ScimUser.objects.filter(pk=resource_id).values_list("user_name", flat=True)
        what = f"user {user.first() or resource_id}"
    return f"{request.method} {what}".strip()


def hold_request(request: Request, held: DeprovisioningHeld, resource_id: str | None) -> None:
    """Store the refused request and mark the configuration paused (own transaction)."""
    try:
        resource_id = str(resource_id) if resource_id else None
        info = HeldRequestInfo(
            kind=held.kind,
            method=request.method,
            path=request.get_full_path(),
            body=_body(request),
            client_address=client_address(request) or "",
            credential=presented_prefix(get_authorization_header(request)) or "",
            summary=_summary(request, resource_id),
        )
        if breaker_trip(held.configuration_id, info):
            logger.warning("Deprovisioning paused for configuration %s", held.configuration_id)
            from alerts.services import alert_breaker_tripped

            alert_breaker_tripped(configuration_id=held.configuration_id)
    except Exception:  # the 503 stands even if recording fails; the IdP retries
        logger.exception("Could not record a held deprovisioning request")
