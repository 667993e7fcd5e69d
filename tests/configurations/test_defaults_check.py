"""Default groups and applications checked against Jira when a configuration is saved."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from configurations.models import JiraSite, ScimConfiguration
from configurations.services import directory_get_or_create, scim_configuration_create
from tests.fakejira import FakeJira

ADD = reverse("admin:configurations_scimconfiguration_add")


@pytest.fixture
def site(db: Any, fake_jira: FakeJira) -> JiraSite:
    """A site that is the running fake Jira (groups jira-software-users, ... exist)."""
    site = JiraSite(name="fake", base_url=fake_jira.url, timeout=5)
    site.set_secret(fake_jira.admin_token)
    site.save()
    return site


def _new(site: JiraSite, **overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": "Okta",
        "directory": "",
        "new_directory_name": "Okta users",
        "jira_site": str(site.pk),
        "delete_users": "False",
        "default_groups": "jira-software-users",
        "application_keys": ["jira-software"],
    }
    data.update(overrides)
    return data


class TestNewConfiguration:
    """The New configuration page asks Jira before anything is saved."""

    def test_existing_group_and_application_save_without_confirmation(
        self, admin_client: Client, site: JiraSite
    ) -> None:
        response = admin_client.post(ADD, _new(site))
        assert response.status_code == 302
        assert ScimConfiguration.objects.get().default_groups == "jira-software-users"

    def test_missing_group_is_reported_and_must_be_confirmed(
        self, admin_client: Client, site: JiraSite, fake_jira: FakeJira
    ) -> None:
        data = _new(site, default_groups="jira-software-users, contractors")
        response = admin_client.post(ADD, data)
        assert response.status_code == 200
        assert "Jira has no group contractors" in response.content.decode()
        assert not ScimConfiguration.objects.exists()
        confirmed = admin_client.post(ADD, {**data, "confirm_missing_groups": "on"})
        assert confirmed.status_code == 302
        assert ScimConfiguration.objects.get().default_groups == "jira-software-users, contractors"
        assert fake_jira.group("contractors") is None  # saving created nothing in Jira

    def test_application_jira_lacks_is_refused(
        self, admin_client: Client, site: JiraSite, fake_jira: FakeJira
    ) -> None:
        with fake_jira.state.lock:
            del fake_jira.state.roles["jira-servicedesk"]
        data = _new(site, application_keys=["jira-software", "jira-servicedesk"])
        response = admin_client.post(ADD, {**data, "confirm_missing_groups": "on"})
        assert response.status_code == 200
        assert "This Jira has no application jira-servicedesk" in response.content.decode()
        assert not ScimConfiguration.objects.exists()

    def test_unreachable_jira_needs_save_without_checks(
        self, admin_client: Client, jira_site: JiraSite
    ) -> None:
        data = _new(jira_site)
        response = admin_client.post(ADD, data)
        assert response.status_code == 200
        assert "could not be checked" in response.content.decode()
        assert admin_client.post(ADD, {**data, "skip_jira_check": "on"}).status_code == 302


class TestChangeConfiguration:
    """Editing: checked only when the defaults change."""

    def test_changed_groups_are_checked_unchanged_are_not(
        self, admin_client: Client, site: JiraSite, fake_jira: FakeJira
    ) -> None:
        directory = directory_get_or_create(name="Okta users", jira_site=site)
        configuration, _ = scim_configuration_create(
            name="okta", directory=directory, default_groups="legacy-group"
        )
        url = reverse("admin:configurations_scimconfiguration_change", args=[configuration.pk])
        form = {
            "name": "okta",
            "delete_users": "False",
            "default_groups": "legacy-group",
            "application_keys": [],
            "enabled": "on",
            # The guard rails' required fields (#14), at their defaults.
            "max_deprovisions": "50",
            "max_group_deletions": "10",
            "deprovision_window_minutes": "60",
            "username_changes": configuration.username_changes,
        }
        fake_jira.clear_requests()
        assert admin_client.post(url, {**form, "name": "okta-2"}).status_code == 302
        assert not fake_jira.requests("GET", "/rest/api/2/group")
        changed = admin_client.post(url, {**form, "default_groups": "legacy-group, new-group"})
        assert changed.status_code == 200
        assert "Jira has no group legacy-group, new-group" in changed.content.decode()
