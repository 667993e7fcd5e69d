"""SCIM API authentication: bearer token or Basic auth resolving a ScimConfiguration."""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

from configurations import credentials
from configurations.allowlist import address_allowed, address_known
from configurations.models import ScimConfiguration
from configurations.selectors import scim_configuration_by_basic, scim_configuration_by_token
from configurations.services import scim_configuration_touch

from .exceptions import ADDRESS_REFUSED_DETAIL, AUTH_FAILED_DETAIL

logger = logging.getLogger("scimbridge.api")

# At most one warning per this many seconds and process about X-Forwarded-For being ignored.
FORWARDED_FOR_WARNING_INTERVAL = 600.0


class _WarnedAt:
    """When this process last warned about an ignored X-Forwarded-For (monotonic clock)."""

    value: float | None = None


def client_address(request: Request) -> str:
    """The client's address, honouring REST_FRAMEWORK NUM_PROXIES behind a load balancer."""
    return BaseThrottle().get_ident(request)


def warn_untrusted_forwarded_for(request: Request) -> None:
    """Warn (rate-limited) when X-Forwarded-For arrives but TRUSTED_PROXY_COUNT is 0.

    Behind a proxy every client then shares the proxy's address, for the failure throttle
    and the audit log alike; the header itself cannot be trusted without the setting.
    """
    if api_settings.NUM_PROXIES or "HTTP_X_FORWARDED_FOR" not in request.META:
        return
    now = time.monotonic()
    last = _WarnedAt.value
    if last is not None and now - last < FORWARDED_FOR_WARNING_INTERVAL:
        return
    _WarnedAt.value = now
    logger.warning(
        "X-Forwarded-For received while TRUSTED_PROXY_COUNT=0: clients are told apart by "
        "the socket address %s only. Set TRUSTED_PROXY_COUNT to the number of proxies in "
        "front of scimbridge (docs/security.md).",
        request.META.get("REMOTE_ADDR", ""),
    )


def presented_prefix(header: bytes) -> str | None:
    """What identifies the presented credential without revealing it, or None.

    A bearer token's display prefix (the part the admin shows, configurations/credentials)
    or a Basic-auth username; None when no credential was presented at all.
    """
    scheme, _, value = header.partition(b" ")
    value = value.strip()
    if not value:
        return None
    text = value.decode("ascii", errors="replace")
    if scheme.lower() == b"bearer":
        return "bearer:" + text[: credentials.DISPLAY_PREFIX_LENGTH]
    if scheme.lower() == b"basic":
        try:
            decoded = base64.b64decode(text, validate=True).decode("utf-8", errors="replace")
        except (binascii.Error, ValueError):
            return "basic:?"
        return "basic:" + decoded.partition(":")[0][:150].lower()
    return "other:" + text[: credentials.DISPLAY_PREFIX_LENGTH]


class AuthFailureThrottle:
    """Counts failed authentications in a fixed window (shared cache), under one key."""

    def __init__(self, scope: str, ident: str) -> None:
        # Hashed: the ident is client input (any length and character); cache keys are not.
        hashed = hashlib.sha256(ident.encode("utf-8", errors="replace")).hexdigest()[:32]
        self.key = f"scim-auth-failures:{scope}:{hashed}"
        self.limit = settings.SCIM_AUTH_FAILURE_LIMIT
        self.window = settings.SCIM_AUTH_FAILURE_WINDOW

    def exceeded(self) -> bool:
        """Whether this key has failed at least the limit within the current window."""
        return (cache.get(self.key) or 0) >= self.limit

    def record_failure(self) -> None:
        """Count one failed attempt; the window starts with the first failure."""
        if not cache.add(self.key, 1, timeout=self.window):
            try:
                cache.incr(self.key)
            except ValueError:  # expired between add and incr
                cache.add(self.key, 1, timeout=self.window)


def failure_throttles(request: Request, header: bytes) -> list[AuthFailureThrottle]:
    """The counters a failed attempt adds to: its address and its credential's prefix."""
    throttles = [AuthFailureThrottle("address", client_address(request) or "")]
    prefix = presented_prefix(header)
    if prefix is not None:
        throttles.append(AuthFailureThrottle("credential", prefix))
    return throttles


def resolve_credential(header: bytes) -> ScimConfiguration | None:
    """The configuration an Authorization header's bearer token or Basic pair opens, or None."""
    scheme, _, value = header.partition(b" ")
    value = value.strip()
    if not value:
        return None
    try:
        credential = value.decode("ascii")
    except UnicodeDecodeError:
        return None
    if scheme.lower() == b"bearer":
        return scim_configuration_by_token(credential)
    if scheme.lower() == b"basic":
        try:
            decoded = base64.b64decode(credential, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        username, sep, password = decoded.partition(":")
        return scim_configuration_by_basic(username, password) if sep else None
    return None


@dataclass(frozen=True)
class Presented:
    """What a request presented: its Authorization header, the configuration that opens
    (None for a wrong, expired or absent credential), the client's address, and whether
    that address may use the configuration."""

    header: bytes
    configuration: ScimConfiguration | None
    address: str
    admitted: bool


def presented_credential(request: HttpRequest) -> Presented:
    """The credential check of every SCIM request; an admitted one has its use recorded.

    Shared by `ScimAuthentication` and the reads served without DRF
    (provisioning/api/fast_reads.py), which take only an admitted configuration and leave
    every refusal to the full view.
    """
    warn_untrusted_forwarded_for(request)
    header = get_authorization_header(request)
    configuration = resolve_credential(header)
    address = client_address(request) or ""
    admitted = configuration is not None and address_allowed(configuration, address)
    if admitted:
        scim_configuration_touch(configuration=configuration)
    return Presented(header, configuration, address, admitted)


def admitted_configuration(request: HttpRequest) -> ScimConfiguration | None:
    """The configuration of a request that ScimAuthentication lets in, else None.

    None says only "not admitted here": the full view then gives the answer (401, 403 or
    429) and counts the failure. The configuration is set as the request's `auth`, as DRF
    mirrors it, for the audit log and the metrics.
    """
    presented = presented_credential(request)
    if not presented.admitted:
        return None
    request.auth = presented.configuration  # type: ignore[attr-defined]
    return presented.configuration


class ScimAuthentication(BaseAuthentication):
    """Authenticates an IdP by its configuration's bearer token or Basic credentials.

    A client address that the configuration's allowlist (or, for a failed credential, every
    configuration's) refuses answers 403, the same whether the credential was valid or not.
    The credential is checked first: a valid one is never refused because others failed
    from the same address (behind a proxy every client may share one). Only failures
    count, per address and per presented credential prefix; once either is over the limit
    a failing request answers 429 instead of 401. Every failure answers the same 401, so
    that a caller cannot tell whether the token, the username, the password or the
    configuration's state was wrong.
    """

    def authenticate(self, request: Request) -> tuple[ScimConfiguration, ScimConfiguration]:
        """Return (configuration, configuration) or raise AuthenticationFailed/Throttled."""
        presented = presented_credential(request)
        configuration, address = presented.configuration, presented.address
        if configuration is not None:
            if not presented.admitted:
                raise exceptions.PermissionDenied(ADDRESS_REFUSED_DETAIL)
            return configuration, configuration
        throttles = failure_throttles(request, presented.header)
        throttled = any(throttle.exceeded() for throttle in throttles)
        for throttle in throttles:
            throttle.record_failure()
        if not address_known(address):
            # The same 403 a valid token gets from here: the caller learns nothing of it.
            raise exceptions.PermissionDenied(ADDRESS_REFUSED_DETAIL)
        if throttled:
            raise exceptions.Throttled(wait=settings.SCIM_AUTH_FAILURE_WINDOW)
        raise exceptions.AuthenticationFailed(AUTH_FAILED_DETAIL)

    def authenticate_header(self, request: Request) -> str:
        """Challenge sent with 401 (so DRF answers 401 rather than 403)."""
        return 'Bearer realm="scimbridge"'


class IsScimConfiguration(BasePermission):
    """Allows requests authenticated as a SCIM configuration."""

    def has_permission(self, request: Request, view: object) -> bool:
        """True when a configuration authenticated the request."""
        return isinstance(request.auth, ScimConfiguration)
