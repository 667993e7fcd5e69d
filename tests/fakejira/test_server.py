"""The fake Jira as an HTTP server: serverInfo, routing, context path, log, reset, CLI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.fakejira import FakeJira
from tests.fakejira.httpapi import Api, new_user

REPO = Path(__file__).resolve().parents[2]


class TestServerInfo:
    """``GET /serverInfo`` and ``GET /myself``."""

    @pytest.mark.parametrize(
        ("version", "numbers"),
        [("8.20.10", [8, 20, 10]), ("9.12.4", [9, 12, 4]), ("10.3", [10, 3, 0])],
    )
    def test_server_info_is_anonymous_and_reports_the_version(
        self, fake_jira_factory, api_for, version, numbers
    ):
        fake = fake_jira_factory(version)
        response = api_for(fake, anonymous=True).get("/serverInfo")
        assert response.status_code == 200
        body = response.json()
        assert body["version"] == version
        assert body["versionNumbers"] == numbers
        assert body["deploymentType"] == "Server"
        assert body["baseUrl"] == fake.url
        assert {"buildNumber", "serverTitle", "serverTime"} <= body.keys()

    def test_myself_returns_the_caller(self, api):
        body = api.get("/myself", expand="groups").json()
        assert body["name"] == "admin"
        assert body["key"] == "JIRAUSER10000"
        assert "jira-administrators" in [g["name"] for g in body["groups"]["items"]]


class TestRouting:
    """Unknown URLs, methods and bodies."""

    def test_unknown_url_is_404_with_the_error_envelope(self, api):
        response = api.get("/nothing/here")
        assert response.status_code == 404
        assert set(response.json()) == {"errorMessages", "errors"}

    def test_wrong_method_is_405(self, api):
        assert api.call("PUT", "/serverInfo").status_code == 405

    def test_never_sets_cookies(self, api):
        response = api.get("/myself")
        assert "Set-Cookie" not in response.headers
        assert not api.http.cookies

    def test_form_post_fails_the_xsrf_check(self, fake_jira):
        url = fake_jira.url + "/rest/api/2/group"
        headers = {"Authorization": f"Bearer {fake_jira.admin_token}"}
        response = requests.post(url, data={"name": "x"}, headers=headers, timeout=5)
        assert response.status_code == 403
        headers["X-Atlassian-Token"] = "no-check"
        response = requests.post(url, data={"name": "x"}, headers=headers, timeout=5)
        assert response.status_code == 415

    def test_malformed_json_is_400(self, fake_jira):
        response = requests.post(
            fake_jira.url + "/rest/api/2/group",
            data=b"{not json",
            headers={
                "Authorization": f"Bearer {fake_jira.admin_token}",
                "Content-Type": "application/json",
            },
            timeout=5,
        )
        assert response.status_code == 400
        assert response.json()["errorMessages"]


class TestContextPath:
    """Jira served under ``/jira``."""

    def test_routes_live_under_the_context_path(self, fake_jira_factory, api_for):
        fake = fake_jira_factory(context_path="/jira/")
        assert fake.url.endswith("/jira")
        api = api_for(fake)
        assert api.get("/myself").status_code == 200
        outside = requests.get(f"http://127.0.0.1:{fake.port}/rest/api/2/serverInfo", timeout=5)
        assert outside.status_code == 404
        assert api.get("/serverInfo").json()["baseUrl"] == fake.url
        assert fake.requests()[0].path == "/rest/api/2/myself"

    def test_advertised_base_url_is_used_in_links(self, fake_jira_factory, api_for):
        fake = fake_jira_factory(advertised_base_url="https://jira.example.com")
        body = api_for(fake).get("/myself").json()
        assert body["self"].startswith("https://jira.example.com/rest/api/2/user?")


class TestRequestLogAndReset:
    """The Python-side view of what happened."""

    def test_log_records_method_path_query_body_status_and_user(self, fake_jira, api):
        api.post("/user", new_user("fred"))
        api.get("/user", username="fred")
        create, read = fake_jira.requests()
        assert (create.method, create.path, create.status) == ("POST", "/rest/api/2/user", 201)
        assert create.body["name"] == "fred"
        assert create.user == "admin"
        assert create.headers["Authorization"].startswith("Bearer ")
        assert (read.method, read.arg("username"), read.status) == ("GET", "fred", 200)
        assert read.query_string == "username=fred"
        assert fake_jira.requests("POST") == [create]
        assert fake_jira.requests(path="/rest/api/2/user") == [create, read]
        fake_jira.clear_requests()
        assert fake_jira.requests() == []

    def test_reset_forgets_users_faults_and_log(self, fake_jira, api):
        fake_jira.seed_user("fred", groups=["team"])
        fake_jira.fail("GET", "/rest/api/2/myself")
        fake_jira.reset()
        assert fake_jira.user("fred") is None
        assert fake_jira.group("team") is None
        assert fake_jira.requests() == []
        assert api.get("/myself").status_code == 200
        assert set(fake_jira.users) == {"JIRAUSER10000"}
        assert fake_jira.seed_user("wilma").key == "JIRAUSER10100"

    def test_restart_after_stop(self):
        fake = FakeJira()
        with fake:
            first = fake.url
        with pytest.raises(requests.ConnectionError):
            requests.get(first + "/rest/api/2/serverInfo", timeout=2)
        with fake:
            assert Api(fake).get("/serverInfo").status_code == 200
        with pytest.raises(RuntimeError):
            _ = fake.url


def test_runs_from_the_command_line():
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.fakejira",
            "--port",
            "0",
            "--version",
            "10.3.1",
            "--seed-users",
            "3",
            "--seed-group",
            "team",
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert "listening on http://127.0.0.1:" in line
        url = line.rsplit(" ", 1)[1].strip()
        info = requests.get(url + "/rest/api/2/serverInfo", timeout=5).json()
        assert info["versionNumbers"] == [10, 3, 1]
        search = requests.get(
            url + "/rest/api/2/user/search",
            params={"username": "user"},
            headers={"Authorization": "Bearer admin-pat"},
            timeout=5,
        )
        assert [u["name"] for u in search.json()] == ["user00001", "user00002", "user00003"]
    finally:
        process.terminate()
        process.wait(timeout=5)
