"""gunicorn with the shipped configuration, over real HTTP: chunked bodies, large requests."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.db import connection

from configurations.models import JiraSite
from configurations.services import directory_get_or_create, scim_configuration_create
from tests.fakejira import FakeJira
from tests.processes import stop

ROOT = Path(__file__).resolve().parents[1]
SCIM = "application/scim+json"
ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"
BODY_LIMIT = 65536  # SCIM_MAX_BODY_BYTES of the server under test


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _database_url(tmp_path: Path) -> str:
    """A database the server process can open holding this test's committed rows."""
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        auth = quote(db.get("USER") or "")
        if db.get("PASSWORD"):
            auth += ":" + quote(db["PASSWORD"])
        host, port = db.get("HOST") or "127.0.0.1", db.get("PORT") or 5432
        return f"postgres://{auth}@{host}:{port}/{db['NAME']}"
    # The SQLite test database lives in memory: copy it to a file for the server.
    path = tmp_path / "served.sqlite3"
    connection.ensure_connection()
    target = sqlite3.connect(path)
    try:
        connection.connection.backup(target)
    finally:
        target.close()
    return f"sqlite:///{path}"


@dataclass
class Served:
    """A running gunicorn and the credentials of one SCIM configuration."""

    port: int
    token: str

    def request(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        """One request on a new connection: status, headers (lower-case) and body."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request(
                method,
                path,
                body=body,
                headers={"Authorization": f"Bearer {self.token}", **(headers or {})},
                encode_chunked=body is not None and not isinstance(body, bytes | str),
            )
            response = conn.getresponse()
            return (
                response.status,
                {name.lower(): value for name, value in response.getheaders()},
                response.read(),
            )
        finally:
            conn.close()


@pytest.fixture
def served(transactional_db: Any, fake_jira: FakeJira, tmp_path: Path) -> Iterator[Served]:
    """gunicorn -c deploy/gunicorn.conf.py on a free loopback port, stopped after the test."""
    site = JiraSite(name="fake", base_url=fake_jira.url, timeout=10)
    site.set_secret(fake_jira.admin_token)
    site.save()
    directory = directory_get_or_create(name="Okta users", jira_site=site)
    _, credentials = scim_configuration_create(name="okta", directory=directory)
    port = _free_port()
    server = start_gunicorn(tmp_path, port, SCIM_MAX_BODY_BYTES=str(BODY_LIMIT))
    try:
        _wait_until_serving(server, port)
        yield Served(port=port, token=credentials.token)
    finally:
        # SIGINT: a quick shutdown (SIGTERM waits for keep-alives).
        stop(server, sig=signal.SIGINT, timeout=15, ok=(0, -signal.SIGINT))


def start_gunicorn(tmp_path: Path, port: int, **settings: str) -> subprocess.Popen[bytes]:
    """gunicorn with the shipped configuration (one worker, two threads) on this test's data.

    `settings` add environment variables of the served process (e.g. a smaller body limit).
    """
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "scimbridge.settings_test",
        "DATABASE_URL": _database_url(tmp_path),
        "BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
        "GUNICORN_THREADS": "2",
        "GUNICORN_ACCESS_LOG": "",
        "AUDITLOG_LOG_REQUESTS": "false",
        **settings,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def _wait_until_serving(server: subprocess.Popen[bytes], port: int) -> None:
    """Until a worker answers /healthz (the master listens before its worker has booted)."""
    deadline = time.monotonic() + 30
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                conn.close()
                return
        except OSError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            pytest.fail(server.communicate()[0].decode(errors="replace")[-3000:])
        time.sleep(0.1)


def _chunks(data: bytes, size: int = 1000) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


def _assert_scim_error(status: int, headers: dict[str, str], body: bytes, expected: int) -> None:
    assert status == expected, body[:500]
    assert headers["content-type"] == SCIM
    error = json.loads(body)
    assert error["schemas"] == [ERROR_SCHEMA]
    assert error["status"] == str(expected)
    assert error["detail"]


class TestGunicornConfig:
    """What the server in front used to drop or answer in HTML."""

    def test_chunked_bodies_are_read_and_bounded(
        self, served: Served, fake_jira: FakeJira
    ) -> None:
        user = {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": "chunked@example.com",
            "name": {"givenName": "Chunked", "familyName": "Body"},
            "emails": [{"value": "chunked@example.com", "primary": True}],
        }
        status, _, body = served.request(
            "POST", "/scim/v2/Users", _chunks(json.dumps(user).encode(), 16),
            {"Content-Type": SCIM},
        )
        assert status == 201, body
        assert json.loads(body)["userName"] == "chunked@example.com"
        assert "chunked@example.com" in {u.name for u in fake_jira.users.values()}

        search = {"filter": 'userName eq "chunked@example.com"'}
        status, _, body = served.request(
            "POST", "/scim/v2/Users/.search", _chunks(json.dumps(search).encode()),
            {"Content-Type": SCIM},
        )
        assert status == 200, body
        assert json.loads(body)["totalResults"] == 1

        too_big = json.dumps({"userName": "x", "title": "t" * BODY_LIMIT}).encode()
        _assert_scim_error(
            *served.request("POST", "/scim/v2/Users", _chunks(too_big, 8192),
                            {"Content-Type": SCIM}),
            413,
        )

    def test_long_filters_and_headers_get_through_or_a_scim_error(
        self, served: Served
    ) -> None:
        clauses = " or ".join(f'userName eq "someone-{n:04d}@example.com"' for n in range(110))
        path = f"/scim/v2/Users?filter={quote(clauses)}"
        assert 4094 < len(f"GET {path} HTTP/1.1") <= 8190  # over gunicorn's default limit
        status, headers, body = served.request("GET", path)
        assert status == 200, body
        assert headers["content-type"] == SCIM
        assert json.loads(body)["totalResults"] == 0

        too_long = f"/scim/v2/Users?filter={quote('userName eq ' + 'x' * 9000)}"
        _assert_scim_error(*served.request("GET", too_long), 414)

        status, _, body = served.request("GET", "/scim/v2/Users", headers={"X-Big": "a" * 12000})
        assert status == 200, body
        _assert_scim_error(
            *served.request("GET", "/scim/v2/Users", headers={"X-Big": "a" * 20000}), 431
        )


class TestChunkedBodies:
    """The WSGI wrapper alone, with the environ a server would pass."""

    @staticmethod
    def call(environ: dict[str, Any]) -> tuple[str, dict[str, str], bytes, dict[str, Any]]:
        from scimbridge.serving import ChunkedBodies

        seen: dict[str, Any] = {}

        def app(env: dict[str, Any], start_response: Any) -> list[bytes]:
            seen.update(env, body=env["wsgi.input"].read(int(env["CONTENT_LENGTH"])))
            start_response("200 OK", [])
            return [b""]

        answer: dict[str, Any] = {}

        def start_response(status: str, headers: list[tuple[str, str]]) -> None:
            answer.update(status=status, headers=dict(headers))

        body = b"".join(ChunkedBodies(app)(environ, start_response))
        return answer["status"], answer["headers"], body, seen

    @staticmethod
    def environ(path: str, body: bytes, **extra: Any) -> dict[str, Any]:
        import io

        return {
            "PATH_INFO": path,
            "REQUEST_METHOD": "POST",
            "HTTP_TRANSFER_ENCODING": "chunked",
            "wsgi.input": io.BytesIO(body),
            "wsgi.input_terminated": True,
            **extra,
        }

    def test_body_is_passed_on_with_its_length(self) -> None:
        status, _, _, seen = self.call(self.environ("/scim/v2/Users", b'{"userName": "a"}'))
        assert status == "200 OK"
        assert seen["CONTENT_LENGTH"] == "17"
        assert seen["body"] == b'{"userName": "a"}'

    def test_unterminated_input_gets_411(self) -> None:
        status, headers, body, seen = self.call(
            self.environ("/scim/v1/Users", b"{}", **{"wsgi.input_terminated": False})
        )
        assert status == "411 Length Required"
        assert headers["Content-Type"] == SCIM
        assert json.loads(body)["Errors"][0]["code"] == "411"
        assert not seen

    def test_over_the_limit_outside_scim_is_plain_text(self, settings: Any) -> None:
        settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10
        status, headers, _, seen = self.call(self.environ("/admin/login/", b"x" * 11))
        assert status.startswith("413")
        assert headers["Content-Type"].startswith("text/plain")
        assert headers["Connection"] == "close"
        assert not seen

    def test_sized_bodies_are_left_alone(self) -> None:
        environ = self.environ("/scim/v2/Users", b"{}", CONTENT_LENGTH="2")
        environ.pop("HTTP_TRANSFER_ENCODING")
        stream = environ["wsgi.input"]
        _, _, _, seen = self.call(environ)
        assert seen["wsgi.input"] is stream
