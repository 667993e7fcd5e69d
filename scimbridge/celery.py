"""Celery application: configured from Django settings (CELERY_*), tasks autodiscovered."""

import os
from pathlib import Path
from typing import Any

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "scimbridge.settings")

app = Celery("scimbridge")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _embedded_broker_folders(sender: Celery, **kwargs: Any) -> None:
    """Create the embedded broker's folders (owner-only) before anyone publishes or consumes.

    kombu's filesystem transport expects them to exist; the web processes, the worker and
    `manage.py` commands all come through here, so whichever starts first creates them.
    """
    conf = sender.conf
    if conf.task_always_eager or not str(conf.broker_url or "").startswith("filesystem:"):
        return
    options = conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "control_folder"):
        if options.get(key):
            folder = Path(options[key])
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            folder.parent.chmod(0o700)
