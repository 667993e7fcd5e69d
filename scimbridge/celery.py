"""Celery application: configured from Django settings (CELERY_*), tasks autodiscovered."""

import os
from pathlib import Path
from typing import Any

from celery import Celery
from celery.signals import worker_process_shutdown

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "scimbridge.settings")

app = Celery("scimbridge")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_process_shutdown.connect
def _metrics_process_dead(pid: int | None = None, **kwargs: Any) -> None:
    """Multiprocess metrics: a pool process that ends leaves no live gauge behind."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid or os.getpid())


@app.on_after_configure.connect
def _embedded_broker_folders(sender: Celery, **kwargs: Any) -> None:
    """Create the embedded broker's folders (owner-only) before anyone publishes or consumes.

    kombu's filesystem transport expects them to exist; the web processes, the worker and
    `manage.py` commands all come through here, so whichever starts first creates them.
    """
    conf = sender.conf
    if conf.task_always_eager or not str(conf.broker_url or "").startswith("filesystem:"):
        return
    from django.conf import settings

    # var/ first, owner-only: mkdir(parents=True) would give it the umask's mode.
    Path(settings.VAR_DIR).mkdir(mode=0o700, parents=True, exist_ok=True)
    options = conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "control_folder"):
        if options.get(key):
            folder = Path(options[key])
            folder.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            folder.mkdir(mode=0o700, exist_ok=True)
