"""The utility tasks keep their names and are found by Celery's autodiscovery alone."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from provisioning.sync.tasks import execute_run, refresh_last_login

ROOT = Path(__file__).resolve().parents[3]
# Names that queued messages and the beat schedule carry: renaming them loses work.
STABLE_NAMES = {"provisioning.tasks.execute_run", "provisioning.tasks.refresh_last_login"}

# A worker's start-up in a fresh interpreter; the admin is not autodiscovered there (it would
# import the tasks itself through the utilities page), so only Celery's discovery finds them.
SETTINGS = """
from scimbridge.settings_test import *  # noqa: F403
ADMIN_APPS = ("django.contrib.admin", "scimbridge.apps.ScimbridgeAdminConfig")
INSTALLED_APPS = [  # noqa: F405
    "django.contrib.admin.apps.SimpleAdminConfig" if app in ADMIN_APPS else app
    for app in INSTALLED_APPS  # noqa: F405
]
"""
DISCOVER = """
import json, sys, django
django.setup()
from scimbridge.celery import app
before = "provisioning.sync.tasks" in sys.modules
app.loader.import_default_modules()
print(json.dumps({"before": before, "tasks": sorted(app.tasks)}))
"""


class TestTaskNames:
    """Task names are an API: they must not follow the module the code lives in."""

    def test_names_are_the_historical_ones(self) -> None:
        assert {execute_run.name, refresh_last_login.name} == STABLE_NAMES

    def test_beat_schedule_names_the_last_login_task(self) -> None:
        entry = settings.CELERY_BEAT_SCHEDULE["provisioning-last-login"]
        assert entry["task"] == refresh_last_login.name

    def test_autodiscovery_registers_them(self, tmp_path: Path) -> None:
        (tmp_path / "discovery_settings.py").write_text(SETTINGS)
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "discovery_settings",
            "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)]),
        }
        result = subprocess.run(  # noqa: S603 - our own interpreter and script
            [sys.executable, "-c", DISCOVER],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        found = json.loads(result.stdout.strip().splitlines()[-1])
        assert not found["before"], "the tasks were imported before discovery ran"
        assert set(found["tasks"]) >= STABLE_NAMES
        assert "auditlog.tasks.prune_audit_log" in found["tasks"]
