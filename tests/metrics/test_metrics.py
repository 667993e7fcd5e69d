"""GET /metrics: who may read it, and the series real requests, Jira calls and runs feed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from prometheus_client import REGISTRY

from auditlog import services as auditlog_services
from configurations.models import JiraSite, ScimConfiguration
from configurations.services import directory_get_or_create, scim_configuration_create
from provisioning.sync.models import SyncRun
from provisioning.sync.runs import run_request
from tests.fakejira import FakeJira
from tests.provisioning.sync.conftest import run_now

ROOT = Path(__file__).resolve().parents[2]
SCIM = "application/scim+json"


def sample(name: str, **labels: str) -> float:
    """The current value of one series in this process (0 when absent)."""
    return REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.fixture
def on_fake_jira(db: Any, fake_jira: FakeJira) -> tuple[ScimConfiguration, str]:
    """A configuration named okta on a site that is the running fake Jira."""
    site = JiraSite(name="fake", base_url=fake_jira.url, timeout=5)
    site.set_secret(fake_jira.admin_token)
    site.save()
    directory = directory_get_or_create(name="Okta", jira_site=site)
    configuration, credentials = scim_configuration_create(name="okta", directory=directory)
    return configuration, credentials.token


def _user(name: str) -> str:
    return json.dumps(
        {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": name,
            "name": {"givenName": "A", "familyName": "B"},
            "emails": [{"value": f"{name}@example.com", "primary": True}],
        }
    )


class TestAccess:
    """Loopback without a token, a bearer token when METRICS_TOKEN is set, or the allowlist."""

    def test_loopback_reads_without_a_token(self, client: Client, db: Any) -> None:
        """The test client's 127.0.0.1 may read; the exposition is Prometheus text."""
        response = client.get("/metrics")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/plain; version=")
        assert b"scimbridge_audit_log_enabled 0.0" in response.content

    def test_other_addresses_are_refused(self, client: Client, db: Any) -> None:
        """403 with what to do, for a remote address and for a proxied loopback request."""
        remote = client.get("/metrics", REMOTE_ADDR="10.1.2.3")
        assert remote.status_code == 403
        assert b"METRICS_TOKEN" in remote.content
        proxied = client.get("/metrics", HTTP_X_FORWARDED_FOR="203.0.113.9")
        assert proxied.status_code == 403

    def test_allowlist_adds_networks(self, client: Client, db: Any, settings: Any) -> None:
        """METRICS_ALLOWED_ADDRESSES lets a Prometheus server's network in."""
        settings.METRICS_ALLOWED_ADDRESSES = ["10.1.2.0/24"]
        assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
        assert client.get("/metrics", REMOTE_ADDR="10.1.3.3").status_code == 403

    def test_token_is_required_when_set(self, client: Client, db: Any, settings: Any) -> None:
        """With METRICS_TOKEN even loopback needs it; any address may use it."""
        settings.METRICS_TOKEN = "s3cret-metrics"
        missing = client.get("/metrics")
        assert missing.status_code == 401
        assert missing["WWW-Authenticate"].startswith("Bearer")
        wrong = client.get("/metrics", HTTP_AUTHORIZATION="Bearer nope")
        assert wrong.status_code == 401
        right = client.get(
            "/metrics", REMOTE_ADDR="198.51.100.7", HTTP_AUTHORIZATION="Bearer s3cret-metrics"
        )
        assert right.status_code == 200

    def test_only_get(self, client: Client, db: Any) -> None:
        """Writing to /metrics is not a thing."""
        assert client.post("/metrics").status_code == 405


class TestSeries:
    """Each series moves when the real thing happens (the fake Jira over HTTP)."""

    def test_scim_request_and_its_jira_calls(
        self, client: Client, on_fake_jira: tuple[ScimConfiguration, str], fake_jira: FakeJira
    ) -> None:
        """POST /Users: one request by configuration/resource/method/status, Jira calls by site."""
        _, token = on_fake_jira
        site = fake_jira.url
        requests_before = sample(
            "scimbridge_scim_requests_total",
            configuration="okta",
            resource="Users",
            method="POST",
            status="201",
        )
        calls_before = sample(
            "scimbridge_jira_calls_total", site=site, method="POST", status_class="2xx"
        )
        timed_before = sample(
            "scimbridge_scim_request_duration_seconds_count",
            configuration="okta",
            resource="Users",
            method="POST",
        )
        response = client.post(
            "/scim/v2/Users",
            _user("metrics.user"),
            content_type=SCIM,
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )
        assert response.status_code == 201, response.content
        assert (
            sample(
                "scimbridge_scim_requests_total",
                configuration="okta",
                resource="Users",
                method="POST",
                status="201",
            )
            == requests_before + 1
        )
        assert (
            sample(
                "scimbridge_scim_request_duration_seconds_count",
                configuration="okta",
                resource="Users",
                method="POST",
            )
            == timed_before + 1
        )
        assert (
            sample("scimbridge_jira_calls_total", site=site, method="POST", status_class="2xx")
            > calls_before
        )
        body = client.get("/metrics").content.decode()
        assert 'scimbridge_scim_requests_total{configuration="okta",method="POST"' in body

    def test_unauthenticated_and_unknown_paths_stay_bounded(self, client: Client, db: Any) -> None:
        """No token: configuration "-"; a scanner's path: resource "other"."""
        before = sample(
            "scimbridge_scim_requests_total",
            configuration="-",
            resource="other",
            method="GET",
            status="401",
        )
        client.get("/scim/v2/wp-login.php")
        assert (
            sample(
                "scimbridge_scim_requests_total",
                configuration="-",
                resource="other",
                method="GET",
                status="401",
            )
            == before + 1
        )

    def test_write_through_failure_by_kind_and_jira_auth_failures(
        self, client: Client, on_fake_jira: tuple[ScimConfiguration, str], fake_jira: FakeJira
    ) -> None:
        """Jira answers 403 to POST user: one failure of kind jira_forbidden, one auth failure."""
        _, token = on_fake_jira
        fake_jira.fail("POST", "/rest/api/2/user", status=403)
        kind_before = sample("scimbridge_writethrough_failures_total", kind="jira_forbidden")
        auth_before = sample(
            "scimbridge_jira_auth_failures_total", site=fake_jira.url, status="403"
        )
        response = client.post(
            "/scim/v2/Users",
            _user("refused.user"),
            content_type=SCIM,
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )
        assert response.status_code == 503, response.content
        assert (
            sample("scimbridge_writethrough_failures_total", kind="jira_forbidden")
            == kind_before + 1
        )
        assert (
            sample("scimbridge_jira_auth_failures_total", site=fake_jira.url, status="403")
            == auth_before + 1
        )

    def test_utility_run_by_kind_status_duration_and_objects(
        self, on_fake_jira: tuple[ScimConfiguration, str], fake_jira: FakeJira
    ) -> None:
        """A sync that maps 3 users: one succeeded run, its duration, 3 users seen."""
        configuration, _ = on_fake_jira
        fake_jira.seed_users(3)
        runs_before = sample("scimbridge_utility_runs_total", kind="sync", status="succeeded")
        seen_before = sample(
            "scimbridge_utility_run_objects_total",
            kind="sync",
            object_type="users",
            outcome="seen",
        )
        timed_before = sample("scimbridge_utility_run_duration_seconds_count", kind="sync")
        run = run_now(configuration.directory)
        assert run.status == SyncRun.Status.SUCCEEDED
        assert (
            sample("scimbridge_utility_runs_total", kind="sync", status="succeeded")
            == runs_before + 1
        )
        assert sample("scimbridge_utility_run_duration_seconds_count", kind="sync") == (
            timed_before + 1
        )
        seen = sample(
            "scimbridge_utility_run_objects_total",
            kind="sync",
            object_type="users",
            outcome="seen",
        )
        assert seen - seen_before == run.counters["users"]["seen"] >= 3


class TestDatabaseGauges:
    """Read at scrape: the audit log switch and size, active runs and their silence."""

    def test_audit_log_and_active_runs(
        self, client: Client, on_fake_jira: tuple[ScimConfiguration, str]
    ) -> None:
        """Switched on, entries counted; a queued run is reported with its age."""
        configuration, token = on_fake_jira
        auditlog_services.audit_log_set_enabled(enabled=True)
        client.get("/scim/v2/Users", HTTP_AUTHORIZATION=f"Bearer {token}")
        run_request(directory=configuration.directory, kind=SyncRun.Kind.SYNC)
        body = client.get("/metrics").content.decode()
        assert "scimbridge_audit_log_enabled 1.0" in body
        if connection.vendor == "postgresql":
            # The planner's estimate (ANALYZE has not run yet) and the size on disk.
            assert "scimbridge_audit_log_entries " in body
            assert "scimbridge_audit_log_bytes " in body
        else:
            assert "scimbridge_audit_log_entries 1.0" in body
        assert 'scimbridge_utility_runs_active{kind="sync",status="queued"} 1.0' in body
        assert 'scimbridge_utility_run_silent_seconds{directory="Okta",kind="sync"' in body
        assert 'scimbridge_metrics_collector_up{collector="utility_runs_active"} 1.0' in body

    def test_breaker_and_credential_expiry(
        self, client: Client, on_fake_jira: tuple[ScimConfiguration, str]
    ) -> None:
        """The breaker's state and limits per configuration; seconds left of a rotated token."""
        from datetime import timedelta

        from django.utils import timezone

        from configurations.services import scim_configuration_rotate_credentials

        configuration, _ = on_fake_jira
        body = client.get("/metrics").content.decode()
        assert 'scimbridge_deprovisioning_paused{configuration="okta"} 0.0' in body
        assert 'scimbridge_deprovision_limit{configuration="okta",kind="user"} 50.0' in body
        assert 'scimbridge_deprovisions_in_window{configuration="okta",kind="group"} 0.0' in body
        assert "scimbridge_credential_expires_in_seconds{" not in body

        scim_configuration_rotate_credentials(
            configuration=configuration, grace=timedelta(hours=24)
        )
        ScimConfiguration.objects.filter(pk=configuration.pk).update(
            deprovisioning_paused_at=timezone.now()
        )
        body = client.get("/metrics").content.decode()
        assert 'scimbridge_deprovisioning_paused{configuration="okta"} 1.0' in body
        line = next(
            item
            for item in body.splitlines()
            if item.startswith("scimbridge_credential_expires_in_seconds{")
        )
        assert 'credential="previous token"' in line
        assert 23 * 3600 < float(line.rsplit(" ", 1)[1]) <= 24 * 3600
        assert 'scimbridge_metrics_collector_up{collector="credential_expiry"} 1.0' in body

    def test_a_broken_gauge_costs_only_itself(self, db: Any) -> None:
        """The failing gauge reports up 0; the others are still exposed."""
        from scimbridge.metrics.collectors import DatabaseCollector, audit_log_enabled

        def broken() -> list[Any]:
            raise RuntimeError("boom")

        families = {f.name: f for f in DatabaseCollector([broken, audit_log_enabled]).collect()}
        assert "scimbridge_audit_log_enabled" in families
        up = {
            s.labels["collector"]: s.value
            for s in families["scimbridge_metrics_collector_up"].samples
        }
        assert up == {"broken": 0, "audit_log_enabled": 1}


MULTIPROCESS_SCRIPT = """
import os, sys
import django
django.setup()
from django.test import Client
from scimbridge.metrics import series
for _ in range(2):
    pid = os.fork()
    if pid == 0:
        series.SCIM_REQUESTS.labels("okta", "Users", "GET", "200").inc()
        os._exit(0)
    os.waitpid(pid, 0)
series.SCIM_REQUESTS.labels("okta", "Users", "GET", "200").inc()
sys.stdout.write(Client().get("/metrics").content.decode())
"""


def test_multiprocess_mode_adds_up_every_process(tmp_path: Path) -> None:
    """Three processes counted into PROMETHEUS_MULTIPROC_DIR; /metrics shows their sum."""
    env = {
        **os.environ,
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "scimbridge.settings_test",
        # No tables: the gauges fail (up 0, logged); the process series are what is tested.
        "DATABASE_URL": "sqlite:///:memory:",
    }
    result = subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "-c", MULTIPROCESS_SCRIPT],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    line = (
        'scimbridge_scim_requests_total{configuration="okta",method="GET",'
        'resource="Users",status="200"} 3.0'
    )
    assert line in result.stdout, result.stdout[-2000:]
