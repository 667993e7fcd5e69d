"""Attack 3 of issue 19: anonymous clients fill the audit log with their bodies."""

from __future__ import annotations

import json
from typing import Any

import pytest

from auditlog.models import AuditEntry

pytestmark = pytest.mark.django_db

FLOOD = json.dumps({"userName": "flood", "title": "A" * 60_000})


class TestAnonymousAuditLogFlooding:
    """Unauthenticated requests leave rate-limited metadata, never their bodies."""

    def test_no_unauthenticated_body_is_stored(self, client, audit_on) -> None:
        for authorization in ("", "Bearer scb_wrong", "Basic Zm9vOmJhcg=="):
            client.post(
                "/scim/v2/Users",
                data=FLOOD,
                content_type="application/scim+json",
                HTTP_AUTHORIZATION=authorization,
            )
        entries = list(AuditEntry.objects.all())
        assert [entry.status for entry in entries] == [401, 401, 401]
        for entry in entries:
            assert entry.request_body == ""
            assert entry.response_body == ""
            assert "flood" not in entry.query + entry.user_agent

    def test_entries_are_rate_limited(self, client, audit_on, settings) -> None:
        settings.SCIM_AUTH_FAILURE_LIMIT = 1000
        for _ in range(50):
            client.post("/scim/v2/Users", data=FLOOD, content_type="application/scim+json")
        assert AuditEntry.objects.count() == settings.AUDITLOG_UNAUTHENTICATED_PER_MINUTE

    def test_throttled_requests_are_metadata_only_too(self, client, audit_on, settings) -> None:
        settings.AUDITLOG_UNAUTHENTICATED_PER_MINUTE = 100
        for _ in range(12):
            client.post(
                "/scim/v2/Users",
                data=FLOOD,
                content_type="application/scim+json",
                HTTP_AUTHORIZATION="Bearer scb_wrong",
            )
        statuses = set(AuditEntry.objects.values_list("status", flat=True))
        assert statuses == {401, 429}
        assert not AuditEntry.objects.exclude(request_body="").exists()

    def test_the_body_is_not_read_before_authentication(
        self, client, audit_on, monkeypatch
    ) -> None:
        from django.core.handlers.wsgi import WSGIRequest

        reads: list[Any] = []
        original = WSGIRequest.read

        def spy(self: WSGIRequest, *args: Any) -> bytes:
            reads.append(args)
            return original(self, *args)

        monkeypatch.setattr(WSGIRequest, "read", spy)
        response = client.post("/scim/v2/Users", data=FLOOD, content_type="application/scim+json")
        assert response.status_code == 401
        assert reads == []

    def test_an_authenticated_request_keeps_its_body(self, scim, audit_on) -> None:
        assert scim.post("Users", {"userName": "kept"}).status_code == 201
        [entry] = AuditEntry.objects.all()
        assert json.loads(entry.request_body)["userName"] == "kept"
