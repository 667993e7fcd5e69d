"""scripts/start as a real process: web and worker, a sync in the background, Ctrl-C stops all.

The script runs exactly as an admin runs it, on a var/ folder of its own and a free port;
the fake Jira serves over HTTP from this process and answers user pages slowly, so that the
sync takes seconds while the button's request must come back at once.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import stat
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests

from tests.fakejira import FakeJira
from tests.processes import stop

ROOT = Path(__file__).resolve().parent.parent
START = ROOT / "scripts" / "start"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Started:
    """A running scripts/start: its process, URL, var folder and environment."""

    def __init__(self, tmp: Path) -> None:
        """Start the script; nothing waited for yet."""
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.var = tmp / "var"
        self.log = tmp / "start.log"
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_"))},
            "BIND": f"127.0.0.1:{self.port}",
            "SCIMBRIDGE_VAR_DIR": str(self.var),
            "STATIC_ROOT": str(tmp / "static"),
            "DATABASE_URL": f"sqlite:///{self.var / 'scimbridge.sqlite3'}",
            "WEB_CONCURRENCY": "1",
            "CELERY_CONCURRENCY": "1",
            "GUNICORN_ACCESS_LOG": "",
            "SYNC_PAGE_SIZE": "50",
            "SCIMBRIDGE_STOP_TIMEOUT": "10",
        }
        self.process = subprocess.Popen(  # noqa: S603 - our own script
            [str(START)],
            cwd=ROOT,
            env=self.env,
            stdout=self.log.open("wb"),
            stderr=subprocess.STDOUT,
        )

    def output(self) -> str:
        """Everything the script and its children printed so far."""
        return self.log.read_text(errors="replace")

    def wait_ready(self, timeout: float = 90) -> None:
        """Until the web answers /healthz and the worker says it is ready."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"scripts/start exited {self.process.returncode}:\n{self.output()}")
            try:
                web = requests.get(f"{self.url}/healthz", timeout=10).status_code == 200
            except requests.RequestException:  # not listening yet, or still loading
                web = False
            if web and " ready." in self.output():
                return
            time.sleep(0.2)
        pytest.fail(f"scripts/start not ready after {timeout} s:\n{self.output()[-4000:]}")

    def manage(self, *args: str) -> str:
        """A management command against the started server's database."""
        return subprocess.run(  # noqa: S603 - our own interpreter and arguments
            [str(ROOT / ".venv" / "bin" / "python"), "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout

    def child_pids(self) -> list[int]:
        """The supervised children's pids, as the supervisor printed them."""
        return [int(pid) for pid in re.findall(r"started \(pid (\d+)\)", self.output())]


@pytest.fixture
def started(tmp_path: Path) -> Iterator[Started]:
    """scripts/start running; stopped (and its children with it) after the test."""
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        # The embedded default is SQLite whatever the suite runs on: once per CI run is enough.
        pytest.skip("scripts/start runs the embedded default (SQLite): tested in the SQLite run")
    server = Started(tmp_path)
    try:
        yield server
    finally:
        if server.process.poll() is None:
            stop(server.process, sig=signal.SIGINT, timeout=30, ok=(0,))


def _login(server: Started) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{server.url}/admin/login/", timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    password = (server.var / "admin-password").read_text().strip()
    answer = session.post(
        f"{server.url}/admin/login/?next=/admin/",
        data={"csrfmiddlewaretoken": token, "username": "admin", "password": password},
        headers={"Referer": f"{server.url}/admin/login/"},
        timeout=10,
    )
    assert answer.status_code == 200
    assert "Log out" in answer.text, answer.text[:500]
    return session


def _group_members(pgid: int) -> list[str]:
    """Live (not zombie) processes of the process group, as "pid command"."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended meanwhile
        state, group = fields[0], int(fields[2])
        if group == pgid and state != "Z":
            found.append(f"{proc.name} {(proc / 'cmdline').read_bytes()[:120]!r}")
    return found


def test_start_runs_a_sync_in_the_background_and_ctrl_c_stops_everything(
    started: Started, fake_jira_factory: Callable[..., FakeJira], tmp_path: Path
) -> None:
    """The button answers at once; the worker completes the run; SIGINT stops every child."""
    fake = fake_jira_factory("10.3.2")
    fake.seed_users(150, groups=["jira-software-users"])
    # 3 user pages of 50 at 1 s each: the run outlasts the button's request by far.
    fake.delay("GET", "/rest/api/2/user/list", 1.0)
    token_file = tmp_path / "pat"
    token_file.write_text("admin-pat")
    started.wait_ready()
    started.manage(
        *("scim_configuration", "create", "--name", "okta", "--jira-url", fake.base_url),
        *("--jira-token-file", str(token_file)),
    )
    session = _login(started)
    utilities = f"{started.url}/admin/provisioning/syncrun/utilities/"
    page = session.get(utilities, timeout=10)
    action = re.search(r'action="(/admin/provisioning/syncrun/utilities/\d+/sync/)"', page.text)
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)

    begun = time.monotonic()
    answer = session.post(
        started.url + action.group(1),
        data={"csrfmiddlewaretoken": csrf},
        headers={"Referer": utilities},
        timeout=30,
    )
    answered = time.monotonic() - begun
    assert answer.status_code == 200
    run_id = re.search(r"\?run=(\d+)", answer.url).group(1)
    # The page the button lands on already carries the run's statistics block, open.
    assert re.search(rf'<details class="statistics" data-run="{run_id}" open>', answer.text)
    status_url = f"{started.url}/admin/provisioning/syncrun/{run_id}/status.json"
    first = session.get(status_url, timeout=10).json()
    assert first["active"], f"the run finished inside the request ({answered:.1f} s)"
    assert answered < 2.5

    deadline = time.monotonic() + 30
    status = first
    while status["active"] and time.monotonic() < deadline:
        time.sleep(0.3)
        status = session.get(status_url, timeout=10).json()
    assert status["status"] == "succeeded", status
    assert status["counters"]["users"]["seen"] >= 150
    assert "No hostname was supplied" not in started.output()
    # The worker's series reach the web's /metrics (one PROMETHEUS_MULTIPROC_DIR in var/).
    metrics = requests.get(f"{started.url}/metrics", timeout=10).text
    assert 'scimbridge_utility_runs_total{kind="sync",status="succeeded"} 1.0' in metrics
    assert 'scimbridge_jira_calls_total{method="GET"' in metrics

    children = started.child_pids()
    assert len(children) == 2
    stop(started.process, sig=signal.SIGINT, timeout=30, ok=(0,))
    assert started.process.returncode == 0, started.output()[-3000:]
    left = [member for pid in children for member in _group_members(pid)]
    assert not left, f"outlived the start: {left}"
    # Everything scripts/start created is the owner's alone.
    for path in [started.var, *started.var.rglob("*")]:
        if path.is_symlink():
            continue
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode & 0o077 == 0, f"{path} is {oct(mode)}"
