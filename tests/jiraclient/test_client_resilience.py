"""Retries, Retry-After, timeouts, and the mapping of network failures to typed errors."""

from __future__ import annotations

import socket
import time

import pytest

from jiraclient import (
    JiraClient,
    JiraConnectionError,
    JiraNotFound,
    JiraTimeout,
    JiraTransient,
    JiraUnexpectedResponse,
)


def _closed_port() -> int:
    """A local port nobody listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class TestRetries:
    """GET/PUT/DELETE retried on 5xx and dropped connections; POST never blindly."""

    def test_get_is_retried_on_5xx(self, fake_jira, client):
        fake_jira.fail("GET", "/rest/api/2/myself", status=503, count=2)
        assert client.myself()["name"] == "admin"
        assert [r.status for r in fake_jira.requests()] == [503, 503, 200]

    def test_retries_are_bounded(self, fake_jira, client_for):
        fake_jira.fail("GET", "/rest/api/2/myself", status=502)
        with pytest.raises(JiraTransient) as caught:
            client_for(fake_jira, max_retries=2).myself()
        assert caught.value.status == 502
        assert len(fake_jira.requests()) == 3

    def test_no_retries_when_disabled(self, fake_jira, client_for):
        fake_jira.fail("GET", "*", status=500)
        with pytest.raises(JiraTransient):
            client_for(fake_jira, max_retries=0).myself()
        assert len(fake_jira.requests()) == 1

    def test_get_is_retried_after_a_dropped_connection(self, fake_jira, client):
        fake_jira.disconnect("GET", "/rest/api/2/myself", count=1)
        assert client.myself()["name"] == "admin"
        assert [r.status for r in fake_jira.requests()] == [None, 200]

    def test_post_is_not_retried_on_5xx(self, fake_jira, client):
        fake_jira.fail("POST", "/rest/api/2/user", status=503, count=1)
        with pytest.raises(JiraTransient) as caught:
            client.create_user(name="fred", email="f@example.com", display_name="Fred")
        assert caught.value.maybe_applied is True
        assert len(fake_jira.requests("POST")) == 1
        assert fake_jira.user("fred") is None

    def test_post_applied_then_500_can_be_checked_by_re_reading(self, fake_jira, client):
        fake_jira.apply_then_fail("POST", "/rest/api/2/user", count=1)
        with pytest.raises(JiraTransient) as caught:
            client.create_user(name="fred", email="f@example.com", display_name="Fred")
        assert caught.value.maybe_applied
        assert len(fake_jira.requests("POST")) == 1
        assert client.find_user(username="fred") is not None  # created: do not create again

    def test_post_dropped_connection_is_not_retried(self, fake_jira, client):
        fake_jira.disconnect("POST", "/rest/api/2/group", apply=True, count=1)
        with pytest.raises(JiraConnectionError) as caught:
            client.create_group("team")
        assert caught.value.maybe_applied is True
        assert len(fake_jira.requests("POST")) == 1
        assert client.find_group("team") is not None

    def test_put_applied_then_500_is_retried_and_converges(self, fake_jira, client):
        key = fake_jira.seed_user("fred").key
        fake_jira.apply_then_fail("PUT", "/rest/api/2/user", count=1)
        assert client.update_user(key=key, name="frederick")["name"] == "frederick"
        assert len(fake_jira.requests("PUT")) == 2

    def test_delete_applied_then_500_is_success_on_the_retry_404(self, fake_jira, client):
        key = fake_jira.seed_user("fred").key
        fake_jira.apply_then_fail("DELETE", "/rest/api/2/user", count=1)
        client.delete_user(key=key)
        assert [r.status for r in fake_jira.requests("DELETE")] == [500, 404]
        with pytest.raises(JiraNotFound):  # a plain 404 (nothing applied before) still raises
            client.delete_user(key=key)

    def test_add_member_applied_then_500_converges(self, fake_jira, client):
        fake_jira.seed_user("fred")
        fake_jira.seed_group("team")
        fake_jira.apply_then_fail("POST", "/rest/api/2/group/user", count=1)
        client.add_group_member("team", "fred")
        assert [r.status for r in fake_jira.requests("POST")] == [500, 400]
        assert fake_jira.members("team") == {"fred"}

    def test_remove_member_applied_then_500_converges(self, fake_jira, client):
        fake_jira.seed_user("fred", groups=["team"])
        fake_jira.apply_then_fail("DELETE", "/rest/api/2/group/user", count=1)
        client.remove_group_member("team", "fred")
        assert fake_jira.members("team") == set()


class TestRateLimit:
    """429 and Retry-After within the retry budget."""

    def test_retry_after_is_honoured(self, fake_jira, client):
        fake_jira.rate_limit("GET", "/rest/api/2/myself", retry_after=0.1, count=2)
        started = time.monotonic()
        assert client.myself()["name"] == "admin"
        assert time.monotonic() - started >= 0.2
        assert [r.status for r in fake_jira.requests()] == [429, 429, 200]

    def test_a_rate_limited_post_is_retried_since_jira_did_nothing(self, fake_jira, client):
        fake_jira.rate_limit("POST", "/rest/api/2/group", retry_after=0.05, count=1)
        client.create_group("team")
        assert [r.status for r in fake_jira.requests("POST")] == [429, 201]

    def test_retry_after_beyond_the_budget_raises_at_once(self, fake_jira, client_for):
        fake_jira.rate_limit("GET", "*", retry_after=30)
        started = time.monotonic()
        with pytest.raises(JiraTransient) as caught:
            client_for(fake_jira, max_retry_wait=5).myself()
        assert time.monotonic() - started < 1
        assert caught.value.status == 429
        assert caught.value.retry_after == 30
        assert caught.value.maybe_applied is False
        assert len(fake_jira.requests()) == 1

    def test_budget_is_shared_by_all_retries_of_a_call(self, fake_jira, client_for):
        fake_jira.rate_limit("GET", "*", retry_after=0.1)
        with pytest.raises(JiraTransient) as caught:
            client_for(fake_jira, max_retries=10, max_retry_wait=0.25).myself()
        assert caught.value.retry_after == pytest.approx(0.1)
        assert len(fake_jira.requests()) == 3  # waited 0.1 + 0.1, a third wait would pass 0.25

    def test_503_retry_after_is_used_as_the_delay(self, fake_jira, client):
        fake_jira.fail("GET", "*", status=503, count=1, headers={"Retry-After": "0.1"})
        started = time.monotonic()
        client.myself()
        assert time.monotonic() - started >= 0.1


class TestTimeouts:
    """Connect and read timeouts."""

    def test_read_timeout(self, fake_jira, client_for):
        fake_jira.timeout("GET", "*", seconds=2)
        with pytest.raises(JiraTimeout) as caught:
            client_for(fake_jira, timeout=0.1, max_retries=0).myself()
        assert "within 0.1 s" in str(caught.value)

    def test_get_timeout_is_retried(self, fake_jira, client_for):
        fake_jira.timeout("GET", "*", seconds=2, count=1)
        assert client_for(fake_jira, timeout=0.1).myself()["name"] == "admin"

    def test_post_timeout_after_applying_says_maybe_applied(self, fake_jira, client_for):
        fake_jira.timeout("POST", "/rest/api/2/user", seconds=2, apply=True)
        jira = client_for(fake_jira, timeout=0.1)
        with pytest.raises(JiraTimeout) as caught:
            jira.create_user(name="fred", email="f@example.com", display_name="Fred")
        assert caught.value.maybe_applied is True
        assert len(fake_jira.requests("POST")) == 1
        assert fake_jira.user("fred") is not None


class TestUnreachable:
    """Readable errors for a wrong URL."""

    def test_connection_refused(self, client_for, fake_jira):
        port = _closed_port()
        jira = JiraClient(f"http://127.0.0.1:{port}", token="t", max_retries=1, backoff_factor=0)
        with pytest.raises(JiraConnectionError) as caught:
            jira.server_info()
        assert caught.value.maybe_applied is False
        assert f"Cannot connect to 127.0.0.1:{port}" in str(caught.value)

    def test_unknown_host(self):
        jira = JiraClient("http://jira.scimbridge-test.invalid", token="t", max_retries=0)
        with pytest.raises(JiraConnectionError, match="resolve the host name"):
            jira.server_info()

    def test_wrong_context_path_is_not_found(self, fake_jira_factory):
        fake = fake_jira_factory(context_path="/jira")
        jira = JiraClient(f"http://127.0.0.1:{fake.port}", token=fake.admin_token)
        with pytest.raises(JiraNotFound):
            jira.server_info()

    def test_redirect_is_reported_not_followed(self, fake_jira, client):
        fake_jira.fail(
            "GET", "*", status=302, body="", headers={"Location": "https://elsewhere.example/x?y=1"}
        )
        with pytest.raises(JiraUnexpectedResponse, match=r"https://elsewhere\.example/x"):
            client.server_info()
        assert len(fake_jira.requests()) == 1

    def test_non_json_success_body(self, fake_jira, client):
        fake_jira.fail("GET", "*", status=200, body="<html>login</html>")
        with pytest.raises(JiraUnexpectedResponse, match="non-JSON"):
            client.myself()
