"""The embedded default's supervisor and broker, without starting the product."""

from __future__ import annotations

import logging
import signal
import stat
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from kombu import Connection

from scimbridge.embedded import Child, Supervisor


def _sleeper(name: str) -> Child:
    return Child(name, [sys.executable, "-c", "import time; time.sleep(60)"])


class TestSupervisor:
    """Crash of one child stops the others (exit 1); a signal stops all (exit 0)."""

    def test_a_child_that_exits_is_reported_and_the_other_stopped(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """The worker dies with status 3: the web is stopped, the supervisor exits 1."""
        web = _sleeper("web")
        worker = Child("worker", [sys.executable, "-c", "import sys; sys.exit(3)"])
        begun = time.monotonic()
        status = Supervisor([web, worker], stop_timeout=5).run()
        assert status == 1
        assert web.process.returncode == -signal.SIGTERM
        assert time.monotonic() - begun < 5
        assert "worker exited on its own with status 3" in capsys.readouterr().err

    def test_sigterm_stops_every_child(self) -> None:
        """A signal to the supervisor: every child gets SIGTERM, the supervisor exits 0."""
        members = [_sleeper("web"), _sleeper("worker")]
        supervisor = Supervisor(members, stop_timeout=5)
        threading.Timer(0.5, supervisor._on_signal, args=(signal.SIGTERM, None)).start()
        assert supervisor.run() == 0
        assert [m.process.returncode for m in members] == [-signal.SIGTERM] * 2

    def test_a_child_deaf_to_sigterm_is_killed_past_the_timeout(self, tmp_path: Path) -> None:
        """SIGKILL after the stop timeout, whatever the child does with SIGTERM."""
        ready = tmp_path / "ready"
        code = (
            "import pathlib, signal, sys, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
            "pathlib.Path(sys.argv[1]).touch(); time.sleep(60)"
        )
        deaf = Child("deaf", [sys.executable, "-c", code, str(ready)])
        supervisor = Supervisor([deaf], stop_timeout=1)

        def interrupt_once_deaf() -> None:
            deadline = time.monotonic() + 30
            while not ready.exists() and time.monotonic() < deadline:
                time.sleep(0.05)
            supervisor._on_signal(signal.SIGINT, None)

        threading.Thread(target=interrupt_once_deaf).start()
        assert supervisor.run() == 0
        assert deaf.process.returncode == -signal.SIGKILL


def test_embedded_broker_url_names_a_host(caplog: pytest.LogCaptureFixture) -> None:
    """No "No hostname was supplied" warning on each connection to the embedded broker."""
    with caplog.at_level(logging.WARNING, logger="kombu.connection"):
        Connection(settings.EMBEDDED_BROKER_URL).info()
    assert "No hostname" not in caplog.text
    with caplog.at_level(logging.WARNING, logger="kombu.connection"):
        Connection("filesystem://").info()
    assert "No hostname" in caplog.text  # the warning the host in the URL avoids


def test_embedded_broker_folders_are_created_owner_only(tmp_path: Path, settings: Any) -> None:
    """var/ and the broker's folders, 0700, before anyone publishes (umask notwithstanding)."""
    from types import SimpleNamespace

    from scimbridge.celery import _embedded_broker_folders

    settings.VAR_DIR = str(tmp_path / "var")
    broker = tmp_path / "var" / "broker"
    conf = SimpleNamespace(
        task_always_eager=False,
        broker_url=settings.EMBEDDED_BROKER_URL,
        broker_transport_options={
            "data_folder_in": str(broker / "queue"),
            "data_folder_out": str(broker / "queue"),
            "control_folder": str(broker / "control"),
        },
    )
    _embedded_broker_folders(SimpleNamespace(conf=conf))
    for folder in (tmp_path / "var", broker, broker / "queue", broker / "control"):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
