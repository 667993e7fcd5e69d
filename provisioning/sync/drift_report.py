"""Reading drift runs: counts per kind, the differences filtered, as JSON or CSV rows."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from configurations.models import Directory

from .drift_models import DriftItem
from .models import SyncRun

CSV_HEADER = (
    "kind", "object_type", "object", "attribute", "scim_value", "jira_value", "jira_key", "detail",
)
CHECK_KINDS = (SyncRun.Kind.DRIFT, SyncRun.Kind.RECONCILE)


def latest_check(directory: Directory, *, finished: bool = True) -> SyncRun | None:
    """The directory's latest drift check (a reconcile checks drift first, and counts too)."""
    runs = SyncRun.objects.filter(directory=directory, kind__in=CHECK_KINDS)
    if finished:
        runs = runs.filter(status=SyncRun.Status.SUCCEEDED)
    return runs.order_by("-created_at", "-id").first()


def drift_counts(run: SyncRun) -> dict[str, int]:
    """Differences per kind, every kind present (zeros included), in display order."""
    stored = (run.counters or {}).get("drift") or {}
    return {kind: int(stored.get(kind) or 0) for kind in DriftItem.Kind.values}


def seconds(run: SyncRun) -> float | None:
    """How long the run took (None while it runs)."""
    if run.started_at is None or run.finished_at is None:
        return None
    return round((run.finished_at - run.started_at).total_seconds(), 3)


def differences(
    run: SyncRun, *, kind: str = "", object_type: str = "", query: str = ""
) -> QuerySet[DriftItem]:
    """The run's differences, filtered by kind, object type and a search in names and values."""
    items = DriftItem.objects.filter(run=run)
    if kind:
        items = items.filter(kind=kind)
    if object_type:
        items = items.filter(object_type=object_type)
    if query:
        items = items.filter(
            Q(object_name__icontains=query)
            | Q(scim_value__icontains=query)
            | Q(jira_value__icontains=query)
        )
    return items.order_by("id")


def item_row(item: DriftItem) -> tuple[str, ...]:
    """One difference as a CSV row (CSV_HEADER's order)."""
    return (
        item.kind, item.object_type, item.object_name, item.attribute, item.scim_value,
        item.jira_value, item.jira_key, item.detail,
    )


def item_json(item: DriftItem) -> dict[str, Any]:
    """One difference for `manage.py drift --json`."""
    return dict(zip(("kind", "object_type", "object", "attribute", "scim_value", "jira_value",
                     "jira_key", "detail"), item_row(item), strict=True))


def summary(run: SyncRun) -> dict[str, Any]:
    """Counts, when, how long: for the CLI's JSON, the admin and /healthz."""
    counts = drift_counts(run)
    return {
        "run": run.pk,
        "directory": run.directory.name,
        "status": run.status,
        "measured_at": run.finished_at.isoformat() if run.finished_at else None,
        "seconds": seconds(run),
        "total": sum(counts.values()),
        "counts": counts,
    }
