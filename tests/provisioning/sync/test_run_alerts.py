"""A failed utility run sends one alert, with a link to the runs in the admin."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail

from configurations.models import Directory
from tests.fakejira import FakeJira

from .conftest import run_now

pytestmark = pytest.mark.django_db


def test_failed_sync_alerts_once(
    fake_jira: FakeJira,
    make_directory: Callable[..., Directory],
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.ALERT_EMAILS = ["ops@example.com"]
    settings.SCIMBRIDGE_PUBLIC_URL = "https://scim.example.com"
    directory = make_directory(fake_jira)
    directory.jira_site.set_secret("wrong-token")
    directory.jira_site.save()

    with django_capture_on_commit_callbacks(execute=True):
        run = run_now(directory)

    [message] = mail.outbox
    assert f"failed for directory {directory.name}" in message.subject
    assert "credentials" in message.body
    assert f"run {run.pk}" in message.body
    assert "https://scim.example.com/admin/provisioning/syncrun/" in message.body
