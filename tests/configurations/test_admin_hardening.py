"""Hardening of the admin pages: permissions, secrets in error reports and sessions."""

from __future__ import annotations

import sys
from unittest import mock

import pytest
from django.contrib.auth.models import Permission, User
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.core.signals import got_request_exception
from django.urls import reverse
from django.views.debug import ExceptionReporter

from configurations.admin import ISSUED_SESSION_KEY
from configurations.forms import JiraSiteForm
from configurations.models import Directory, JiraSite
from provisioning.models import ScimUser

SECRET = "my-very-secret-pat"


def site_form(site: JiraSite | None = None, **overrides: object) -> dict[str, object]:
    """POST data of the Jira site form (the fixture's site unless told otherwise)."""
    data: dict[str, object] = {
        "name": site.name if site else "Prod",
        "base_url": site.base_url if site else "https://jira.example.com/",
        "auth_method": "token",
        "username": "",
        "secret": "",
        "verify_tls": "on",
        "timeout": "20",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def staff_with(*codenames: str) -> User:
    """A staff user holding only the given configurations permissions."""
    user = User.objects.create_user("operator", password="x", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="configurations", codename__in=codenames)
    )
    return user


def error_report_of(client, url: str, data: dict) -> str:
    """Post, let the view fail, and return Django's error report of that request."""
    reports: list[str] = []

    def capture(sender, request, **kwargs) -> None:
        reports.append(ExceptionReporter(request, *sys.exc_info()).get_traceback_html())

    got_request_exception.connect(capture)
    client.raise_request_exception = False
    try:
        client.post(url, data)
    finally:
        got_request_exception.disconnect(capture)
    assert reports, "the view did not fail"
    return reports[0]


@pytest.mark.django_db
class TestTestConnectionPermission:
    """Test connection calls Jira with the stored secret: it needs change permission."""

    def test_view_only_staff_refused(self, client, jira_site) -> None:
        client.force_login(staff_with("view_jirasite"))
        change = reverse("admin:configurations_jirasite_change", args=[jira_site.pk])
        assert 'id="test-connection"' not in client.get(change).content.decode()
        url = reverse("admin:configurations_jirasite_test_connection", args=[jira_site.pk])
        with mock.patch("configurations.admin_jira.check_jira_connection") as check:
            assert client.post(url).status_code == 403
        check.assert_not_called()

    def test_change_permission_allowed(self, client, jira_site) -> None:
        client.force_login(staff_with("view_jirasite", "change_jirasite"))
        url = reverse("admin:configurations_jirasite_test_connection", args=[jira_site.pk])
        assert client.post(url).status_code == 302


@pytest.mark.django_db
class TestTlsOffNeedsSecret:
    """Switching TLS verification off requires re-entering the secret in the same save."""

    def test_refused_without_secret(self, jira_site) -> None:
        form = JiraSiteForm(site_form(jira_site, verify_tls=None), instance=jira_site)
        assert not form.is_valid()
        assert "turn off TLS" in str(form.errors["secret"])
        jira_site.refresh_from_db()
        assert jira_site.verify_tls is True

    def test_allowed_with_secret(self, jira_site) -> None:
        form = JiraSiteForm(
            site_form(jira_site, verify_tls=None, secret="new-secret"), instance=jira_site
        )
        assert form.is_valid(), form.errors
        site = form.save()
        assert site.verify_tls is False
        assert site.get_secret() == "new-secret"

    def test_other_changes_keep_secret(self, jira_site) -> None:
        form = JiraSiteForm(site_form(jira_site, timeout="30"), instance=jira_site)
        assert form.is_valid(), form.errors


@pytest.mark.django_db
class TestSecretsNotInErrorReports:
    """Django's error reports never show the Jira secret entered in the admin."""

    def test_jira_site_form(self, admin_client) -> None:
        url = reverse("admin:configurations_jirasite_add")
        with mock.patch.object(JiraSiteForm, "save", side_effect=RuntimeError("boom")):
            report = error_report_of(admin_client, url, site_form(secret=SECRET))
        assert "boom" in report
        assert SECRET not in report

    def test_credentials_page(self, admin_client, jira_site) -> None:
        add = reverse("admin:configurations_scimconfiguration_add")
        response = admin_client.post(
            add,
            {
                "name": "Okta",
                "new_directory_name": "Okta users",
                "jira_site": jira_site.pk,
                "basic_auth_username": "okta-basic",
                "delete_users": "False",
            },
        )
        with mock.patch(
            "configurations.admin.scim_base_urls_for_request", side_effect=RuntimeError("boom")
        ):
            report = error_report_of(admin_client, response["Location"], {})
        assert "boom" in report
        assert "scb_" not in report


@pytest.mark.django_db
class TestIssuedCredentialsNotInSession:
    """Credentials waiting to be shown are sealed in the session, not kept in clear."""

    def test_session_holds_no_clear_token(self, admin_client, jira_site) -> None:
        add = reverse("admin:configurations_scimconfiguration_add")
        response = admin_client.post(
            add,
            {
                "name": "Okta",
                "new_directory_name": "Okta users",
                "jira_site": jira_site.pk,
                "basic_auth_username": "okta-basic",
                "delete_users": "False",
            },
        )
        pending = admin_client.session[ISSUED_SESSION_KEY]
        stored = "".join(Session.objects.values_list("session_data", flat=True))
        decoded = repr([session.get_decoded() for session in Session.objects.all()])
        html = admin_client.get(response["Location"]).content.decode()
        token = html.split('<code id="token">', 1)[1].split("<", 1)[0]
        password = html.split('<code id="basic-password">', 1)[1].split("<", 1)[0]
        for secret in (token, password):
            assert secret not in str(pending)
            assert secret not in decoded
            assert secret not in stored
        assert "already shown once" in admin_client.get(response["Location"]).content.decode()

    def test_expired_seal_shows_nothing(self, admin_client, jira_site) -> None:
        add = reverse("admin:configurations_scimconfiguration_add")
        response = admin_client.post(
            add,
            {
                "name": "Okta",
                "new_directory_name": "Okta users",
                "jira_site": jira_site.pk,
                "delete_users": "False",
            },
        )
        with mock.patch("configurations.admin.ISSUED_MAX_AGE", -1000):
            html = admin_client.get(response["Location"]).content.decode()
        assert "scb_" not in html
        assert "already shown once" in html


@pytest.mark.django_db
class TestDirectorySiteFixedOnceRows:
    """A directory's Jira site is read-only once the directory has rows."""

    def other_site(self) -> JiraSite:
        site = JiraSite(name="other", base_url="http://127.0.0.1:10")
        site.set_secret("other-secret")
        site.save()
        return site

    def test_model_clean_refuses_change(self, directory) -> None:
        ScimUser.objects.create(directory=directory, user_name="jdoe", jira_user_key="JIRAUSER1")
        directory.jira_site = self.other_site()
        with pytest.raises(ValidationError, match="cannot change"):
            directory.full_clean()

    def test_empty_directory_may_move(self, directory) -> None:
        directory.jira_site = self.other_site()
        directory.full_clean()

    def test_admin_shows_site_read_only(self, admin_client, directory) -> None:
        other = self.other_site()
        ScimUser.objects.create(directory=directory, user_name="jdoe", jira_user_key="JIRAUSER1")
        url = reverse("admin:configurations_directory_change", args=[directory.pk])
        assert 'name="jira_site"' not in admin_client.get(url).content.decode()
        admin_client.post(url, {"name": directory.name, "jira_site": other.pk, "description": ""})
        assert Directory.objects.get(pk=directory.pk).jira_site_id != other.pk
