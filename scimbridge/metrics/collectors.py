"""Gauges read from the database at scrape time: one function per gauge, listed in GAUGES.

Each function returns the metric families of one gauge. They read the database, not process
memory, so every web process answers the same, however many run. To add a gauge, write one
more function and add it to GAUGES. A function that fails is logged, reported as
scimbridge_metrics_collector_up 0 and skipped, so one broken gauge never costs the others.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator

from django.db import connection
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from auditlog.models import AuditEntry
from auditlog.selectors import audit_settings_get
from configurations.breaker import breaker_state
from configurations.lifetime import expiring_credentials
from configurations.models import ScimConfiguration
from provisioning.sync.models import SyncRun

logger = logging.getLogger("scimbridge.metrics")

Gauge = Callable[[], Iterable[GaugeMetricFamily]]


def audit_log_enabled() -> Iterable[GaugeMetricFamily]:
    """1 while the audit log records SCIM requests, else 0."""
    family = GaugeMetricFamily(
        "scimbridge_audit_log_enabled", "1 while the audit log records SCIM requests."
    )
    family.add_metric([], 1 if audit_settings_get().enabled else 0)
    return [family]


def audit_log_size() -> Iterable[GaugeMetricFamily]:
    """Rows of the audit log (PostgreSQL: the planner's estimate, and bytes on disk)."""
    rows = GaugeMetricFamily(
        "scimbridge_audit_log_entries",
        "Entries in the audit log table (an estimate on PostgreSQL, refreshed by ANALYZE).",
    )
    families = [rows]
    table = AuditEntry._meta.db_table
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT greatest(reltuples, 0)::bigint, pg_total_relation_size(oid) "
                "FROM pg_class WHERE oid = to_regclass(%s)",
                [table],
            )
            estimate, size = cursor.fetchone() or (0, 0)
        rows.add_metric([], estimate)
        disk = GaugeMetricFamily(
            "scimbridge_audit_log_bytes", "Bytes the audit log table uses, indexes included."
        )
        disk.add_metric([], size)
        families.append(disk)
    else:
        rows.add_metric([], AuditEntry.objects.count())
    return families


def utility_runs_active() -> Iterable[GaugeMetricFamily]:
    """Queued and running utility runs, and how long since each last showed life."""
    active = GaugeMetricFamily(
        "scimbridge_utility_runs_active",
        "Utility runs queued or running.",
        labels=["kind", "status"],
    )
    silent = GaugeMetricFamily(
        "scimbridge_utility_run_silent_seconds",
        "Seconds since an active run's last heartbeat (queued: since it was queued).",
        labels=["kind", "status", "directory"],
    )
    now = timezone.now()
    counts: dict[tuple[str, str], int] = {}
    runs = SyncRun.objects.filter(status__in=SyncRun.ACTIVE_STATUSES).select_related("directory")
    for run in runs:
        counts[(run.kind, run.status)] = counts.get((run.kind, run.status), 0) + 1
        since = run.heartbeat_at or run.started_at or run.created_at
        silent.add_metric([run.kind, run.status, run.directory.name], (now - since).total_seconds())
    for kind in SyncRun.Kind.values:
        for status in SyncRun.ACTIVE_STATUSES:
            active.add_metric([kind, status], counts.get((kind, status), 0))
    return [active, silent]


def deprovisioning_breaker() -> Iterable[GaugeMetricFamily]:
    """Each enabled configuration's deprovisioning circuit breaker (configurations/breaker.py)."""
    paused = GaugeMetricFamily(
        "scimbridge_deprovisioning_paused",
        "1 while deprovisioning of the configuration is paused by its circuit breaker.",
        labels=["configuration"],
    )
    held = GaugeMetricFamily(
        "scimbridge_deprovisioning_held_requests",
        "Deprovisioning requests held while paused, not yet released.",
        labels=["configuration"],
    )
    counted = GaugeMetricFamily(
        "scimbridge_deprovisions_in_window",
        "Deprovisionings counted in the breaker's sliding window, by kind (user, group).",
        labels=["configuration", "kind"],
    )
    limit = GaugeMetricFamily(
        "scimbridge_deprovision_limit",
        "The breaker's limit per window, by kind (0: no limit).",
        labels=["configuration", "kind"],
    )
    for configuration in ScimConfiguration.objects.filter(enabled=True).order_by("name"):
        state = breaker_state(configuration)
        name = configuration.name
        paused.add_metric([name], 1 if state.paused else 0)
        held.add_metric([name], state.held_requests)
        counted.add_metric([name, "user"], state.users_in_window)
        counted.add_metric([name, "group"], state.groups_in_window)
        limit.add_metric([name, "user"], state.user_limit)
        limit.add_metric([name, "group"], state.group_limit)
    return [paused, held, counted, limit]


def credential_expiry() -> Iterable[GaugeMetricFamily]:
    """Seconds until each expiring token or Basic password of an enabled configuration ends."""
    family = GaugeMetricFamily(
        "scimbridge_credential_expires_in_seconds",
        "Seconds until a token or Basic password stops working (only credentials with an "
        "expiry or in a rotation's grace period).",
        labels=["configuration", "credential"],
    )
    now = timezone.now()
    for item in expiring_credentials(days=36500):
        family.add_metric(
            [item.configuration, item.credential], (item.expires_at - now).total_seconds()
        )
    return [family]


GAUGES: list[Gauge] = [
    audit_log_enabled,
    audit_log_size,
    utility_runs_active,
    deprovisioning_breaker,
    credential_expiry,
]


class DatabaseCollector(Collector):
    """Runs every gauge function at each scrape."""

    def __init__(self, gauges: Iterable[Gauge] | None = None) -> None:
        """The gauges to run (all of GAUGES by default)."""
        self.gauges = list(GAUGES if gauges is None else gauges)

    def collect(self) -> Iterator[GaugeMetricFamily]:
        """Each gauge's families, then whether each gauge could be read."""
        up = GaugeMetricFamily(
            "scimbridge_metrics_collector_up",
            "1 when the gauge could be read at this scrape, 0 when it failed (see the log).",
            labels=["collector"],
        )
        for gauge in self.gauges:
            try:
                families = list(gauge())
            except Exception:  # a broken gauge must not fail the scrape
                logger.exception("Metrics: gauge %s failed", gauge.__name__)
                up.add_metric([gauge.__name__], 0)
                continue
            up.add_metric([gauge.__name__], 1)
            yield from families
        yield up
