"""Alerts: sent once per condition (locmem mail backend, a local webhook receiver)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from alerts.models import AlertChannel, AlertSent, JiraSiteFailure
from alerts.services import alert_expiring_credentials, note_jira_failure, note_jira_success
from configurations.models import JiraSite
from tests.provisioning.conftest import assert_scim_error
from tests.provisioning.writethrough.conftest import MakeIdp, user_body

pytestmark = pytest.mark.django_db


class Receiver(BaseHTTPRequestHandler):
    """Stores every JSON POST it receives."""

    received: list[dict[str, Any]]

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.received.append(json.loads(self.rfile.read(length)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        """Quiet."""


@pytest.fixture
def webhook() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """A webhook receiver on a free port: (its URL, the payloads received)."""
    received: list[dict[str, Any]] = []
    handler = type("Handler", (Receiver,), {"received": received})
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook", received
    server.shutdown()
    server.server_close()


@pytest.fixture
def channels(settings: Any, webhook: tuple[str, list]) -> list[dict[str, Any]]:
    """Alerts go to ops@example.com (locmem) and the webhook; the payloads are returned."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.ALERT_EMAILS = ["ops@example.com"]
    settings.ALERT_WEBHOOK_URL = webhook[0]
    settings.SCIMBRIDGE_PUBLIC_URL = "https://scim.example.com"
    return webhook[1]


class TestBreakerTripped:
    """The breaker's trip alerts once, with a link to the configuration's admin page."""

    def test_once_per_condition(
        self, make_idp: MakeIdp, channels: list, django_capture_on_commit_callbacks: Any
    ) -> None:
        idp, configuration = make_idp(max_group_deletions=1)
        groups = [idp.create_group(f"team-{n}") for n in range(4)]
        with django_capture_on_commit_callbacks(execute=True):
            for group in groups:
                idp.delete(f"Groups/{group['id']}")

        [message] = mail.outbox
        assert message.to == ["ops@example.com"]
        assert "Deprovisioning paused for idp" in message.subject
        link = f"https://scim.example.com/admin/configurations/scimconfiguration/{configuration.pk}/change/"
        assert link in message.body
        [payload] = channels
        assert payload["condition"] == f"breaker:{configuration.pk}"
        assert payload["link"] == link


class TestJiraFailing:
    """Refused credentials alert at once; an outage only after K minutes; both once."""

    def test_jira_refusing_credentials(
        self,
        make_idp: MakeIdp,
        site: JiraSite,
        channels: list,
        django_capture_on_commit_callbacks: Any,
    ) -> None:
        idp, _ = make_idp()
        site.set_secret("not-the-token")
        site.save()
        with django_capture_on_commit_callbacks(execute=True):
            for name in ("a", "b", "c"):
                assert_scim_error(idp.post("Users", user_body(name)), 503)

        assert len(mail.outbox) == 1
        assert "refuses scimbridge's credentials" in mail.outbox[0].subject
        assert AlertSent.objects.get().suppressed == 2
        assert len(channels) == 1

    def test_outage_after_k_minutes(
        self, site: JiraSite, channels: list, settings: Any, django_capture_on_commit_callbacks: Any
    ) -> None:
        settings.ALERT_JIRA_FAILING_MINUTES = 10
        with (
            time_machine.travel(timezone.now(), tick=False) as clock,
            django_capture_on_commit_callbacks(execute=True),
        ):
            note_jira_failure(jira_site_id=site.pk, site_name=site.name, credentials=False)
            clock.shift(timedelta(minutes=9))
            note_jira_failure(jira_site_id=site.pk, site_name=site.name, credentials=False)
            assert mail.outbox == []
            clock.shift(timedelta(minutes=2))
            note_jira_failure(jira_site_id=site.pk, site_name=site.name, credentials=False)
            note_jira_failure(jira_site_id=site.pk, site_name=site.name, credentials=False)
        assert len(mail.outbox) == 1
        assert "failing for over 10 minutes" in mail.outbox[0].subject

    def test_a_success_ends_the_outage(
        self, site: JiraSite, channels: list, django_capture_on_commit_callbacks: Any
    ) -> None:
        with (
            time_machine.travel(timezone.now(), tick=False) as clock,
            django_capture_on_commit_callbacks(execute=True),
        ):
            note_jira_failure(jira_site_id=site.pk, site_name=site.name, credentials=False)
            clock.shift(timedelta(minutes=9))
            note_jira_success(jira_site_id=site.pk)
            clock.shift(timedelta(minutes=2))
            note_jira_failure(jira_site_id=site.pk, site_name=site.name, credentials=False)
        assert mail.outbox == []

    def test_no_outage_is_read_from_the_cache(
        self, site: JiraSite, django_capture_on_commit_callbacks: Any
    ) -> None:
        """Successes without an outage read the outage record once; a new outage is seen."""
        note_jira_success(jira_site_id=site.pk)
        with CaptureQueriesContext(connection) as captured:
            note_jira_success(jira_site_id=site.pk)
        assert captured.captured_queries == []
        with django_capture_on_commit_callbacks(execute=True):
            note_jira_failure(jira_site_id=site.pk, site_name=site.name, credentials=False)
            assert JiraSiteFailure.objects.filter(jira_site=site).exists()
            note_jira_success(jira_site_id=site.pk)
        assert not JiraSiteFailure.objects.filter(jira_site=site).exists()

    def test_again_after_the_repeat_period(
        self, site: JiraSite, channels: list, django_capture_on_commit_callbacks: Any
    ) -> None:
        with time_machine.travel(timezone.now(), tick=False) as clock:
            for minutes in (0, 59, 2):
                clock.shift(timedelta(minutes=minutes))
                with django_capture_on_commit_callbacks(execute=True):
                    note_jira_failure(jira_site_id=site.pk, site_name=site.name, credentials=True)
        assert len(mail.outbox) == 2


class TestExpiringToken:
    """The daily check alerts once per expiring credential, to the site's channel too."""

    def test_site_channel_and_once(
        self,
        make_idp: MakeIdp,
        site: JiraSite,
        settings: Any,
        django_capture_on_commit_callbacks: Any,
    ) -> None:
        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
        AlertChannel.objects.create(jira_site=site, emails="jira-admins@example.com")
        _, _configuration = make_idp(expires_at=timezone.now() + timedelta(days=3))
        with django_capture_on_commit_callbacks(execute=True):
            assert alert_expiring_credentials() == 1
            alert_expiring_credentials()

        [message] = mail.outbox
        assert message.to == ["jira-admins@example.com"]
        assert "token of idp expires soon" in message.subject
