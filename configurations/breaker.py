"""The deprovisioning circuit breaker: a sliding-window limit per SCIM configuration.

A misconfigured IdP rule can deactivate thousands of Jira users in minutes. Every SCIM
write that deactivates or deletes users, or deletes groups, passes `breaker_consume` inside
its own transaction, after the SCIM tables are written and before Jira is called:

- the configuration's row is locked (`SELECT … FOR NO KEY UPDATE` on PostgreSQL; SQLite
  transactions here are IMMEDIATE, so one writer at a time anyway), so two processes can
  never both take the last slot;
- a paused configuration refuses at once; otherwise the events counted in the window
  (since the last resume) plus this write must stay within the limit;
- the write's events are inserted in the same transaction: a write that Jira refuses
  rolls back and counts nothing.

A refusal raises `DeprovisioningPaused`; the SCIM layer answers 503 and then records the
held request and the pause with `breaker_trip` in a transaction of its own (the write's
transaction has rolled back by then). Only an admin's `breaker_resume` lifts the pause.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from .breaker_models import DeprovisionEvent, DeprovisionKind, HeldRequest
from .models import ScimConfiguration


class DeprovisioningPaused(Exception):  # noqa: N818 - a state, raised as a refusal
    """Deprovisioning is paused for the configuration (or this write would pass the limit)."""

    def __init__(self, configuration: ScimConfiguration, kind: str, *, tripped: bool) -> None:
        """`tripped`: this write would have passed the limit (else: already paused)."""
        self.configuration_id = configuration.pk
        self.kind = kind
        self.tripped = tripped
        limit_users, limit_groups = effective_limits(configuration)
        limit = limit_users if kind == DeprovisionKind.USER else limit_groups
        what = "user deactivations/deletions" if kind == DeprovisionKind.USER else "group deletions"
        reason = (
            f"this request would pass the limit of {limit} {what} per "
            f"{configuration.deprovision_window_minutes} minutes"
            if tripped
            else "the limit was reached earlier"
        )
        super().__init__(
            f"Deprovisioning is paused for SCIM configuration {configuration.name!r}: "
            f"{reason}. Nothing was applied and the request is held; an administrator must "
            "review the held requests and resume deprovisioning (admin: SCIM configuration > "
            "Deprovisioning, or `manage.py scim_configuration resume "
            f"{configuration.name}`)."
        )


@dataclass(frozen=True)
class BreakerState:
    """What the admin page, the alerts and the metrics read of one configuration's breaker."""

    paused: bool
    paused_at: datetime | None
    window_minutes: int
    user_limit: int
    group_limit: int
    users_in_window: int
    groups_in_window: int
    raised_until: datetime | None
    held_requests: int


def effective_limits(
    configuration: ScimConfiguration, now: datetime | None = None
) -> tuple[int, int]:
    """The (user, group) limits in force: raised ones until they lapse; 0 means no limit."""
    now = now or timezone.now()
    users, groups = configuration.max_deprovisions, configuration.max_group_deletions
    until = configuration.raised_limits_until
    if until is not None and now < until:
        users = configuration.raised_max_deprovisions or users
        groups = configuration.raised_max_group_deletions or groups
    return users, groups


def _window_start(configuration: ScimConfiguration, now: datetime) -> datetime:
    start = now - timedelta(minutes=configuration.deprovision_window_minutes)
    reset = configuration.breaker_reset_at
    return max(start, reset) if reset is not None else start


def _counted(configuration: ScimConfiguration, kind: str, since: datetime) -> int:
    return DeprovisionEvent.objects.filter(
        configuration_id=configuration.pk, kind=kind, at__gt=since
    ).count()


def breaker_state(configuration: ScimConfiguration) -> BreakerState:
    """The breaker of this configuration as it stands (re-read from the database)."""
    configuration = ScimConfiguration.objects.get(pk=configuration.pk)
    now = timezone.now()
    since = _window_start(configuration, now)
    users, groups = effective_limits(configuration, now)
    until = configuration.raised_limits_until
    return BreakerState(
        paused=configuration.deprovisioning_paused_at is not None,
        paused_at=configuration.deprovisioning_paused_at,
        window_minutes=configuration.deprovision_window_minutes,
        user_limit=users,
        group_limit=groups,
        users_in_window=_counted(configuration, DeprovisionKind.USER, since),
        groups_in_window=_counted(configuration, DeprovisionKind.GROUP, since),
        raised_until=until if until is not None and until > now else None,
        held_requests=HeldRequest.objects.filter(
            configuration_id=configuration.pk, released_at__isnull=True
        ).count(),
    )


def breaker_consume(configuration_id: int, *, users: int = 0, groups: int = 0) -> None:
    """Count a write's deprovisionings, or raise `DeprovisioningPaused` (nothing counted).

    Must run inside the write's transaction (the lock and the events live and die with it).
    """
    if not users and not groups:
        return
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("breaker_consume must run inside the write's transaction.")
    configuration = (
        ScimConfiguration.objects.select_for_update(no_key=True).filter(pk=configuration_id).first()
    )
    if configuration is None:
        return
    kinds = [(DeprovisionKind.USER, users), (DeprovisionKind.GROUP, groups)]
    if configuration.deprovisioning_paused_at is not None:
        kind = next(kind for kind, count in kinds if count)
        raise DeprovisioningPaused(configuration, kind, tripped=False)
    now = timezone.now()
    since = _window_start(configuration, now)
    for (kind, count), limit in zip(kinds, effective_limits(configuration, now), strict=True):
        if count and limit and _counted(configuration, kind, since) + count > limit:
            raise DeprovisioningPaused(configuration, kind, tripped=True)
    DeprovisionEvent.objects.bulk_create(
        DeprovisionEvent(configuration_id=configuration.pk, kind=kind, at=now)
        for kind, count in kinds
        for _ in range(count)
    )
    # Events older than the window count for nothing any more.
    DeprovisionEvent.objects.filter(
        configuration_id=configuration.pk,
        at__lt=now - timedelta(minutes=configuration.deprovision_window_minutes),
    ).delete()


@dataclass(frozen=True)
class HeldRequestInfo:
    """What the SCIM layer knows of a refused request."""

    kind: str
    method: str
    path: str
    body: str
    client_address: str = ""
    credential: str = ""
    summary: str = ""


@transaction.atomic
def breaker_trip(configuration_id: int, held: HeldRequestInfo) -> bool:
    """Mark the configuration paused and record the held request; True if newly paused."""
    now = timezone.now()
    newly_paused = bool(
        ScimConfiguration.objects.filter(
            pk=configuration_id, deprovisioning_paused_at__isnull=True
        ).update(deprovisioning_paused_at=now)
    )
    fingerprint = hashlib.sha256(
        f"{held.method}\n{held.path}\n{held.body}".encode("utf-8", errors="replace")
    ).hexdigest()
    open_holds = HeldRequest.objects.filter(
        configuration_id=configuration_id, fingerprint=fingerprint, released_at__isnull=True
    )
    if not open_holds.update(attempts=F("attempts") + 1, last_attempt_at=now):
        try:
            with transaction.atomic():
                HeldRequest.objects.create(
                    configuration_id=configuration_id,
                    kind=held.kind,
                    method=held.method,
                    path=held.path[:500],
                    body=held.body[:20000],
                    fingerprint=fingerprint,
                    client_address=held.client_address[:64],
                    credential=held.credential[:200],
                    summary=held.summary[:300],
                    first_held_at=now,
                    last_attempt_at=now,
                )
        except IntegrityError:  # the same retry, concurrently
            open_holds.update(attempts=F("attempts") + 1, last_attempt_at=now)
    return newly_paused


@transaction.atomic
def breaker_resume(
    *,
    configuration: ScimConfiguration,
    max_deprovisions: int | None = None,
    max_group_deletions: int | None = None,
    for_minutes: int | None = None,
    released_by: str = "",
) -> int:
    """Lift the pause: the window counts from now, held requests are released.

    With `max_deprovisions`/`max_group_deletions` and `for_minutes`, those limits apply
    until then (e.g. to let an intended mass deprovisioning through). Returns the number of
    held requests released; the IdP's retries apply them.
    """
    now = timezone.now()
    configuration = ScimConfiguration.objects.select_for_update().get(pk=configuration.pk)
    configuration.deprovisioning_paused_at = None
    configuration.breaker_reset_at = now
    if for_minutes and (max_deprovisions is not None or max_group_deletions is not None):
        configuration.raised_max_deprovisions = max_deprovisions
        configuration.raised_max_group_deletions = max_group_deletions
        configuration.raised_limits_until = now + timedelta(minutes=for_minutes)
    configuration.save(
        update_fields=[
            "deprovisioning_paused_at",
            "breaker_reset_at",
            "raised_max_deprovisions",
            "raised_max_group_deletions",
            "raised_limits_until",
            "updated_at",
        ]
    )
    return HeldRequest.objects.filter(
        configuration_id=configuration.pk, released_at__isnull=True
    ).update(released_at=now, released_by=released_by[:150])
