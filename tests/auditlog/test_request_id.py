"""X-Request-Id: on every SCIM response, in the entry and in the logs."""

from __future__ import annotations

import json
import logging
import re
import uuid

import pytest

from auditlog.context import current_request_id
from auditlog.models import AuditEntry
from tests.auditlog.urls import TEST_LOGGER

pytestmark = pytest.mark.django_db


class TestHeader:
    """Generated, echoed when valid, replaced when not; also when the log is off."""

    def test_generated_when_the_client_sends_none(self, scim):
        response = scim.get("/scim/v2/Nothing")
        assert uuid.UUID(response["X-Request-Id"])

    def test_differs_per_request(self, scim):
        first = scim.get("/scim/v2/Nothing")["X-Request-Id"]
        assert scim.get("/scim/v2/Nothing")["X-Request-Id"] != first

    @pytest.mark.parametrize(
        "sent", ["okta-7f3c2a9e", "0af7651916cd43dd8448eb211c80319c", "Root=1-5759e988:abc.def_1"]
    )
    def test_a_valid_one_is_echoed(self, scim, sent):
        assert scim.get("/scim/v2/Nothing", HTTP_X_REQUEST_ID=sent)["X-Request-Id"] == sent

    @pytest.mark.parametrize(
        "sent",
        ["", "has space", "x" * 129, "=HYPERLINK(1)", "-1", "a\r\nSet-Cookie: x=1", "ünï"],
    )
    def test_an_invalid_one_is_replaced(self, scim, sent):
        answered = scim.get("/scim/v2/Nothing", HTTP_X_REQUEST_ID=sent)["X-Request-Id"]
        assert answered != sent
        assert uuid.UUID(answered)

    def test_also_on_401_and_when_off(self, client):
        assert client.get("/scim/v2/Nothing")["X-Request-Id"]

    def test_not_added_outside_scim(self, client):
        assert "X-Request-Id" not in client.get("/elsewhere")

    def test_recorded_with_the_entry(self, scim, audit_on):
        scim.get("/scim/v2/Nothing", HTTP_X_REQUEST_ID="idp-trace-42")
        assert AuditEntry.objects.get().request_id == "idp-trace-42"


class TestLogs:
    """Log records written while serving a request carry its id."""

    def test_records_written_by_the_view_have_the_request_id(self, scim, caplog):
        caplog.set_level(logging.INFO)
        response = scim.post(
            "/scim/v2/Users", data=json.dumps({"userName": "a"}), content_type="application/json"
        )
        [record] = [r for r in caplog.records if r.name == TEST_LOGGER]
        assert record.request_id == response["X-Request-Id"]

    def test_one_line_per_request_names_the_id(self, scim, caplog):
        caplog.set_level(logging.INFO, logger="scimbridge.auditlog")
        response = scim.get("/scim/v2/Nothing", HTTP_X_REQUEST_ID="idp-trace-43")
        assert response.status_code == 404
        [record] = [r for r in caplog.records if r.name == "scimbridge.auditlog"]
        assert re.fullmatch(r"SCIM GET /scim/v2/Nothing -> 404 in \d+ ms", record.getMessage())
        assert record.request_id == "idp-trace-43"

    def test_the_line_can_be_turned_off(self, scim, caplog, settings):
        settings.AUDITLOG_LOG_REQUESTS = False
        caplog.set_level(logging.INFO, logger="scimbridge.auditlog")
        scim.get("/scim/v2/Nothing")
        assert not [r for r in caplog.records if r.name == "scimbridge.auditlog"]

    def test_records_outside_a_request(self, caplog):
        caplog.set_level(logging.INFO)
        logging.getLogger(TEST_LOGGER).info("background work")
        assert caplog.records[-1].request_id == "-"
        assert current_request_id() is None
