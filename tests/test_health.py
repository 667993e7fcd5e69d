"""Tests of GET /healthz."""

from __future__ import annotations

import os
from unittest import mock

import pytest
import redis
from django.db import connection
from django.db.utils import OperationalError

from configurations.models import JiraSite

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")


def redis_available() -> bool:
    """Whether the Redis the suite may use answers (CI always starts one)."""
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.mark.django_db
class TestHealthz:
    """The health check reports each dependency and fails only with the database."""

    def test_embedded_default(self, client) -> None:
        response = client.get("/healthz")
        assert response.status_code == 200
        assert response.json() == {"database": "ok", "broker": "in-process", "jira": {}}
        assert "no-cache" in response["Cache-Control"]

    def test_unreachable_jira_site_is_reported_not_fatal(self, client, jira_site) -> None:
        response = client.get("/healthz")
        assert response.status_code == 200
        assert response.json()["jira"] == {"jira": "error"}

    def test_database_unreachable_answers_503(self, client) -> None:
        with mock.patch.object(
            connection, "cursor", side_effect=OperationalError("connection refused")
        ):
            response = client.get("/healthz")
        assert response.status_code == 503
        assert response.json()["database"] == "error"

    @pytest.mark.skipif(
        not redis_available() and not os.environ.get("CI"), reason="no Redis on this machine"
    )
    def test_broker_ok(self, client, settings) -> None:
        settings.CELERY_TASK_ALWAYS_EAGER = False
        settings.CELERY_BROKER_URL = REDIS_URL
        assert client.get("/healthz").json()["broker"] == "ok"

    def test_broker_unreachable(self, client, settings) -> None:
        settings.CELERY_TASK_ALWAYS_EAGER = False
        settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
        response = client.get("/healthz")
        assert response.status_code == 200
        assert response.json()["broker"] == "error"

    def test_post_not_allowed(self, client) -> None:
        assert client.post("/healthz").status_code == 405


@pytest.mark.django_db
class TestHealthzJira:
    """Each Jira site's status, asked over HTTP and cached briefly."""

    def test_reachable_site_ok_and_cached(self, client, fake_jira) -> None:
        site = JiraSite(name="fake", base_url=fake_jira.url)
        site.set_secret(fake_jira.admin_token)
        site.save()
        assert client.get("/healthz").json()["jira"] == {"fake": "ok"}
        assert client.get("/healthz").json()["jira"] == {"fake": "ok"}
        assert len(fake_jira.requests("GET", "/rest/api/2/serverInfo")) == 1

    def test_wrong_credentials_are_an_error(self, client, fake_jira) -> None:
        site = JiraSite(name="fake", base_url=fake_jira.url)
        site.set_secret("wrong")
        site.save()
        response = client.get("/healthz")
        assert response.status_code == 200
        assert response.json()["jira"] == {"fake": "error"}
