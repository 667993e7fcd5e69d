"""requirements.txt alone runs every documented deployment: web, Celery worker and beat on Redis."""

from __future__ import annotations

import os
import re
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from celery import Celery

from tests import requirements_only
from tests.processes import require_redis, stop

ROOT = requirements_only.ROOT
# db 14: this suite's own Redis database (the sync worker test uses 15).
REDIS_URL = os.environ.get("REDIS_DEPS_URL", "redis://127.0.0.1:6379/14")

# What the documented processes import (docs/deployment.md): gunicorn's gthread worker, the
# project on PostgreSQL with the Redis cache, Celery worker and beat on the Redis broker.
IMPORT_EVERYTHING = """
import importlib
import django
django.setup()
import scimbridge.wsgi
for name in ("gunicorn.app.wsgiapp", "gunicorn.workers.gthread", "celery.apps.worker",
             "celery.apps.beat", "celery.bin.celery", "kombu.transport.redis",
             "celery.backends.redis"):
    importlib.import_module(name)
from django.core.cache import caches
from django.db import connections
caches["default"]  # django.core.cache.backends.redis imports redis
connections["default"].Database  # psycopg
from scimbridge.celery import app
app.loader.import_default_modules()
app.connection_for_write().transport  # the broker's transport class, without connecting
"""


class TestRequirementsOnly:
    """The processes start with only what requirements.txt installs importable."""

    def test_the_harness_hides_dev_only_packages(self) -> None:
        """pytest and hypothesis are hidden; kombu's Redis transport dependency is not."""
        blocked = set(requirements_only.blocked_modules())
        assert {"pytest", "hypothesis", "factory"} <= blocked
        assert not {"django", "celery", "kombu", "redis", "packaging", "gunicorn"} & blocked

    def test_web_worker_and_beat_import(self, tmp_path: Path) -> None:
        env = requirements_only.environment(
            DJANGO_SETTINGS_MODULE="scimbridge.settings",
            SECRET_KEY="dependency-check",
            DEBUG="false",
            DATABASE_URL="postgres://scimbridge@127.0.0.1:5432/scimbridge",
            CACHE_URL=REDIS_URL,
            CELERY_BROKER_URL=REDIS_URL,
            CELERY_RESULT_BACKEND=REDIS_URL,
            SCIMBRIDGE_VAR_DIR=str(tmp_path),
        )
        script = tmp_path / "import_everything.py"
        script.write_text(IMPORT_EVERYTHING)
        result = subprocess.run(  # noqa: S603 - our own interpreter and script
            requirements_only.command(str(script)),
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stderr[-3000:]

    def test_requirements_are_pinned(self) -> None:
        """Every runtime requirement is pinned: a clean install is the tested install."""
        for req in requirements_only.requirements(ROOT / "requirements.txt"):
            assert re.fullmatch(r"==[\w.]+", str(req.specifier)), req


@pytest.fixture
def redis_worker(tmp_path: Path) -> Iterator[str]:
    """`celery -A scimbridge worker` on Redis db 14, requirements.txt only, on its own queue."""
    require_redis(REDIS_URL)
    queue = f"scimbridge-deps-test-{uuid.uuid4().hex[:8]}"
    env = requirements_only.environment(
        DJANGO_SETTINGS_MODULE="scimbridge.settings_test",
        CELERY_BROKER_URL=REDIS_URL,
        CELERY_RESULT_BACKEND=REDIS_URL,
        DATABASE_URL=f"sqlite:///{tmp_path / 'worker.sqlite3'}",
    )
    worker = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        requirements_only.command(
            "celery", "-A", "scimbridge", "worker", "--pool=solo", "--without-mingle",
            "--without-gossip", "--without-heartbeat", "--loglevel=WARNING",
            "-Q", queue, "-n", f"{queue}@%h",
        ),
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        yield queue
    finally:
        stop(worker, timeout=15)


@pytest.mark.redis
def test_worker_on_redis_runs_a_task(redis_worker: str) -> None:
    """The worker starts on the Redis broker and executes a task sent to it."""
    producer = Celery(
        "scimbridge-deps-producer", broker=REDIS_URL, backend=REDIS_URL, set_as_current=False
    )
    token = uuid.uuid4().hex
    try:
        # celery.accumulate is Celery's built-in identity task: it needs nothing of ours.
        result = producer.send_task("celery.accumulate", args=[token], queue=redis_worker)
        assert result.get(timeout=15) == [token]
    finally:
        producer.close()
