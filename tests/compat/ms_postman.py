"""Run Microsoft's SCIM reference Postman collection against scimbridge with newman.

The collection is Microsoft's (github.com/AzureAD/SCIMReferenceCode, `PostmanCollection.json`)
and is not part of this repository: pass its path. The script starts what a real install
runs — gunicorn with deploy/gunicorn.conf.py on a throw-away SQLite database — in front of
the fake Jira (tests/fakejira), creates a SCIM configuration, sets the collection's
variables (`Protocol`, `Server`, `Port`, `Api`, `token`), runs newman and prints every
failed assertion with its request. Exit status: newman's (0 when every assertion passed).

    npm install --prefix var/newman newman          # once (newman from the npm registry)
    git clone https://github.com/AzureAD/SCIMReferenceCode /tmp/SCIMReferenceCode
    .venv/bin/python tests/compat/ms_postman.py /tmp/SCIMReferenceCode/PostmanCollection.json

Options: `--newman PATH` (default var/newman/node_modules/.bin/newman), `--port N` (default:
a free one), `--api scim/v2` (the base path), `--json FILE` (keep newman's JSON report).
The result and the explanation of each remaining failure are in docs/scim-api.md
("Microsoft SCIM reference collection").
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
PYTHON = str(ROOT / ".venv" / "bin" / "python")


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_fake_jira(env: dict[str, str]) -> tuple[subprocess.Popen[str], str]:
    """The fake Jira on a free port, and its URL (from the line it prints once listening)."""
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [PYTHON, "-m", "tests.fakejira", "--port", "0"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    line = process.stdout.readline() if process.stdout else ""
    if "listening on" not in line:
        process.kill()
        raise SystemExit(f"the fake Jira did not start: {line!r}")
    return process, line.rsplit(" ", 1)[1].strip()


def manage(env: dict[str, str], *args: str) -> str:
    """Run a manage.py command; its standard output."""
    done = subprocess.run(  # noqa: S603 - our own manage.py
        [PYTHON, "manage.py", *args], check=False, cwd=ROOT, env=env, capture_output=True, text=True
    )
    if done.returncode:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def wait_for(url: str, timeout: float = 60) -> None:
    """Until the server answers at all (any HTTP status)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.3)
        else:
            return
    raise SystemExit(f"scimbridge did not answer at {url}")


def failures(report: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(request name, assertion, message) of every failed assertion in newman's JSON report."""
    found = []
    for failure in report["run"]["failures"]:
        source = failure.get("source", {}).get("name", "?")
        error = failure.get("error", {})
        found.append((source, error.get("test") or error.get("name", ""), error.get("message", "")))
    return found


def main(argv: list[str] | None = None) -> int:
    """Start the server, run the collection, print the result."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("collection", type=Path, help="path of Microsoft's PostmanCollection.json")
    parser.add_argument("--newman", default=str(ROOT / "var/newman/node_modules/.bin/newman"))
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--api", default="scim/v2")
    parser.add_argument("--json", type=Path, help="also keep newman's JSON report here")
    args = parser.parse_args(argv)
    if not Path(args.newman).exists():
        raise SystemExit(f"no newman at {args.newman}: npm install --prefix var/newman newman")

    work = Path(tempfile.mkdtemp(prefix="ms-postman-"))
    port = args.port or free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "scimbridge.settings",
        "DATABASE_URL": f"sqlite:///{work / 'db.sqlite3'}",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("CELERY_BROKER_URL", None)
    jira, jira_url = start_fake_jira(env)
    server = None
    try:
        manage(env, "migrate", "--noinput", "--verbosity", "0")
        created = json.loads(
            manage(
                env,
                "scim_configuration",
                "create",
                "--name",
                "microsoft-reference",
                "--jira-url",
                jira_url,
                "--jira-token",
                "admin-pat",
                "--json",
            )
        )
        server = subprocess.Popen(  # noqa: S603 - the project's gunicorn
            [str(ROOT / ".venv/bin/gunicorn"), "-c", "deploy/gunicorn.conf.py"],
            cwd=ROOT,
            env=env,
            stdout=(work / "server.log").open("w"),
            stderr=subprocess.STDOUT,
        )
        wait_for(f"http://127.0.0.1:{port}/healthz")
        report_path = args.json or work / "newman.json"
        variables = {
            "Protocol": "http",
            "Server": "127.0.0.1",
            "Port": f":{port}",
            "Api": args.api,
            "token": created["token"],
        }
        # As iteration data, which wins over the environment: the collection's first request
        # ("Get Token") sets the environment's token from the reference server's own /Token
        # endpoint, which RFC 7644 does not have (here: undefined).
        data_path = work / "variables.json"
        data_path.write_text(json.dumps([variables]))
        command = [args.newman, "run", str(args.collection), "--iteration-data", str(data_path)]
        command += ["--reporters", "cli,json", "--reporter-json-export", str(report_path)]
        command += ["--color", "off"]
        run = subprocess.run(command, check=False, capture_output=True, text=True)  # noqa: S603
        sys.stdout.write(run.stdout[-6000:])
        report = json.loads(report_path.read_text())
        stats = report["run"]["stats"]["assertions"]
        total, failed = stats["total"], stats["failed"]
        print(f"\nMicrosoft SCIM reference collection: {total - failed}/{total} assertions passed")
        for source, test, message in failures(report):
            print(f"  FAILED {source}: {test} -- {message}")
        print(f"(server log: {work / 'server.log'})")
        return run.returncode
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        jira.terminate()
        jira.wait(timeout=30)


if __name__ == "__main__":
    sys.exit(main())
