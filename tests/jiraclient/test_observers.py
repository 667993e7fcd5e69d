"""JiraCall observers, and secrets kept out of errors, logs and observers."""

from __future__ import annotations

import logging

import pytest

from jiraclient import (
    JiraCall,
    JiraClient,
    JiraError,
    JiraTimeout,
    JiraTransient,
    add_observer,
    remove_observer,
)
from jiraclient.transport import redacted_query


class TestObservers:
    """One JiraCall per HTTP attempt."""

    def test_a_call_per_attempt(self, fake_jira, client, jira_calls):
        fake_jira.fail("GET", "/rest/api/2/user", status=503, count=1)
        fake_jira.seed_user("fred")
        client.get_user(username="fred")
        assert [(c.method, c.path, c.query, c.status, c.error, c.attempt) for c in jira_calls] == [
            ("GET", "/rest/api/2/user", "username=fred", 503, "JiraTransient", 1),
            ("GET", "/rest/api/2/user", "username=fred", 200, None, 2),
        ]
        assert all(c.duration_ms >= 0 for c in jira_calls)
        assert jira_calls[0].base_url == fake_jira.url

    def test_connection_failures_have_no_status(self, fake_jira, client_for, jira_calls):
        fake_jira.timeout("GET", "*", seconds=2)
        with pytest.raises(JiraTimeout):
            client_for(fake_jira, timeout=0.1, max_retries=0).myself()
        (call,) = jira_calls
        assert (call.status, call.error) == (None, "JiraTimeout")

    def test_path_includes_the_context_path(self, fake_jira_factory, client_for, jira_calls):
        fake = fake_jira_factory(context_path="/jira")
        client_for(fake).myself()
        assert jira_calls[-1].path == "/jira/rest/api/2/myself"

    def test_a_failing_observer_never_breaks_the_call(self, client, jira_calls, caplog):
        def broken(call: JiraCall) -> None:
            raise RuntimeError("observer bug")

        add_observer(broken)
        try:
            assert client.myself()["name"] == "admin"
        finally:
            remove_observer(broken)
        assert len(jira_calls) == 1  # observers after the broken one still ran
        assert "observer" in caplog.text

    def test_add_twice_remove_once(self, client):
        seen: list[JiraCall] = []
        add_observer(seen.append)
        add_observer(seen.append)
        client.myself()
        remove_observer(seen.append)
        remove_observer(seen.append)  # unknown: ignored
        client.myself()
        assert len(seen) == 1

    def test_secret_looking_parameters_are_redacted(self):
        assert redacted_query({"username": "fred", "password": "x", "os_authToken": "y"}) == (
            "username=fred&password=%3Credacted%3E&os_authToken=%3Credacted%3E"
        )
        assert redacted_query({"exclude": ["a", "b"], "skip": None}) == "exclude=a&exclude=b"


class TestSecretsStayHidden:
    """Neither token nor password reaches exception text, logs or observers."""

    TOKEN = "pat-TOPSECRET-0123456789"
    PASSWORD = "pw-TOPSECRET-9876543210"

    def test_nothing_secret_anywhere(self, fake_jira, client_for, jira_calls, caplog):
        caplog.set_level(logging.DEBUG)
        fake_jira.add_token("admin", self.TOKEN)
        fake_jira.seed_user("fred", password="old")
        jira = client_for(fake_jira, token=self.TOKEN, max_retries=1)
        fake_jira.fail("PUT", "/rest/api/2/user/password", status=500)
        errors: list[JiraError] = []
        with pytest.raises(JiraTransient) as caught:
            jira.set_password(username="fred", password=self.PASSWORD)
        errors.append(caught.value)
        fake_jira.clear_faults()
        jira.set_password(username="fred", password=self.PASSWORD)
        bad = JiraClient(fake_jira.url, username="admin", password=self.PASSWORD, max_retries=0)
        with pytest.raises(JiraError) as caught:
            bad.myself()
        errors.append(caught.value)
        texts = [str(e) for e in errors] + [repr(e) for e in errors] + [repr(jira), repr(bad)]
        texts += [caplog.text] + [repr(c) for c in jira_calls]
        for text in texts:
            assert self.TOKEN not in text
            assert self.PASSWORD not in text
        assert any(r.levelno == logging.DEBUG for r in caplog.records)  # logging did happen
