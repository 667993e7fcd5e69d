"""Tests of GET /healthz."""

from __future__ import annotations

import os
from datetime import timedelta
from unittest import mock

import pytest
import redis
from django.contrib.auth.models import User
from django.db import connection
from django.db.utils import OperationalError
from django.utils import timezone

from configurations.models import JiraSite

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")
HEALTH_TOKEN = "health-token-for-tests"  # a planted test value
AUTH = {"HTTP_AUTHORIZATION": f"Bearer {HEALTH_TOKEN}"}


def redis_available() -> bool:
    """Whether the Redis the suite may use answers (CI always starts one)."""
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.fixture(autouse=True)
def _health_token(settings) -> None:
    settings.HEALTHZ_TOKEN = HEALTH_TOKEN


def fake_site(fake_jira, secret: str | None = None) -> JiraSite:
    """A Jira site on the fake Jira."""
    site = JiraSite(name="fake", base_url=fake_jira.url)
    site.set_secret(secret or fake_jira.admin_token)
    site.save()
    return site


@pytest.mark.django_db
class TestHealthz:
    """The health check reports each dependency and fails only with the database."""

    def test_embedded_default(self, client) -> None:
        response = client.get("/healthz", **AUTH)
        assert response.status_code == 200
        assert response.json() == {
            "status": "ok", "database": "ok", "broker": "in-process", "jira": {}
        }
        assert "no-cache" in response["Cache-Control"]

    def test_unreachable_jira_site_is_reported_not_fatal(self, client, jira_site) -> None:
        response = client.get("/healthz", **AUTH)
        assert response.status_code == 200
        assert response.json()["jira"] == {"jira": "error"}
        assert response.json()["status"] == "degraded"

    def test_database_unreachable_answers_503(self, client) -> None:
        with mock.patch.object(
            connection, "cursor", side_effect=OperationalError("connection refused")
        ):
            response = client.get("/healthz", **AUTH)
        assert response.status_code == 503
        assert response.json()["database"] == "error"
        assert response.json()["status"] == "error"

    @pytest.mark.skipif(
        not redis_available() and not os.environ.get("CI"), reason="no Redis on this machine"
    )
    def test_broker_ok(self, client, settings) -> None:
        settings.CELERY_TASK_ALWAYS_EAGER = False
        settings.CELERY_BROKER_URL = REDIS_URL
        assert client.get("/healthz", **AUTH).json()["broker"] == "ok"

    def test_broker_unreachable(self, client, settings) -> None:
        settings.CELERY_TASK_ALWAYS_EAGER = False
        settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
        response = client.get("/healthz", **AUTH)
        assert response.status_code == 200
        assert response.json()["broker"] == "error"
        assert response.json()["status"] == "degraded"

    def test_post_not_allowed(self, client) -> None:
        assert client.post("/healthz").status_code == 405


@pytest.mark.django_db
class TestHealthzAnonymous:
    """Anonymous callers get the overall status only, and never cause a Jira call."""

    def test_status_only_no_site_names_no_jira_call(self, client, fake_jira) -> None:
        fake_site(fake_jira)
        response = client.get("/healthz")
        assert response.status_code == 200
        assert response.json() == {"status": "ok"}
        assert "fake" not in response.content.decode()
        assert fake_jira.requests("GET", "/rest/api/2/serverInfo") == []

    def test_database_down_still_503(self, client) -> None:
        with mock.patch.object(
            connection, "cursor", side_effect=OperationalError("connection refused")
        ):
            response = client.get("/healthz")
        assert response.status_code == 503
        assert response.json() == {"status": "error"}

    def test_cached_jira_error_makes_degraded(self, client, jira_site) -> None:
        client.get("/healthz", **AUTH)  # an authorised check finds the site down
        assert client.get("/healthz").json() == {"status": "degraded"}

    def test_wrong_token_is_anonymous(self, client, fake_jira) -> None:
        fake_site(fake_jira)
        response = client.get("/healthz", HTTP_AUTHORIZATION="Bearer wrong")
        assert response.json() == {"status": "ok"}
        assert fake_jira.requests("GET", "/rest/api/2/serverInfo") == []

    def test_unset_token_authorises_nobody(self, client, settings) -> None:
        settings.HEALTHZ_TOKEN = ""
        assert client.get("/healthz", HTTP_AUTHORIZATION="Bearer ").json() == {"status": "ok"}

    def test_staff_session_sees_details(self, client) -> None:
        client.force_login(User.objects.create_user("ops", is_staff=True))
        assert client.get("/healthz").json()["database"] == "ok"

    def test_non_staff_session_does_not(self, client) -> None:
        client.force_login(User.objects.create_user("someone"))
        assert client.get("/healthz").json() == {"status": "ok"}

    def test_staff_see_credentials_expiring_within_14_days(
        self, client, make_configuration
    ) -> None:
        soon = timezone.now() + timedelta(days=13)
        make_configuration("soon", expires_at=soon)
        make_configuration("later", expires_at=timezone.now() + timedelta(days=15))
        client.force_login(User.objects.create_user("ops", is_staff=True))

        [item] = client.get("/healthz").json()["expiring_credentials"]

        assert (item["configuration"], item["credential"]) == ("soon", "token")
        assert item["expires_at"] == soon.isoformat()


@pytest.mark.django_db
class TestHealthzJira:
    """Each Jira site's status, asked over HTTP, cached briefly, one refresh at a time."""

    def test_reachable_site_ok_and_cached(self, client, fake_jira) -> None:
        fake_site(fake_jira)
        assert client.get("/healthz", **AUTH).json()["jira"] == {"fake": "ok"}
        assert client.get("/healthz", **AUTH).json()["jira"] == {"fake": "ok"}
        assert len(fake_jira.requests("GET", "/rest/api/2/serverInfo")) == 1

    def test_wrong_credentials_are_an_error(self, client, fake_jira) -> None:
        fake_site(fake_jira, secret="wrong")
        response = client.get("/healthz", **AUTH)
        assert response.status_code == 200
        assert response.json()["jira"] == {"fake": "error"}

    def test_one_refresh_at_a_time(self, client, fake_jira, settings) -> None:
        from django.core.cache import cache

        from scimbridge.health import _keys

        site = fake_site(fake_jira)
        _fresh, last_key, lock_key = _keys(site)
        # Another request holds the refresh lock: this one answers without calling Jira.
        cache.add(lock_key, 1)
        assert client.get("/healthz", **AUTH).json()["jira"] == {"fake": "checking"}
        cache.set(last_key, "error")
        assert client.get("/healthz", **AUTH).json()["jira"] == {"fake": "error"}
        assert fake_jira.requests("GET", "/rest/api/2/serverInfo") == []
        cache.delete(lock_key)
        assert client.get("/healthz", **AUTH).json()["jira"] == {"fake": "ok"}
        assert len(fake_jira.requests("GET", "/rest/api/2/serverInfo")) == 1
