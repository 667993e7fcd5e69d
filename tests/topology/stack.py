"""The processes of the topology: nginx, two gunicorn, two Celery workers, beat, a fake Jira.

Each process runs in a session of its own (so a whole worker can be SIGKILLed) with the
environment docs/deployment.md gives it; output goes to one log file per process.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import redis
import requests

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable

NGINX_CONF = """\
# The load balancer of docs/deployment.md, with paths of a scratch folder (non-root friendly).
{user}daemon off;
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/nginx-error.log warn;
events {{ worker_connections 512; }}
http {{
    access_log {dir}/nginx-access.log;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    upstream scimbridge {{
{servers}
        keepalive 32;
    }}
    server {{
        listen 127.0.0.1:{port};
        client_max_body_size 2m;
        location / {{
            proxy_pass http://scimbridge;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_read_timeout 120s;
            proxy_next_upstream error timeout;
        }}
    }}
}}
"""


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Stack:
    """Everything started, in start order; stopped in reverse."""

    workdir: Path
    database_url: str
    redis_url: str
    windows: dict[str, str]
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    web_ports: list[int] = field(default_factory=list)
    lb_port: int = 0
    killed: set[str] = field(default_factory=set)

    @property
    def env(self) -> dict[str, str]:
        """The environment every scimbridge process shares (docs/deployment.md)."""
        keep = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_"))}
        return {
            **keep,
            **self.windows,
            "DJANGO_SETTINGS_MODULE": "scimbridge.settings",
            "SECRET_KEY": "topology-check-secret-key-not-for-production-0123456789",
            "JIRA_CREDENTIALS_KEYS": "c2NpbWJyaWRnZS10b3BvbG9neS1jaGVjay1rZXktMDE=",
            "DATABASE_URL": self.database_url,
            "CELERY_BROKER_URL": self.redis_url,
            "CACHE_URL": self.redis_url,
            "ALLOWED_HOSTS": "*",
            "TRUSTED_PROXY_COUNT": "1",
            "FORWARDED_ALLOW_IPS": "127.0.0.1",
            "HEALTHZ_TOKEN": "topology-health",
            "METRICS_TOKEN": "topology-metrics",
            "SCIMBRIDGE_VAR_DIR": str(self.workdir / "var"),
            "PROMETHEUS_MULTIPROC_DIR": str(self.workdir / "prometheus"),
            "STATIC_ROOT": str(self.workdir / "static"),
            "GUNICORN_ACCESS_LOG": "",
            "LOG_LEVEL": "WARNING",
        }

    def log(self, name: str) -> Path:
        """Where a process writes."""
        return self.workdir / f"{name}.log"

    def manage(self, *args: str) -> str:
        """A management command on the topology's database."""
        return subprocess.run(  # noqa: S603 - our own interpreter
            [PYTHON, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout

    def spawn(self, name: str, argv: list[str], env: dict[str, str] | None = None) -> None:
        """Start one process in a session of its own."""
        self.processes[name] = subprocess.Popen(  # noqa: S603 - our own programs
            argv,
            cwd=ROOT,
            env=env or self.env,
            stdout=self.log(name).open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def prepare(self) -> None:
        """A fresh database and Redis db, migrations, the metrics folder."""
        (self.workdir / "var").mkdir(mode=0o700, parents=True, exist_ok=True)
        shutil.rmtree(self.workdir / "prometheus", ignore_errors=True)
        (self.workdir / "prometheus").mkdir(mode=0o700)
        name = self.database_url.rsplit("/", 1)[1]
        admin_url = self.database_url.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        redis.Redis.from_url(self.redis_url).flushdb()
        self.manage("migrate", "--noinput", "-v0")
        self.manage("collectstatic", "--noinput", "-v0")

    def start_web(self, count: int = 2) -> None:
        """gunicorn instances, each on a port of its own, as the systemd template unit runs them."""
        for index in range(count):
            port = free_port()
            self.web_ports.append(port)
            env = {**self.env, "BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "2"}
            argv = [PYTHON, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py"]
            # gunicorn 23+ opens a control socket; one per instance.
            argv += ["--control-socket", str(self.workdir / f"gunicorn-{index}.ctl")]
            self.spawn(f"web-{index}", argv, env)

    def start_workers(self, count: int = 2) -> None:
        """Celery workers (prefork, 2 processes each) and the one beat."""
        for index in range(count):
            self.start_worker(index)
        beat = [PYTHON, "-m", "celery", "-A", "scimbridge", "beat", "--loglevel=WARNING"]
        beat += ["-s", str(self.workdir / "celerybeat-schedule")]
        self.spawn("beat", beat)

    def start_worker(self, index: int) -> None:
        """One worker named worker-<index>."""
        argv = [PYTHON, "-m", "celery", "-A", "scimbridge", "worker", "--concurrency=2"]
        argv += ["--loglevel=INFO", "-n", f"worker-{index}@%h"]
        self.spawn(f"worker-{index}", argv)

    def start_nginx(self) -> None:
        """nginx in the foreground with a configuration in the scratch folder."""
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        folder = self.workdir / "nginx"
        folder.mkdir(exist_ok=True)
        self.lb_port = free_port()
        servers = "\n".join(f"        server 127.0.0.1:{port};" for port in self.web_ports)
        user = "user root;\n" if os.geteuid() == 0 else ""
        conf = folder / "nginx.conf"
        conf.write_text(
            NGINX_CONF.format(user=user, dir=folder, servers=servers, port=self.lb_port)
        )
        self.spawn(
            "nginx", [nginx, "-p", str(folder), "-c", str(conf), "-e", str(folder / "e.log")]
        )

    def wait_http(self, url: str, timeout: float = 120) -> None:
        """Until the URL answers 200 (a process that exits meanwhile fails the wait)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.check_alive()
            try:
                if requests.get(url, timeout=5).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"{url} did not answer within {timeout} s")

    def wait_log(self, name: str, text: str, timeout: float = 120) -> None:
        """Until a process's log holds `text`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.check_alive()
            if text in self.log(name).read_text(errors="replace"):
                return
            time.sleep(0.3)
        raise RuntimeError(f"{name} did not log {text!r} within {timeout} s")

    def check_alive(self, *, except_: tuple[str, ...] = ()) -> None:
        """Raise with the process's log when one exited."""
        for name, process in self.processes.items():
            if name not in except_ and process.poll() is not None and name not in self.killed:
                tail = self.log(name).read_text(errors="replace")[-3000:]
                raise RuntimeError(f"{name} exited {process.returncode}:\n{tail}")

    def kill(self, name: str) -> None:
        """SIGKILL a process and its whole session (a worker with its pool)."""
        self.killed.add(name)
        os.killpg(self.processes[name].pid, signal.SIGKILL)
        self.processes[name].wait()

    def stop(self) -> None:
        """SIGTERM everything (reverse order), SIGKILL stragglers."""
        for process in reversed(list(self.processes.values())):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 20
        for process in self.processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
