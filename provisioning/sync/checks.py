"""System checks: the broker's visibility timeout, the stale window and the keepalive agree."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks

from .runs import RETRY_MAX_SECONDS


@checks.register(checks.Tags.compatibility)
def check_takeover_windows(**kwargs: Any) -> list[checks.CheckMessage]:
    """A killed worker's run must be taken over by the message Redis hands out again."""
    found: list[checks.CheckMessage] = []
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("visibility_timeout", 3600)
    if visibility < settings.SYNC_STALE_SECONDS:
        found.append(
            checks.Error(
                f"CELERY_VISIBILITY_TIMEOUT ({visibility} s) is shorter than "
                f"SYNC_STALE_SECONDS ({settings.SYNC_STALE_SECONDS} s): a task redelivered "
                "after a worker was killed could find its run not yet stale and leave it.",
                hint="Raise CELERY_VISIBILITY_TIMEOUT or lower SYNC_STALE_SECONDS.",
                id="provisioning.E010",
            )
        )
    if visibility <= RETRY_MAX_SECONDS:
        found.append(
            checks.Warning(
                f"CELERY_VISIBILITY_TIMEOUT ({visibility} s) is not above the longest retry "
                f"back-off ({RETRY_MAX_SECONDS} s): Redis delivers such a retry twice.",
                id="provisioning.W011",
            )
        )
    if settings.SYNC_TAKEOVER_GRACE_SECONDS < 2 * settings.SYNC_HEARTBEAT_SECONDS:
        found.append(
            checks.Error(
                "SYNC_TAKEOVER_GRACE_SECONDS must be at least two SYNC_HEARTBEAT_SECONDS: "
                "one late heartbeat would hand a live worker's run to another task.",
                id="provisioning.E012",
            )
        )
    return found
