"""Where Celery's autodiscovery looks for this app's tasks (``<app>.tasks``).

The tasks are those of the directory utilities, defined in provisioning/sync/tasks.py under
their historical names (``provisioning.tasks.execute_run``, ``...refresh_last_login``).
"""

from provisioning.sync.tasks import execute_run, refresh_last_login, scheduled_drift_check

__all__ = ["execute_run", "refresh_last_login", "scheduled_drift_check"]
