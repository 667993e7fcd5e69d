"""Credential life cycle: expiry of tokens and Basic passwords, rotation grace periods.

Each configuration holds a current token (and Basic password) with an optional expiry, and
after a rotation the previous ones with the end of their grace period. A credential past
its expiry authenticates nothing (401, like a wrong one). `expiring_credentials` is what
the admin list, `/healthz` (staff) and the alerts read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from .models import ScimConfiguration

# Rotation keeps the old credentials valid this long unless told otherwise.
DEFAULT_GRACE = timedelta(hours=24)
# Credentials expiring within this many days are reported.
EXPIRY_WARNING_DAYS = 14


def is_live(expires_at: datetime | None, now: datetime | None = None) -> bool:
    """Whether a credential with this expiry still authenticates (None: no expiry)."""
    return expires_at is None or (now or timezone.now()) < expires_at


@dataclass(frozen=True)
class ExpiringCredential:
    """One credential that stops working soon (or has stopped)."""

    configuration_id: int
    configuration: str
    credential: str  # "token", "previous token", "Basic password", "previous Basic password"
    prefix: str
    expires_at: datetime

    @property
    def expired(self) -> bool:
        """Whether it already stopped working."""
        return not is_live(self.expires_at)

    def as_dict(self) -> dict[str, object]:
        """For JSON (health check)."""
        return {
            "configuration": self.configuration,
            "credential": self.credential,
            "prefix": self.prefix,
            "expires_at": self.expires_at.isoformat(),
            "expired": self.expired,
        }


def expiring_credentials(days: int = EXPIRY_WARNING_DAYS) -> list[ExpiringCredential]:
    """Credentials of enabled configurations expiring within `days` (not yet expired).

    A previous credential in its rotation grace period is listed too: its expiry is when
    the IdP must have switched to the new one.
    """
    now = timezone.now()
    horizon = now + timedelta(days=days)
    window = {"gt": now, "lte": horizon}
    fields = {
        "token": "token_expires_at",
        "previous token": "previous_token_expires_at",
        "Basic password": "basic_password_expires_at",
        "previous Basic password": "previous_basic_password_expires_at",
    }
    condition = Q()
    for field in fields.values():
        condition |= Q(**{f"{field}__{op}": value for op, value in window.items()})
    found: list[ExpiringCredential] = []
    for configuration in ScimConfiguration.objects.filter(condition, enabled=True):
        for label, field in fields.items():
            expires = getattr(configuration, field)
            if expires is None or not now < expires <= horizon:
                continue
            if "Basic" in label and not configuration.uses_basic_auth:
                continue
            prefix = (
                configuration.previous_token_prefix
                if label == "previous token"
                else configuration.token_prefix
                if label == "token"
                else configuration.basic_auth_username
            )
            found.append(
                ExpiringCredential(configuration.pk, configuration.name, label, prefix, expires)
            )
    return sorted(found, key=lambda item: item.expires_at)
