"""Every periodic job of Celery beat, with the settings that space them (seconds)."""

from __future__ import annotations

from typing import Any


def beat_schedule(
    *, auditlog_prune: int, last_login: int, drift_check: int, requeue_stale_runs: int
) -> dict[str, dict[str, Any]]:
    """`CELERY_BEAT_SCHEDULE`: entry name -> task and interval; a drift_check of 0 adds none."""
    schedule: dict[str, dict[str, Any]] = {
        # Audit-log entries past their retention (docs/audit-log.md).
        "auditlog-prune": {
            "task": "auditlog.tasks.prune_audit_log",
            "schedule": float(auditlog_prune),
        },
        # Last-login info of the directories that show it (Jira 11.3+; docs/sync.md).
        "provisioning-last-login": {
            "task": "provisioning.tasks.refresh_last_login",
            "schedule": float(last_login),
        },
        # Runs whose worker is gone go back to the queue (docs/sync.md, "Takeover").
        "provisioning-requeue-stale-runs": {
            "task": "provisioning.tasks.requeue_stale_runs",
            "schedule": float(requeue_stale_runs),
        },
        # Tokens and Basic passwords about to expire alert once a day (docs/security.md).
        "alerts-expiring-credentials": {
            "task": "alerts.tasks.check_expiring_credentials",
            "schedule": 86400.0,
        },
    }
    if drift_check > 0:  # the scheduled drift check is off by default (docs/go-live.md)
        schedule["provisioning-drift-check"] = {
            "task": "provisioning.tasks.scheduled_drift_check",
            "schedule": float(drift_check),
        }
    return schedule
