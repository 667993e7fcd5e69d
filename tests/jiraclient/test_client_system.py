"""JiraClient construction, credentials, headers, cookies and the system calls."""

from __future__ import annotations

import pytest

from jiraclient import JiraClient, JiraForbidden, JiraUnauthorized
from tests.jiraclient.conftest import make_client


class TestConstruction:
    """Arguments are checked before anything is sent."""

    @pytest.mark.parametrize(
        "credentials",
        [
            {},
            {"username": "u"},
            {"password": "p"},
            {"token": "t", "username": "u", "password": "p"},
        ],
    )
    def test_credentials_must_be_a_token_or_a_username_and_password(self, credentials):
        with pytest.raises(ValueError, match="token"):
            JiraClient("https://jira.example.com", **credentials)

    @pytest.mark.parametrize(
        "url", ["jira.example.com", "ftp://jira.example.com", "https://", "https://x/?a=b"]
    )
    def test_base_url_must_be_http_or_https(self, url):
        with pytest.raises(ValueError, match="base URL"):
            JiraClient(url, token="t")

    def test_credentials_in_the_base_url_are_refused_without_echoing_them(self):
        with pytest.raises(ValueError, match="credentials") as caught:
            JiraClient("https://bob:hunter2@jira.example.com", token="t")
        assert "hunter2" not in str(caught.value)

    def test_trailing_slash_and_context_path(self):
        assert JiraClient("https://h.example/jira/", token="t").base_url == "https://h.example/jira"

    def test_repr_never_shows_the_secret(self):
        assert "s3cret" not in repr(JiraClient("https://h.example", token="s3cret"))
        basic = JiraClient("https://h.example", username="bob", password="s3cret")
        assert "s3cret" not in repr(basic)
        assert "s3cret" not in repr(basic._http.session.auth)


class TestSystemCalls:
    """serverInfo, myself, version, is_administrator."""

    def test_server_info_and_cached_version(self, fake_jira, client):
        assert client.server_info()["version"] == "9.12.4"
        fake_jira.clear_requests()
        assert client.version() == (9, 12, 4)
        assert client.version() == (9, 12, 4)
        assert fake_jira.requests() == []

    def test_version_is_asked_once(self, fake_jira, client):
        client.version()
        client.version()
        assert len(fake_jira.requests("GET", "/rest/api/2/serverInfo")) == 1

    def test_myself_with_a_token_and_with_basic_auth(self, fake_jira, client, client_for):
        assert client.myself()["name"] == "admin"
        basic = client_for(fake_jira, username="admin", password="admin")
        assert basic.myself()["name"] == "admin"
        assert fake_jira.requests()[-1].headers["Authorization"].startswith("Basic ")

    def test_is_administrator(self, fake_jira, client, client_for):
        fake_jira.seed_user("joe", token="joe-pat")
        assert client.is_administrator() is True
        assert client_for(fake_jira, token="joe-pat").is_administrator() is False

    def test_context_path(self, fake_jira_factory, client_for):
        fake = fake_jira_factory("10.3.2", context_path="/jira")
        jira = client_for(fake)
        assert jira.version() == (10, 3, 2)
        assert fake.requests()[0].path == "/rest/api/2/serverInfo"


class TestEveryRequest:
    """Headers on every request, and no cookies kept."""

    def test_credentials_and_accept_on_every_request(self, fake_jira, client):
        client.myself()
        client.create_group("team")
        client.find_user(username="nobody")
        for logged in fake_jira.requests():
            assert logged.headers["Authorization"] == f"Bearer {fake_jira.admin_token}"
            assert logged.headers["Accept"] == "application/json"
            assert "Cookie" not in logged.headers

    def test_no_cookie_is_kept_so_admin_writes_never_hit_websudo(
        self, fake_jira_factory, client_for
    ):
        fake = fake_jira_factory(issue_session_cookies=True)
        jira = client_for(fake)
        for name in ("one", "two", "three"):
            jira.create_group(name)
        assert all("Cookie" not in r.headers for r in fake.requests())
        assert not jira._http.session.cookies
        assert fake.group("three") is not None

    def test_bad_token_is_unauthorized_and_not_retried(self, fake_jira, client_for):
        jira = client_for(fake_jira, token="wrong-token-value")
        with pytest.raises(JiraUnauthorized) as caught:
            jira.myself()
        assert caught.value.status == 401
        assert caught.value.login_reason == "AUTHENTICATED_FAILED"
        assert "wrong-token-value" not in str(caught.value)
        assert len(fake_jira.requests()) == 1

    def test_bad_password(self, fake_jira, client_for):
        jira = client_for(fake_jira, username="admin", password="not-the-password")
        with pytest.raises(JiraUnauthorized) as caught:
            jira.myself()
        assert "not-the-password" not in str(caught.value)

    def test_basic_auth_disabled_is_forbidden(self, fake_jira, client_for):
        fake_jira.set_basic_auth(enabled=False)
        with pytest.raises(JiraForbidden) as caught:
            client_for(fake_jira, username="admin", password="admin").myself()
        assert caught.value.messages == ["Basic Authentication has been disabled on this instance."]

    def test_non_admin_is_forbidden_on_writes(self, fake_jira, client_for):
        fake_jira.seed_user("joe", token="joe-pat")
        with pytest.raises(JiraForbidden):
            client_for(fake_jira, token="joe-pat").create_group("team")
        assert len(fake_jira.requests("POST")) == 1


def test_make_client_defaults_to_the_admin_token(fake_jira):
    assert make_client(fake_jira).myself()["name"] == "admin"
