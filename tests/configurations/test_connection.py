"""Tests of "Test connection" against the fake Jira over HTTP."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from configurations.connection import check_jira_connection
from configurations.models import JiraSite
from tests.fakejira import FakeJira


def make_site(url: str, *, token: str | None = None, username: str = "", password: str = "",
              timeout: float = 5) -> JiraSite:
    """A saved site for a fake Jira."""
    site = JiraSite(name="fake", base_url=url, timeout=timeout)
    if token is not None:
        site.set_secret(token)
    else:
        site.auth_method, site.username = JiraSite.AuthMethod.BASIC, username
        site.set_secret(password)
    site.save()
    return site


@pytest.mark.django_db
class TestCheckJiraConnection:
    """The report says what happened in words an admin can act on."""

    def test_admin_by_token(self, fake_jira: FakeJira) -> None:
        report = check_jira_connection(make_site(fake_jira.url, token=fake_jira.admin_token))
        assert report.ok
        assert report.is_admin is True
        assert report.version == "9.12.4"
        assert report.account == "admin"
        assert "Connected to Jira 9.12.4" in report.message
        assert "ready to provision" in report.message

    def test_admin_by_basic(self, fake_jira: FakeJira) -> None:
        site = make_site(fake_jira.url, username="admin", password=fake_jira.admin_password)
        assert check_jira_connection(site).is_admin is True

    def test_not_an_administrator(self, fake_jira: FakeJira) -> None:
        fake_jira.seed_user("helpdesk", token="helpdesk-pat")
        report = check_jira_connection(make_site(fake_jira.url, token="helpdesk-pat"))
        assert report.ok
        assert report.is_admin is False
        assert "not a Jira administrator" in report.message

    def test_wrong_token(self, fake_jira: FakeJira) -> None:
        report = check_jira_connection(make_site(fake_jira.url, token="wrong-pat"))
        assert not report.ok
        assert "refused the credentials (401)" in report.message
        assert "personal access token" in report.message
        assert "wrong-pat" not in report.message

    def test_basic_auth_disabled(self, fake_jira: FakeJira) -> None:
        fake_jira.set_basic_auth(enabled=False)
        site = make_site(fake_jira.url, username="admin", password=fake_jira.admin_password)
        report = check_jira_connection(site)
        assert not report.ok
        assert "403" in report.message
        assert "Basic authentication is disabled" in report.message

    def test_missing_context_path(self, fake_jira_factory) -> None:
        fake = fake_jira_factory(context_path="/jira")
        report = check_jira_connection(make_site(f"http://127.0.0.1:{fake.port}", token="x"))
        assert not report.ok
        assert "context path" in report.message

    def test_names_the_call_that_failed(self, fake_jira_factory) -> None:
        """The message starts with the request as sent, context path included."""
        fake = fake_jira_factory(context_path="/jira")
        report = check_jira_connection(make_site(f"http://127.0.0.1:{fake.port}", token="x"))
        assert report.message.startswith("GET /rest/api/2/serverInfo failed: ")

    def test_a_later_call_failing_is_named_without_a_context_path_guess(
        self, fake_jira: FakeJira
    ) -> None:
        """serverInfo answered, myself 404 (a proxy blocking it): that call is named."""
        fake_jira.fail("GET", "/rest/api/2/myself", status=404)
        report = check_jira_connection(make_site(fake_jira.url, token=fake_jira.admin_token))
        assert not report.ok
        assert report.message.startswith("GET /rest/api/2/myself failed: ")
        assert "context path" not in report.message

    def test_permissions_call_failing_is_named(self, fake_jira: FakeJira) -> None:
        """A 500 on mypermissions names mypermissions, not the connection in general."""
        fake_jira.fail("GET", "/rest/api/2/mypermissions", status=500)
        report = check_jira_connection(make_site(fake_jira.url, token=fake_jira.admin_token))
        assert not report.ok
        assert report.message.startswith("GET /rest/api/2/mypermissions failed: ")

    def test_nothing_listening(self, db) -> None:
        report = check_jira_connection(make_site("http://127.0.0.1:9", token="x"))
        assert not report.ok
        assert "Cannot reach http://127.0.0.1:9" in report.message

    def test_tls_against_plain_http(self, fake_jira: FakeJira) -> None:
        url = fake_jira.url.replace("http://", "https://")
        report = check_jira_connection(make_site(url, token=fake_jira.admin_token))
        assert not report.ok
        assert report.message.startswith("GET /rest/api/2/serverInfo failed: TLS error")

    def test_timeout(self, fake_jira: FakeJira) -> None:
        fake_jira.delay("GET", "/rest/api/2/serverInfo", seconds=3)
        site = make_site(fake_jira.url, token=fake_jira.admin_token, timeout=1)
        report = check_jira_connection(site)
        assert not report.ok
        assert "did not answer within 1 seconds" in report.message


@pytest.mark.django_db
class TestConnectionButton:
    """The admin button posts, then shows the report as a message."""

    def test_button_and_message(self, admin_client, fake_jira: FakeJira) -> None:
        site = make_site(fake_jira.url, token=fake_jira.admin_token)
        change = reverse("admin:configurations_jirasite_change", args=[site.pk])
        assert 'id="test-connection"' in admin_client.get(change).content.decode()
        url = reverse("admin:configurations_jirasite_test_connection", args=[site.pk])
        response = admin_client.post(url)
        assert response.status_code == 302
        assert response["Location"] == change
        messages = [str(m) for m in get_messages(response.wsgi_request)]
        assert any("Connected to Jira 9.12.4" in m for m in messages)
        assert fake_jira.admin_token not in admin_client.get(change).content.decode()

    def test_get_not_allowed(self, admin_client, jira_site) -> None:
        url = reverse("admin:configurations_jirasite_test_connection", args=[jira_site.pk])
        assert admin_client.get(url).status_code == 405
