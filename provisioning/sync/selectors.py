"""Reads for the utilities page: directories with their latest runs, a run as JSON."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils import formats, timezone

from configurations.models import Directory

from .last_login import LastLoginSupport, site_last_login_support
from .models import ScimCustomization, SyncRun
from .runs import COUNTER_NAMES, OBJECT_TYPES


@dataclass(frozen=True)
class DirectoryRow:
    """A directory on the utilities page: its last run of each kind and its customization."""

    directory: Directory
    last_sync: SyncRun | None
    active: SyncRun | None
    last_runs: list[SyncRun]
    show_last_login: bool
    last_login: LastLoginSupport | None = None


def utilities_rows() -> list[DirectoryRow]:
    """Every directory with its latest runs (a query per directory: directories are few)."""
    shown = set(
        ScimCustomization.objects.filter(show_last_login=True).values_list(
            "directory_id", flat=True
        )
    )
    rows = []
    support: dict[int, LastLoginSupport] = {}
    for directory in Directory.objects.select_related("jira_site").order_by("name"):
        site = directory.jira_site
        if site.pk not in support:
            support[site.pk] = site_last_login_support(site)
        runs = list(SyncRun.objects.filter(directory=directory).order_by("-created_at", "-id")[:5])
        rows.append(
            DirectoryRow(
                directory=directory,
                last_sync=next((r for r in runs if r.kind == SyncRun.Kind.SYNC), None),
                active=next((r for r in runs if r.is_active), None),
                last_runs=runs,
                show_last_login=directory.pk in shown,
                last_login=support[site.pk],
            )
        )
    return rows


def run_status(run: SyncRun) -> dict[str, Any]:
    """What the statistics block polls: status, phase, times, counters, latest errors."""
    counters = run.counters or {}
    return {
        "id": run.pk,
        "directory": run.directory.name,
        "kind": run.kind,
        "kind_label": run.get_kind_display(),
        "status": run.status,
        "status_label": run.get_status_display(),
        "active": run.is_active,
        "phase": run.phase,
        "message": run.message,
        "created_at": run.created_at.isoformat(),
        "started_at": run.started_at.isoformat() if run.started_at else None,
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "heartbeat_at": run.heartbeat_at.isoformat() if run.heartbeat_at else None,
        # The admin's one date format (local time with seconds), for the statistics block.
        "started_display": _moment(run.started_at),
        "finished_display": _moment(run.finished_at),
        "counter_names": list(COUNTER_NAMES),
        "counters": {
            kind: {name: int((counters.get(kind) or {}).get(name, 0)) for name in COUNTER_NAMES}
            for kind in OBJECT_TYPES
        },
        "error_count": run.errors.count(),
        "errors": [
            {"object_type": e.object_type, "object_name": e.object_name, "message": e.message}
            for e in run.errors.order_by("-id")[:20]
        ],
    }


def _moment(value: Any) -> str:
    """A moment as the admin shows it everywhere (scimbridge/formats), "—" for none."""
    if value is None:
        return "—"
    return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")
