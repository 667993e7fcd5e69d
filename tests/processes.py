"""Helpers for tests that run the product's own processes (Celery workers, gunicorn)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from urllib.parse import urlsplit

import pytest


def redis_reachable(url: str) -> bool:
    """Whether a Redis server answers TCP at the URL's host and port."""
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379), 2):
            return True
    except OSError:
        return False


def require_redis(url: str) -> None:
    """Skip the test without Redis; in CI (which starts Redis) fail instead."""
    if redis_reachable(url):
        return
    if os.environ.get("CI"):
        pytest.fail(f"Redis is not reachable at {url} in CI")
    pytest.skip(f"Redis is not reachable at {url}")


def stop(
    process: subprocess.Popen[bytes],
    *,
    sig: int = signal.SIGTERM,
    timeout: float = 20,
    ok: tuple[int, ...] = (0, -signal.SIGTERM),
) -> None:
    """Signal the process, wait for it (kill it past `timeout`), show its output if it failed."""
    process.send_signal(sig)
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
    if output and process.returncode not in ok:
        sys.stderr.write(output.decode(errors="replace")[-4000:])
