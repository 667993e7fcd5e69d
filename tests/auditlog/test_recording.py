"""The middleware records SCIM requests when on, and never fails or slows a request."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from auditlog import context, recording
from auditlog.models import AuditEntry, Operation
from auditlog.recording import STREAMING_BODY
from jiraclient.observers import JiraCall, notify
from tests.auditlog.urls import CREATED_ID

pytestmark = pytest.mark.django_db


def _audit_statements(queries: CaptureQueriesContext) -> list[str]:
    """The captured statements that touch the audit log's tables."""
    return [q["sql"] for q in queries.captured_queries if "auditlog_" in q["sql"]]


def _only_entry() -> AuditEntry:
    [entry] = AuditEntry.objects.all()
    return entry


class TestSwitch:
    """Off by default; on records every request under /scim/ and nothing else."""

    def test_off_by_default_records_nothing(self, scim):
        assert scim.get("/scim/v2/Nothing").status_code == 404
        assert not AuditEntry.objects.exists()

    def test_on_records_authenticated_and_anonymous_requests(self, client, scim, audit_on):
        scim.get("/scim/v2/Nothing")
        del scim.defaults["HTTP_AUTHORIZATION"]
        client.get("/scim/v2/Nothing")
        assert sorted(AuditEntry.objects.values_list("status", flat=True)) == [401, 404]

    def test_unauthenticated_requests_are_metadata_only(self, client, audit_on):
        client.post(
            "/scim/v2/Users?attributes=userName",
            data=json.dumps({"userName": "anonymous-flood", "title": "x" * 1000}),
            content_type="application/json",
            HTTP_AUTHORIZATION="Bearer scb_wrong",
            HTTP_USER_AGENT="flooder",
        )
        entry = _only_entry()
        assert (entry.method, entry.path, entry.status) == ("POST", "/scim/v2/Users", 401)
        assert entry.client_address == "127.0.0.1"
        assert entry.created_at is not None
        assert entry.request_body == entry.response_body == ""
        assert entry.query == entry.user_agent == ""

    def test_unauthenticated_entries_are_rate_limited_per_address(self, client, audit_on, settings):
        settings.AUDITLOG_UNAUTHENTICATED_PER_MINUTE = 3
        settings.SCIM_AUTH_FAILURE_LIMIT = 1000
        for _ in range(6):
            client.get("/scim/v2/Nothing", HTTP_AUTHORIZATION="Bearer scb_wrong")
        client.get("/scim/v2/Nothing", REMOTE_ADDR="10.1.2.3")
        addresses = list(AuditEntry.objects.values_list("client_address", flat=True))
        assert sorted(addresses) == ["10.1.2.3", "127.0.0.1", "127.0.0.1", "127.0.0.1"]

    def test_authenticated_requests_are_not_rate_limited(self, scim, audit_on, settings):
        settings.AUDITLOG_UNAUTHENTICATED_PER_MINUTE = 1
        for _ in range(4):
            scim.get("/scim/v2/Nothing")
        assert AuditEntry.objects.count() == 4

    def test_zero_records_no_unauthenticated_request(self, client, audit_on, settings):
        settings.AUDITLOG_UNAUTHENTICATED_PER_MINUTE = 0
        client.get("/scim/v2/Nothing")
        assert not AuditEntry.objects.exists()

    def test_the_body_is_not_read_before_authentication(self, client, audit_on, monkeypatch):
        from django.core.handlers.wsgi import WSGIRequest

        reads: list[str] = []
        original = WSGIRequest.read

        def spy(self, *args: Any) -> bytes:
            reads.append(self.path)
            return original(self, *args)

        monkeypatch.setattr(WSGIRequest, "read", spy)
        client.post("/scim/v2/Users", data="{}", content_type="application/json")
        assert reads == []

    def test_requests_outside_scim_are_not_recorded(self, client, audit_on):
        assert client.get("/elsewhere").status_code == 200
        assert not AuditEntry.objects.exists()

    def test_turning_off_stops_recording_at_once(self, scim, audit_on):
        from auditlog.services import audit_log_set_enabled

        scim.get("/scim/v2/Nothing")
        audit_log_set_enabled(enabled=False)
        scim.get("/scim/v2/Nothing")
        assert AuditEntry.objects.count() == 1


class TestRecordedFields:
    """Every field of the entry, from a request through the whole stack."""

    def test_a_create(self, scim, configuration, audit_on):
        body = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "alice"}
        response = scim.post(
            "/scim/v2/Users?attributes=userName",
            data=json.dumps(body),
            content_type="application/scim+json",
            HTTP_USER_AGENT="Okta SCIM Client 1.0.0",
            REMOTE_ADDR="203.0.113.9",
        )
        assert response.status_code == 201
        entry = _only_entry()
        assert entry.configuration == configuration[0]
        assert entry.configuration_name == "okta"
        assert entry.client_address == "203.0.113.9"
        assert entry.user_agent == "Okta SCIM Client 1.0.0"
        assert (entry.method, entry.path, entry.query) == (
            "POST",
            "/scim/v2/Users",
            "attributes=userName",
        )
        assert entry.status == 201
        assert 0 < entry.duration_ms < 10_000
        assert (entry.operation, entry.resource_type, entry.resource_id) == (
            Operation.CREATE,
            "User",
            CREATED_ID,
        )
        assert entry.request_id == response["X-Request-Id"]
        assert json.loads(entry.request_body) == body
        assert json.loads(entry.response_body) == {**body, "id": CREATED_ID}
        assert not entry.request_body_truncated
        assert not entry.response_body_truncated
        assert entry.jira_calls == []

    def test_id_from_location_when_the_body_has_none(self, scim, audit_on):
        assert (
            scim.post("/scim/v2/Groups", data={}, content_type="application/json").status_code
            == 201
        )
        entry = _only_entry()
        assert (entry.operation, entry.resource_type, entry.resource_id) == (
            Operation.CREATE,
            "Group",
            "g/42",
        )

    def test_item_operations_take_the_id_from_the_path(self, scim, audit_on):
        scim.delete("/scim/v2/Users/abc-123")
        entry = _only_entry()
        assert (entry.operation, entry.resource_type, entry.resource_id, entry.status) == (
            Operation.DELETE,
            "User",
            "abc-123",
            404,
        )

    def test_unauthenticated_request_has_no_configuration(self, client, audit_on):
        client.get("/scim/v2/Users/x", HTTP_AUTHORIZATION="Bearer scb_wrong")
        entry = _only_entry()
        assert entry.configuration is None
        assert entry.configuration_name == ""
        assert entry.status == 401

    def test_configuration_name_survives_its_deletion(self, scim, configuration, audit_on):
        scim.get("/scim/v2/Nothing")
        configuration[0].delete()
        entry = _only_entry()
        assert entry.configuration is None
        assert entry.configuration_name == "okta"

    def test_trusted_proxy_address(self, scim, audit_on, settings):
        # DRF reloads its settings on setting_changed; the fixture restores them afterwards.
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
        scim.get("/scim/v2/Nothing", HTTP_X_FORWARDED_FOR="198.51.100.7", REMOTE_ADDR="10.0.0.1")
        assert _only_entry().client_address == "198.51.100.7"


class TestBodyCap:
    """Bodies are cut at the configured size, and marked as cut."""

    def test_bodies_over_the_cap_are_cut(self, scim, audit_on):
        from auditlog.services import audit_settings_update

        audit_settings_update(max_body_bytes=40)
        body = {"userName": "é" * 100}
        scim.post("/scim/v2/Users", data=json.dumps(body), content_type="application/json")
        entry = _only_entry()
        assert entry.request_body_truncated
        assert entry.response_body_truncated
        assert len(entry.request_body.encode()) <= 40
        assert entry.request_body.startswith('{"userName": "éé')

    def test_the_default_cap_comes_from_the_setting(self, scim, audit_on, settings):
        settings.AUDITLOG_MAX_BODY_BYTES = 20
        scim.post("/scim/v2/Users", data={"userName": "x" * 50}, content_type="application/json")
        assert len(_only_entry().request_body) == 20


class TestNeverFails:
    """A broken audit log costs the request nothing but its entry."""

    def test_a_failing_insert_still_answers(self, scim, audit_on, monkeypatch, caplog):
        def broken(**fields: Any) -> None:
            raise RuntimeError("database gone")

        monkeypatch.setattr(recording, "entry_record", broken)
        response = scim.get("/scim/v2/Nothing")
        assert response.status_code == 404
        assert response["X-Request-Id"]
        assert "Could not record SCIM request" in caplog.text

    def test_a_failing_switch_read_still_answers(self, scim, monkeypatch, caplog):
        from auditlog import middleware

        def broken() -> None:
            raise ConnectionError("cache down")

        monkeypatch.setattr(middleware, "recording_settings", broken)
        response = scim.get("/scim/v2/Nothing")
        assert response.status_code == 404
        assert "Audit log unavailable" in caplog.text
        assert not AuditEntry.objects.exists()

    def test_a_database_error_in_the_insert_leaves_the_transaction_usable(self, scim, audit_on):
        # Inside the test's transaction, a failing INSERT must roll back to its savepoint only
        # (on PostgreSQL an aborted transaction would fail every later query).
        from auditlog.services import entry_record

        with pytest.raises(Exception):  # noqa: B017, PT011 - whichever the database raises
            entry_record(method="GET", path="/x", status=None, duration_ms=1.0)
        assert scim.get("/scim/v2/Nothing").status_code == 404
        assert AuditEntry.objects.count() == 1

    def test_a_failing_view_is_recorded_as_500(self, scim, audit_on):
        scim.raise_request_exception = False
        response = scim.get("/scim/v2/test/broken")
        assert response.status_code == 500
        assert _only_entry().status == 500

    def test_streaming_responses_are_not_consumed(self, scim, audit_on):
        response = scim.get("/scim/v2/test/stream")
        assert b"".join(response.streaming_content) == b"chunk-1,chunk-2"
        assert _only_entry().response_body == STREAMING_BODY

    def test_an_unreadable_body_is_noted(self, scim, audit_on, settings):
        settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10
        scim.post("/scim/v2/Nothing", data={"userName": "x" * 50}, content_type="application/json")
        assert _only_entry().request_body.startswith("[not recorded: the request body could not")

    def test_off_costs_no_query_once_the_switch_is_cached(self, scim):
        scim.get("/scim/v2/Nothing")  # caches the switch
        with CaptureQueriesContext(connection) as queries:
            scim.get("/scim/v2/Nothing")
        assert _audit_statements(queries) == []

    def test_on_costs_one_insert(self, scim, audit_on):
        scim.get("/scim/v2/Nothing")
        with CaptureQueriesContext(connection) as queries:
            scim.get("/scim/v2/Nothing")
        [statement] = _audit_statements(queries)
        assert statement.startswith("INSERT")


class TestJiraCalls:
    """The Jira calls a request made are stored with its entry."""

    def test_calls_through_the_jira_client(self, client, jira_configuration, audit_on):
        response = client.get(
            "/scim/v2/test/jira", HTTP_AUTHORIZATION=f"Bearer {jira_configuration[1]}"
        )
        assert response.status_code == 200
        entry = _only_entry()
        assert entry.jira_call_count == 2
        assert [(c["method"], c["path"], c["status"]) for c in entry.jira_calls] == [
            ("GET", "/rest/api/2/myself", 200),
            ("GET", "/rest/api/2/user", 404),
        ]
        assert entry.jira_calls[1]["query"] == "username=nobody-here"
        assert all(c["duration_ms"] >= 0 for c in entry.jira_calls)

    def test_calls_outside_a_recorded_request_are_ignored(self, scim):
        # The log is off: no collector, and the observer must not fail either.
        notify(JiraCall("GET", "/rest/api/2/myself", "", 200, 1.0, None))
        scim.get("/scim/v2/Nothing")
        assert not AuditEntry.objects.exists()

    def test_observer_directly_with_a_cap(self, monkeypatch):
        monkeypatch.setattr(context, "MAX_STORED_JIRA_CALLS", 2)
        with context.request_scope("r1", collect_jira_calls=True) as collector:
            for status in (200, None, 503):
                error = None if status == 200 else "JiraTransient"
                context.record_jira_call(
                    JiraCall("PUT", "/rest/api/2/user", "", status, 3.14159, error)
                )
        assert collector.count == 3
        assert collector.calls == [
            {"method": "PUT", "path": "/rest/api/2/user", "query": "", "status": 200,
             "duration_ms": 3.1, "error": None, "attempt": 1},
            {"method": "PUT", "path": "/rest/api/2/user", "query": "", "status": None,
             "duration_ms": 3.1, "error": "JiraTransient", "attempt": 1},
        ]  # fmt: skip
        # Outside the scope nothing is collected.
        context.record_jira_call(JiraCall("GET", "/x", "", 200, 1.0, None))
        assert collector.count == 3

    def test_the_observer_is_registered_with_the_jira_client(self):
        with context.request_scope("r2", collect_jira_calls=True) as collector:
            notify(JiraCall("GET", "/rest/api/2/myself", "", 200, 1.0, None))
        assert collector.count == 1
