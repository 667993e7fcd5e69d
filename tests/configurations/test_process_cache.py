"""The process cache of credentials: hits cost no query, every change drops it at once."""

from __future__ import annotations

import base64
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from configurations import process_cache
from configurations.models import ScimConfiguration
from configurations.process_cache import ProcessCache
from configurations.selectors import scim_configuration_by_token
from configurations.services import (
    scim_configuration_rotate_credentials,
    scim_configuration_set_enabled,
)

PROBE = "/scim/v2/NoSuchEndpoint"

pytestmark = pytest.mark.django_db


def basic(username: str, password: str) -> str:
    """An Authorization header value for Basic auth."""
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def probe(client: Any, header: str) -> tuple[int, list[str]]:
    """Status of an authenticated probe and the SQL it ran."""
    with CaptureQueriesContext(connection) as captured:
        status = client.get(PROBE, HTTP_AUTHORIZATION=header).status_code
    return status, [query["sql"] for query in captured.captured_queries]


def configuration_queries(sql: list[str]) -> list[str]:
    """The queries that read the configurations table."""
    return [query for query in sql if "configurations_scimconfiguration" in query]


class TestCredentialCache:
    """Resolving a credential reads the database once per process and TTL."""

    def test_second_request_reads_no_configuration(self, client, make_configuration) -> None:
        _, issued = make_configuration()
        header = f"Bearer {issued.token}"
        status, first = probe(client, header)
        assert status == 404
        assert configuration_queries(first)
        status, second = probe(client, header)
        assert status == 404
        assert configuration_queries(second) == []

    def test_basic_auth_is_cached_per_password(self, client, make_configuration) -> None:
        _, issued = make_configuration(basic_auth_username="okta-basic")
        good = basic("okta-basic", issued.basic_auth_password)
        assert probe(client, good)[0] == 404
        status, sql = probe(client, good)
        assert (status, configuration_queries(sql)) == (404, [])
        # A wrong password is never served from the entry of the right one.
        assert probe(client, basic("okta-basic", "wrong"))[0] == 401

    def test_rotation_refuses_the_old_token_at_once(self, client, make_configuration) -> None:
        configuration, issued = make_configuration()
        assert probe(client, f"Bearer {issued.token}")[0] == 404
        fresh = scim_configuration_rotate_credentials(
            configuration=configuration, grace=timedelta(0)
        )
        assert probe(client, f"Bearer {issued.token}")[0] == 401
        assert probe(client, f"Bearer {fresh.token}")[0] == 404

    def test_the_cached_old_token_stops_at_the_end_of_its_grace(
        self, client, make_configuration
    ) -> None:
        """A cached entry never outlives the grace period: the expiry is checked per call."""
        configuration, issued = make_configuration()
        fresh = scim_configuration_rotate_credentials(
            configuration=configuration, grace=timedelta(hours=1)
        )
        assert probe(client, f"Bearer {issued.token}")[0] == 404
        status, sql = probe(client, f"Bearer {issued.token}")
        assert (status, configuration_queries(sql)) == (404, [])  # served from the cache
        with time_machine.travel(timezone.now() + timedelta(hours=1, seconds=1), tick=False):
            status, sql = probe(client, f"Bearer {issued.token}")
            assert status == 401
            # The cached entry, refused: no credential lookup reached the database.
            assert not [query for query in configuration_queries(sql) if "token_digest" in query]
            assert probe(client, f"Bearer {fresh.token}")[0] == 404

    def test_disable_and_delete_refuse_at_once(self, client, make_configuration) -> None:
        configuration, issued = make_configuration()
        other, other_issued = make_configuration(name="entra")
        assert probe(client, f"Bearer {issued.token}")[0] == 404
        assert probe(client, f"Bearer {other_issued.token}")[0] == 404
        scim_configuration_set_enabled(configuration=configuration, enabled=False)
        assert probe(client, f"Bearer {issued.token}")[0] == 401
        ScimConfiguration.objects.get(pk=other.pk).delete()
        assert probe(client, f"Bearer {other_issued.token}")[0] == 401

    def test_site_change_reaches_cached_credentials(self, client, make_configuration) -> None:
        configuration, issued = make_configuration()
        assert scim_configuration_by_token(issued.token).directory.jira_site.base_url
        site = configuration.directory.jira_site
        site.base_url = "https://jira-new.example.com"
        site.save()
        resolved = scim_configuration_by_token(issued.token)
        assert resolved.directory.jira_site.base_url == "https://jira-new.example.com"

    def test_unknown_tokens_are_never_cached(self, client, make_configuration) -> None:
        make_configuration()
        for _ in range(2):
            status, sql = probe(client, "Bearer scb_" + "x" * 43)
            assert status == 401
            assert configuration_queries(sql)


class TestProcessCache:
    """The generic cache: copies, TTL, and the shared stamp that reaches other processes."""

    def test_callers_get_copies(self) -> None:
        cache = ProcessCache[dict]("test-copies")
        cache.get("k", lambda: {"n": 1})["n"] = 2
        assert cache.get("k", lambda: {"n": 3}) == {"n": 1}

    def test_entries_expire_after_the_ttl(self, monkeypatch) -> None:
        clock = [1000.0]
        monkeypatch.setattr(process_cache.time, "monotonic", lambda: clock[0])
        cache = ProcessCache[str]("test-ttl")
        with override_settings(SCIM_CONFIG_CACHE_SECONDS=5):
            assert cache.get("k", lambda: "old") == "old"
            clock[0] += 4.9
            assert cache.get("k", lambda: "new") == "old"
            clock[0] += 0.2
            assert cache.get("k", lambda: "new") == "new"

    def test_zero_ttl_turns_caching_off(self) -> None:
        cache = ProcessCache[str]("test-off")
        with override_settings(SCIM_CONFIG_CACHE_SECONDS=0):
            assert cache.get("k", lambda: "a") == "a"
            assert cache.get("k", lambda: "b") == "b"

    def test_invalidation_reaches_another_process(self, django_capture_on_commit_callbacks) -> None:
        # Two instances of one name stand for two processes; the test cache is the shared one.
        here, there = ProcessCache[str]("test-shared"), ProcessCache[str]("test-shared")
        assert there.get("k", lambda: "old") == "old"
        assert there.get("k", lambda: "new") == "old"
        with django_capture_on_commit_callbacks(execute=True):
            here.invalidate()
        assert there.get("k", lambda: "new") == "new"

    def test_not_before_commit_elsewhere(self, django_capture_on_commit_callbacks) -> None:
        here, there = ProcessCache[str]("test-commit"), ProcessCache[str]("test-commit")
        there.get("k", lambda: "old")
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            here.invalidate()
        # Until the change commits, the other process may keep what it holds...
        assert there.get("k", lambda: "new") == "old"
        for callback in callbacks:
            callback()
        assert there.get("k", lambda: "new") == "new"
