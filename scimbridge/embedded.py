"""The embedded default's supervisor: gunicorn, a Celery worker with beat, on one machine.

``scripts/start`` runs ``python -m scimbridge.embedded`` once migrations are done. It starts

* ``web``: gunicorn with deploy/gunicorn.conf.py (admin, SCIM API, /metrics);
* ``worker``: ``celery worker -B`` — utility runs and the beat jobs (audit-log pruning,
  last-login refresh, re-queue of runs whose worker is gone) on the embedded broker
  (settings.EMBEDDED_BROKER_URL, kombu's filesystem transport in var/broker/).

Ctrl-C (SIGINT) or SIGTERM stops both: SIGTERM to each, SIGKILL to whatever is still alive
after SCIMBRIDGE_STOP_TIMEOUT seconds. A child that exits on its own is reported with its
status and the other is stopped too; the supervisor then exits 1, so that systemd's
``Restart=on-failure`` (or the admin) starts the pair again rather than a half that serves
the admin while nothing runs the queued work. Each child is in a process group of its own
and dies with the supervisor (PR_SET_PDEATHSIG) even if the supervisor is SIGKILLed.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_PR_SET_PDEATHSIG = 1


@dataclass
class Child:
    """A supervised process: its name for messages, its command and, once started, itself."""

    name: str
    argv: list[str]
    process: subprocess.Popen[bytes] | None = None


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    # Not Linux: no prctl; the signal handlers of the supervisor still stop the children.
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def children(python: str = sys.executable) -> list[Child]:
    """The two processes of the embedded default, from the environment."""
    concurrency = os.environ.get("CELERY_CONCURRENCY") or "2"
    loglevel = os.environ.get("CELERY_LOG_LEVEL") or os.environ.get("LOG_LEVEL") or "INFO"
    return [
        Child("web (gunicorn)", [python, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py"]),
        Child(
            "worker (celery worker -B)",
            [
                *(python, "-m", "celery", "-A", "scimbridge", "worker", "--beat"),
                f"--concurrency={concurrency}",
                f"--loglevel={loglevel}",
                # One worker: no peers to synchronise with or to gossip to.
                *("--without-mingle", "--without-gossip"),
            ],
        ),
    ]


def reset_metrics_dir() -> None:
    """Empty PROMETHEUS_MULTIPROC_DIR: series of processes from an earlier start are stale."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not folder:
        return
    path = Path(folder)
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(mode=0o700, parents=True, exist_ok=True)


class Supervisor:
    """Starts the children, waits, and stops them all on a signal or the first exit."""

    def __init__(self, members: list[Child], *, stop_timeout: float) -> None:
        """Nothing started yet."""
        self.members = members
        self.stop_timeout = stop_timeout
        self.stopping = False

    def _say(self, text: str) -> None:
        sys.stderr.write(f"scimbridge: {text}\n")
        sys.stderr.flush()

    def _on_signal(self, signum: int, frame: object) -> None:
        if not self.stopping:
            self._say(f"{signal.Signals(signum).name} received; stopping web and worker")
        self.stopping = True

    def run(self) -> int:
        """Supervise until a signal (exit 0) or a child's own exit (exit 1)."""
        signal.signal(signal.SIGINT, self._on_signal)
        signal.signal(signal.SIGTERM, self._on_signal)
        for child in self.members:
            # The supervisor runs no thread, so preexec_fn is safe here.
            child.process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
                child.argv,
                cwd=ROOT,
                process_group=0,
                preexec_fn=_die_with_parent,  # noqa: PLW1509
            )
            self._say(f"{child.name} started (pid {child.process.pid})")
        status = 0
        while not self.stopping:
            for child in self.members:
                code = child.process.poll() if child.process else None
                if code is not None:
                    self._say(
                        f"{child.name} exited on its own with status {code}; "
                        "stopping the rest (see its output above)"
                    )
                    status, self.stopping = 1, True
                    break
            else:
                time.sleep(0.2)
        self.stop()
        return status

    def stop(self) -> None:
        """SIGTERM every live child, SIGKILL its group past the timeout."""
        live = [c for c in self.members if c.process and c.process.poll() is None]
        for child in live:
            with contextlib.suppress(ProcessLookupError):
                child.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + self.stop_timeout
        for child in live:
            try:
                child.process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self._say(f"{child.name} still running after {self.stop_timeout:g} s; killed")
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(child.process.pid, signal.SIGKILL)
                child.process.wait()
        # Pool children and gunicorn workers: nothing of the group may outlive the start.
        for child in self.members:
            if child.process:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(child.process.pid, signal.SIGKILL)
        self._say("stopped")


def main() -> int:
    """Entry point of ``python -m scimbridge.embedded``."""
    reset_metrics_dir()
    timeout = float(os.environ.get("SCIMBRIDGE_STOP_TIMEOUT") or 20)
    return Supervisor(children(), stop_timeout=timeout).run()


if __name__ == "__main__":
    sys.exit(main())
