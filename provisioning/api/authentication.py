"""SCIM API authentication: bearer token or Basic auth resolving a ScimConfiguration."""

from __future__ import annotations

import base64
import binascii

from django.conf import settings
from django.core.cache import cache
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from configurations.models import ScimConfiguration
from configurations.selectors import scim_configuration_by_basic, scim_configuration_by_token
from configurations.services import scim_configuration_touch

from .exceptions import AUTH_FAILED_DETAIL


def client_address(request: Request) -> str:
    """The client's address, honouring REST_FRAMEWORK NUM_PROXIES behind a load balancer."""
    return BaseThrottle().get_ident(request)


class AuthFailureThrottle:
    """Counts failed authentications per client address in a fixed window (shared cache)."""

    def __init__(self, address: str) -> None:
        self.key = f"scim-auth-failures:{address}"
        self.limit = settings.SCIM_AUTH_FAILURE_LIMIT
        self.window = settings.SCIM_AUTH_FAILURE_WINDOW

    def check(self) -> None:
        """Raise Throttled when this address has failed too often in the current window."""
        if (cache.get(self.key) or 0) >= self.limit:
            raise exceptions.Throttled(wait=self.window)

    def record_failure(self) -> None:
        """Count one failed attempt; the window starts with the first failure."""
        if not cache.add(self.key, 1, timeout=self.window):
            try:
                cache.incr(self.key)
            except ValueError:  # expired between add and incr
                cache.add(self.key, 1, timeout=self.window)


class ScimAuthentication(BaseAuthentication):
    """Authenticates an IdP by its configuration's bearer token or Basic credentials.

    Every failure answers the same 401, so that a caller cannot tell whether the token,
    the username, the password or the configuration's state was wrong.
    """

    def authenticate(self, request: Request) -> tuple[ScimConfiguration, ScimConfiguration]:
        """Return (configuration, configuration) or raise AuthenticationFailed/Throttled."""
        throttle = AuthFailureThrottle(client_address(request))
        throttle.check()
        configuration = self._resolve(get_authorization_header(request))
        if configuration is None:
            throttle.record_failure()
            raise exceptions.AuthenticationFailed(AUTH_FAILED_DETAIL)
        scim_configuration_touch(configuration=configuration)
        return configuration, configuration

    @staticmethod
    def _resolve(header: bytes) -> ScimConfiguration | None:
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

    def authenticate_header(self, request: Request) -> str:
        """Challenge sent with 401 (so DRF answers 401 rather than 403)."""
        return 'Bearer realm="scimbridge"'


class IsScimConfiguration(BasePermission):
    """Allows requests authenticated as a SCIM configuration."""

    def has_permission(self, request: Request, view: object) -> bool:
        """True when a configuration authenticated the request."""
        return isinstance(request.auth, ScimConfiguration)
