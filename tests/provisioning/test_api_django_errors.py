"""What Django answers itself (bad Host, 404, 500) is a SCIM error under /scim/, HTML elsewhere."""

from __future__ import annotations

from typing import Any

import pytest
from django.http import Http404
from django.test import Client, RequestFactory

from auditlog import context
from provisioning.api import handlers

from .conftest import assert_scim_error

pytestmark = pytest.mark.django_db


@pytest.fixture
def allowed_hosts(settings: Any) -> None:
    """Production-like ALLOWED_HOSTS (the test settings allow every host)."""
    settings.ALLOWED_HOSTS = ["scim.example.com"]


@pytest.mark.usefixtures("allowed_hosts")
class TestUnknownHost:
    """DisallowedHost is raised by CommonMiddleware, before any SCIM view."""

    def test_scim_v2_answers_a_scim_error(self, client: Client) -> None:
        response = client.get("/scim/v2/Users", HTTP_HOST="attacker.example")
        body = assert_scim_error(response, 400)
        assert "ALLOWED_HOSTS" in body["detail"]

    def test_scim_v1_answers_its_dialect(self, client: Client) -> None:
        response = client.post(
            "/scim/v1/Users", "{}", content_type="application/json", HTTP_HOST="x.example"
        )
        assert response.status_code == 400
        assert response["Content-Type"] == "application/scim+json"
        assert response.json()["Errors"][0]["code"] == "400"

    def test_other_paths_keep_html(self, client: Client) -> None:
        response = client.get("/admin/login/", HTTP_HOST="attacker.example")
        assert response.status_code == 400
        assert response["Content-Type"].startswith("text/html")

    def test_allowed_host_is_served(self, client: Client) -> None:
        response = client.get("/scim/v2/Users", HTTP_HOST="scim.example.com")
        assert_scim_error(response, 401)


class TestHandlers:
    """handler404 and handler500 of the root URLconf."""

    def test_404_under_scim_is_scim(self, rf: RequestFactory) -> None:
        response = handlers.page_not_found(rf.get("/scim/v2/Nowhere"), Http404())
        assert response.status_code == 404
        assert response["Content-Type"] == "application/scim+json"
        assert response.content.startswith(b'{"schemas"')

    def test_404_elsewhere_is_html(self, client: Client) -> None:
        response = client.get("/no-such-page")
        assert response.status_code == 404
        assert response["Content-Type"].startswith("text/html")

    def test_500_in_a_middleware_under_scim(
        self, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
    ) -> None:
        def broken(*_: Any) -> str:
            raise RuntimeError("boom")

        monkeypatch.setattr(context, "request_id_from_header", broken)
        client = Client(raise_request_exception=False)
        assert_scim_error(client.get("/scim/v2/Users"), 500)
        v1 = client.get("/scim/v1/Users")
        assert v1.status_code == 500
        assert v1["Content-Type"] == "application/scim+json"
        assert v1.json()["Errors"][0]["code"] == "500"

    def test_500_elsewhere_is_html(self, rf: RequestFactory) -> None:
        response = handlers.server_error(rf.get("/admin/"))
        assert response.status_code == 500
        assert response["Content-Type"].startswith("text/html")
