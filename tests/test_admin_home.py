"""The SCIM home page (admin index), site health, `/`, the date format, Basic auth by rotation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from configurations.breaker import HeldRequestInfo, breaker_resume, breaker_trip
from configurations.connection import ConnectionReport
from configurations.models import JiraSite
from configurations.selectors import scim_configuration_by_basic
from configurations.services import (
    scim_configuration_rotate_credentials,
    scim_configuration_set_mode,
)
from configurations.site_health import site_health_get, site_health_record, site_health_refresh
from provisioning.sync.models import SyncRun
from provisioning.sync.runs import run_request
from scimbridge.templatetags.when import format_moment
from tests.fakejira import FakeJira

HOME = reverse("admin:index")


def fake_site(fake: FakeJira, *, token: str | None = None) -> JiraSite:
    """A Jira site on the fake Jira."""
    site = JiraSite(name="Jira DC", base_url=fake.url, timeout=5)
    site.set_secret(token or fake.admin_token)
    site.save()
    return site


def hold(configuration, path: str) -> None:
    """Trip the configuration's breaker on one deactivation request."""
    breaker_trip(
        configuration.pk,
        HeldRequestInfo(kind="user", method="PATCH", path=path, body="{}", summary="deactivate"),
    )


def drift_run(directory, **counts: int) -> SyncRun:
    """A finished drift check with these counts per kind."""
    run = run_request(directory=directory, kind=SyncRun.Kind.DRIFT)
    run.status = SyncRun.Status.SUCCEEDED
    run.started_at = run.finished_at = timezone.now()
    run.counters = {"drift": counts}
    run.save()
    return run


@pytest.mark.django_db
class TestHomePage:
    """What the index shows, without calling Jira."""

    def test_root_redirects_to_the_admin(self, client) -> None:
        response = client.get("/")
        assert response.status_code == 302
        assert response["Location"] == HOME

    def test_sections_in_the_plugins_order_and_no_view_site(
        self, admin_client, make_configuration
    ) -> None:
        make_configuration("Okta")
        html = admin_client.get(HOME).content.decode()
        ids = ["home-general", "home-new", "home-utilities", "home-drift", "home-customization",
               "home-audit-log", "home-sites", "home-runs"]
        positions = [html.index(f'id="{section}"') for section in ids]
        assert positions == sorted(positions)
        assert "View site" not in html
        assert "Okta users" in html
        assert "never" in html

    def test_never_calls_jira_and_asks_the_script_to_check(
        self, admin_client, fake_jira: FakeJira, directory
    ) -> None:
        site = fake_site(fake_jira)
        fake_jira.clear_requests()
        html = admin_client.get(HOME).content.decode()
        assert not fake_jira.requests()
        assert "Not checked yet" in html
        assert reverse("admin:home_site_health", args=[site.pk]) in html

    def test_query_count_does_not_grow_with_rows(
        self, admin_client, make_configuration, directory, django_assert_max_num_queries
    ) -> None:
        for n in range(5):
            configuration, _ = make_configuration(f"idp-{n}", mode="shadow" if n % 2 else "live")
            run_request(directory=directory, kind=SyncRun.Kind.SYNC).delete()
            hold(configuration, f"/scim/v2/Users/{n}")
            scim_configuration_rotate_credentials(
                configuration=configuration, expires_at=timezone.now() + timedelta(days=n + 1)
            )
        drift_run(directory, missing_in_jira=2)
        admin_client.get(HOME)  # warm the session and the content types
        with django_assert_max_num_queries(14):
            assert admin_client.get(HOME).status_code == 200

    def test_last_run_of_each_utility_with_its_result(
        self, admin_client, directory
    ) -> None:
        run = run_request(directory=directory, kind=SyncRun.Kind.CLEAR_TABLES)
        run.status = SyncRun.Status.FAILED
        run.save()
        html = admin_client.get(HOME).content.decode()
        assert reverse("admin:provisioning_syncrun_change", args=[run.pk]) in html
        assert "sb-state-failed" in html

    def test_mode_badge_links_to_go_live_when_shadow(self, admin_client, make_configuration):
        live, _ = make_configuration("Okta")
        shadow, _ = make_configuration("Entra")
        scim_configuration_set_mode(configuration=shadow, mode="shadow")
        html = admin_client.get(HOME).content.decode()
        golive = reverse("admin:provisioning_syncrun_golive", args=[shadow.pk])
        assert f'<a class="sb-badge sb-badge-shadow" href="{golive}"' in html
        assert reverse("admin:provisioning_syncrun_golive", args=[live.pk]) not in html
        assert 'sb-badge-live' in html

    def test_paused_deprovisioning_with_held_count_links_to_resume(
        self, admin_client, make_configuration
    ) -> None:
        configuration, _ = make_configuration("Okta")
        hold(configuration, "/scim/v2/Users/a")
        hold(configuration, "/scim/v2/Users/b")
        hold(configuration, "/scim/v2/Users/b")  # a retry of the same request
        html = admin_client.get(HOME).content.decode()
        resume = reverse("admin:configurations_scimconfiguration_resume", args=[configuration.pk])
        assert f'href="{resume}"' in html
        assert ">PAUSED</a>" in html
        assert "2 held requests" in html
        breaker_resume(configuration=configuration)
        html = admin_client.get(HOME).content.decode()
        assert "PAUSED" not in html
        assert "running" in html

    def test_token_expiry_warning_and_grace_end(self, admin_client, make_configuration) -> None:
        configuration, _ = make_configuration("Okta")
        html = admin_client.get(HOME).content.decode()
        assert "sb-warning-mark" not in html
        soon = timezone.now() + timedelta(days=3)
        scim_configuration_rotate_credentials(
            configuration=configuration, grace=timedelta(hours=6), expires_at=soon
        )
        configuration.refresh_from_db()
        html = admin_client.get(HOME).content.decode()
        assert format_moment(soon) in html
        assert "sb-warning-mark" in html
        assert f"previous token <code>{configuration.previous_token_prefix}…</code> until " in html
        assert format_moment(configuration.previous_token_expires_at) in html
        scim_configuration_rotate_credentials(
            configuration=configuration, grace=timedelta(0),
            expires_at=timezone.now() + timedelta(days=60),
        )
        html = admin_client.get(HOME).content.decode()
        assert "sb-warning-mark" not in html
        assert "previous token" not in html

    def test_drift_section_per_directory(self, admin_client, directory, django_db_setup) -> None:
        from configurations.services import directory_get_or_create

        other = directory_get_or_create(name="Entra users", jira_site=directory.jira_site)
        run = drift_run(directory, missing_in_jira=3, attribute_differs=1)
        html = admin_client.get(HOME).content.decode()
        section = html[html.index('id="home-drift"'):html.index('id="home-customization"')]
        assert reverse("admin:provisioning_syncrun_drift", args=[directory.pk]) in section
        assert reverse("admin:provisioning_syncrun_drift", args=[other.pk]) in section
        assert reverse("admin:provisioning_syncrun_change", args=[run.pk]) in section
        assert "Missing in Jira: 3" in section
        assert "Attribute differs: 1" in section
        assert "<strong>4</strong>" in section
        assert format_moment(run.finished_at) in section
        assert "never checked" in section

    def test_staff_without_permission_sees_only_the_page_list(self, client, django_user_model):
        user = django_user_model.objects.create_user("viewer", password="x", is_staff=True)
        client.force_login(user)
        html = client.get(HOME).content.decode()
        assert 'id="home-general"' not in html


@pytest.mark.django_db
class TestSiteHealth:
    """Remembered from Test connection; refreshed with the short timeout."""

    def test_test_connection_is_remembered(self, admin_client, fake_jira: FakeJira) -> None:
        site = fake_site(fake_jira)
        admin_client.post(reverse("admin:configurations_jirasite_test_connection", args=[site.pk]))
        health = site_health_get(site)
        assert health is not None
        assert health.state == "ok"
        assert health.version == "9.12.4"
        assert health.fresh

    def test_endpoint_checks_and_renders(self, admin_client, fake_jira: FakeJira) -> None:
        site = fake_site(fake_jira, token="wrong")
        body = admin_client.get(reverse("admin:home_site_health", args=[site.pk])).json()
        assert body["state"] == "error"
        assert "refused the credentials (401)" in body["html"]

    @override_settings(HEALTHZ_JIRA_TIMEOUT=0.5)
    def test_slow_jira_is_bounded_by_the_short_timeout(self, fake_jira: FakeJira) -> None:
        site = fake_site(fake_jira)
        fake_jira.delay("GET", "/rest/api/2/serverInfo", 3)
        health = site_health_refresh(site=site)
        assert health is not None
        assert health.state == "error"
        assert "did not answer within 0.5 seconds" in health.message

    def test_an_edited_site_is_not_checked_yet(self, fake_jira: FakeJira) -> None:
        site = fake_site(fake_jira)
        site_health_record(site=site, report=ConnectionReport(ok=True, message="ok"))
        site.base_url = fake_jira.url + "/"
        site.save()
        assert site_health_get(site) is None

    def test_one_checker_at_a_time(self, fake_jira: FakeJira) -> None:
        from django.core.cache import cache

        site = fake_site(fake_jira)
        key = f"admin:site-health:{site.pk}:{site.updated_at.timestamp()}:lock"
        cache.add(key, 1)
        fake_jira.clear_requests()
        assert site_health_refresh(site=site) is None
        assert not fake_jira.requests()


def test_one_date_format_local_time_with_seconds() -> None:
    moment = datetime(2026, 12, 2, 0, 43, 5, 123456, tzinfo=UTC)
    assert format_moment(moment) == "2026-12-02 00:43:05 UTC"
    with override_settings(TIME_ZONE="Europe/Berlin"):
        assert format_moment(moment) == "2026-12-02 01:43:05 CET"
    assert format_moment(None) == "—"


@pytest.mark.django_db
class TestBasicAuthByRotation:
    """The change page's Rotate token turns Basic auth on, changes it or turns it off."""

    def test_turn_on_then_off(self, admin_client, make_configuration) -> None:
        configuration, _ = make_configuration()
        url = reverse("admin:configurations_scimconfiguration_rotate", args=[configuration.pk])
        html = admin_client.post(url, {"basic_auth_username": "okta-basic"}, follow=True)
        page = html.content.decode()
        password = page.split('id="basic-password">')[1].split("<")[0]
        assert scim_configuration_by_basic("okta-basic", password) == configuration
        admin_client.post(url, {"basic_auth_username": ""})
        configuration.refresh_from_db()
        assert configuration.basic_auth_username == ""
        assert scim_configuration_by_basic("okta-basic", password) is None

    def test_absent_field_keeps_basic_auth(self, admin_client, make_configuration) -> None:
        configuration, _ = make_configuration(basic_auth_username="keep")
        url = reverse("admin:configurations_scimconfiguration_rotate", args=[configuration.pk])
        admin_client.post(url)
        configuration.refresh_from_db()
        assert configuration.basic_auth_username == "keep"

    def test_taken_username_is_refused_and_nothing_changes(
        self, admin_client, make_configuration
    ) -> None:
        make_configuration("other", basic_auth_username="taken")
        configuration, issued = make_configuration("okta")
        url = reverse("admin:configurations_scimconfiguration_rotate", args=[configuration.pk])
        response = admin_client.post(url, {"basic_auth_username": "TAKEN"})
        assert response.status_code == 400
        assert "Another configuration uses this Basic auth username." in response.content.decode()
        configuration.refresh_from_db()
        assert configuration.token_prefix == issued.token[: len(configuration.token_prefix)]
