"""Tests of the admin pages: General tab, New configuration, credentials once, Jira sites."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from configurations.models import Directory, JiraSite, ScimConfiguration
from configurations.selectors import scim_configuration_by_basic, scim_configuration_by_token
from provisioning.policy import current_policy

CHANGELIST = reverse("admin:configurations_scimconfiguration_changelist")
ADD = reverse("admin:configurations_scimconfiguration_add")


def issued_token(html: str) -> str:
    """The token shown on the credentials page."""
    match = re.search(r'<code id="token">(scb_[A-Za-z0-9_-]+)</code>', html)
    assert match, "no token on the page"
    return match.group(1)


def new_configuration_form(**overrides: object) -> dict[str, object]:
    """POST data of the New configuration page."""
    data: dict[str, object] = {
        "name": "Okta",
        "directory": "",
        "new_directory_name": "Okta users",
        "jira_site": "",
        "basic_auth_username": "",
        "delete_users": "False",
        "default_groups": "jira-software-users, staff",
        "application_keys": ["jira-software"],
        # The test site does not listen: its defaults cannot be checked (test_defaults_check.py).
        "skip_jira_check": "on",
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
class TestGeneralTab:
    """The configurations list shows every option and absolute SCIM URLs."""

    def test_columns(self, admin_client, make_configuration) -> None:
        make_configuration(
            "Entra",
            basic_auth_username="entra",
            delete_users=True,
            default_groups="g1,g2",
            application_keys=["jira-core", "jira-servicedesk"],
        )
        html = admin_client.get(CHANGELIST, HTTP_HOST="scim.example.com").content.decode()
        for text in (
            "Entra",
            "Okta users",  # directory
            "jira",  # site
            "Bearer token + Basic auth",
            "Delete",
            "g1, g2",
            "Jira Core, Jira Service Management",
            "http://scim.example.com/scim/v2",
            "http://scim.example.com/scim/v1",
            "Last used",
        ):
            assert text in html, text

    def test_https_behind_proxy(self, admin_client, make_configuration, settings) -> None:
        settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
        make_configuration()
        html = admin_client.get(
            CHANGELIST, HTTP_HOST="scim.example.com", HTTP_X_FORWARDED_PROTO="https"
        ).content.decode()
        assert "https://scim.example.com/scim/v2" in html

    def test_enable_disable_actions(self, admin_client, make_configuration) -> None:
        configuration, issued = make_configuration()
        admin_client.post(
            CHANGELIST, {"action": "disable_selected", "_selected_action": [configuration.pk]}
        )
        assert scim_configuration_by_token(issued.token) is None
        admin_client.post(
            CHANGELIST, {"action": "enable_selected", "_selected_action": [configuration.pk]}
        )
        assert scim_configuration_by_token(issued.token) == configuration

    def test_change_page_shows_no_secret(self, admin_client, make_configuration) -> None:
        configuration, issued = make_configuration(basic_auth_username="b")
        url = reverse("admin:configurations_scimconfiguration_change", args=[configuration.pk])
        html = admin_client.get(url).content.decode()
        assert configuration.token_prefix in html
        assert issued.token not in html
        assert issued.basic_auth_password not in html
        assert configuration.token_digest not in html
        assert "/scim/v2" in html
        assert "Rotate token" in html

    def test_change_options(self, admin_client, make_configuration) -> None:
        configuration, _ = make_configuration()
        url = reverse("admin:configurations_scimconfiguration_change", args=[configuration.pk])
        response = admin_client.post(
            url,
            {
                "name": "Okta prod",
                "delete_users": "True",
                "default_groups": "a, b, a",
                "application_keys": ["jira-core"],
                "enabled": "on",
                "max_deprovisions": "50",
                "max_group_deletions": "10",
                "deprovision_window_minutes": "60",
                "username_changes": "rename",
                "skip_jira_check": "on",
            },
        )
        assert response.status_code == 302
        configuration.refresh_from_db()
        assert configuration.name == "Okta prod"
        assert configuration.delete_users is True
        assert configuration.default_groups == "a, b"
        assert configuration.application_keys == ["jira-core"]


@pytest.mark.django_db
class TestNewConfiguration:
    """"New configuration" then "Generate token": credentials shown exactly once."""

    def test_form_offers_the_plugin_options(self, admin_client, jira_site) -> None:
        html = admin_client.get(ADD).content.decode()
        for text in (
            "User directory",
            "Create a new directory",
            "Username for Basic auth",
            "Delete users",
            "Default group(s)",
            "Jira Core",
            "Jira Software",
            "Jira Service Management",
            "Re-create renamed groups",
            "Generate token",
        ):
            assert text in html, text

    def test_create_with_new_directory_shows_token_once(self, admin_client, jira_site) -> None:
        response = admin_client.post(ADD, new_configuration_form(jira_site=jira_site.pk))
        assert response.status_code == 302
        configuration = ScimConfiguration.objects.get()
        assert response["Location"].endswith(f"/{configuration.pk}/credentials/")
        assert configuration.directory.name == "Okta users"
        assert configuration.directory.jira_site == jira_site
        assert configuration.default_group_names == ["jira-software-users", "staff"]
        assert configuration.application_keys == ["jira-software"]
        assert configuration.delete_users is False

        first = admin_client.get(response["Location"])
        html = first.content.decode()
        assert "no-store" in first["Cache-Control"]
        assert "will not be shown again" in html
        token = issued_token(html)
        assert scim_configuration_by_token(token) == configuration
        assert "/scim/v2" in html

        second = admin_client.get(response["Location"]).content.decode()
        assert token not in second
        assert "already shown once" in second

    def test_existing_directory_and_basic_auth(self, admin_client, directory) -> None:
        response = admin_client.post(
            ADD,
            new_configuration_form(
                directory=directory.pk,
                new_directory_name="",
                basic_auth_username="okta-basic",
                delete_users="True",
                recreate_renamed_groups="on",
            ),
        )
        html = admin_client.get(response["Location"]).content.decode()
        password = re.search(r'<code id="basic-password">([^<]+)</code>', html).group(1)
        configuration = ScimConfiguration.objects.get()
        assert configuration.directory == directory
        assert configuration.delete_users is True
        assert configuration.recreate_renamed_groups is True
        assert scim_configuration_by_basic("okta-basic", password) == configuration
        assert Directory.objects.count() == 1

    @pytest.mark.parametrize(
        ("overrides", "message"),
        [
            ({"new_directory_name": ""}, "Choose a directory or name a new one"),
            ({"jira_site": ""}, "Choose the Jira site"),
            ({"application_keys": ["jira-nope"]}, "Select a valid choice"),
            ({"name": ""}, "This field is required"),
        ],
    )
    def test_invalid_form_creates_nothing(
        self, admin_client, jira_site, overrides, message
    ) -> None:
        data = new_configuration_form(jira_site=jira_site.pk)
        data.update(overrides)
        response = admin_client.post(ADD, data)
        assert response.status_code == 200
        assert message in response.content.decode()
        assert not ScimConfiguration.objects.exists()

    def test_duplicate_names_refused(self, admin_client, make_configuration, directory) -> None:
        make_configuration("Okta", basic_auth_username="taken")
        response = admin_client.post(
            ADD,
            new_configuration_form(
                directory=directory.pk, new_directory_name="", basic_auth_username="TAKEN"
            ),
        )
        html = response.content.decode()
        assert "A configuration with this name already exists" in html
        assert "Another configuration uses this Basic auth username" in html

    def test_credentials_page_of_another_configuration_shows_nothing(
        self, admin_client, jira_site, make_configuration
    ) -> None:
        other, _ = make_configuration("Other")
        response = admin_client.post(
            ADD, new_configuration_form(jira_site=jira_site.pk, new_directory_name="Second")
        )
        assert response.status_code == 302
        url = reverse("admin:configurations_scimconfiguration_credentials", args=[other.pk])
        assert "scb_" not in admin_client.get(url).content.decode()
        # ...and the pending credentials are still shown on their own page.
        assert "scb_" in admin_client.get(response["Location"]).content.decode()

    def test_requires_staff(self, client, jira_site) -> None:
        response = client.post(ADD, new_configuration_form(jira_site=jira_site.pk))
        assert response.status_code == 302
        assert "/login/" in response["Location"]
        assert not ScimConfiguration.objects.exists()


@pytest.mark.django_db
class TestRotateToken:
    """Rotation asks first, then shows the new credentials once."""

    def test_confirm_then_rotate(self, admin_client, make_configuration) -> None:
        configuration, old = make_configuration()
        url = reverse("admin:configurations_scimconfiguration_rotate", args=[configuration.pk])
        assert "keeps the current token" in admin_client.get(url).content.decode()
        assert scim_configuration_by_token(old.token) == configuration  # GET changes nothing

        response = admin_client.post(url, {"grace_hours": "0"})
        token = issued_token(admin_client.get(response["Location"]).content.decode())
        assert token != old.token
        assert scim_configuration_by_token(old.token) is None
        assert scim_configuration_by_token(token) == configuration


@pytest.mark.django_db
class TestJiraSiteAdmin:
    """The Jira secret is write-only: stored encrypted, never rendered back."""

    ADD_SITE = reverse("admin:configurations_jirasite_add")

    def site_form(self, **overrides: object) -> dict[str, object]:
        data: dict[str, object] = {
            "name": "Prod",
            "base_url": "https://jira.example.com/jira/",
            "auth_method": "token",
            "username": "",
            "secret": "my-very-secret-pat",
            "verify_tls": "on",
            "timeout": "20",
        }
        data.update(overrides)
        return data

    def test_add_and_never_render_secret(self, admin_client) -> None:
        response = admin_client.post(self.ADD_SITE, self.site_form())
        assert response.status_code == 302
        site = JiraSite.objects.get()
        assert site.base_url == "https://jira.example.com/jira"
        assert site.get_secret() == "my-very-secret-pat"
        for url in (
            reverse("admin:configurations_jirasite_change", args=[site.pk]),
            reverse("admin:configurations_jirasite_changelist"),
        ):
            html = admin_client.get(url).content.decode()
            assert "my-very-secret-pat" not in html
            assert site.secret_encrypted not in html

    def test_blank_secret_keeps_current(self, admin_client, jira_site) -> None:
        url = reverse("admin:configurations_jirasite_change", args=[jira_site.pk])
        response = admin_client.post(
            url, self.site_form(name="jira", base_url=jira_site.base_url, secret="")
        )
        assert response.status_code == 302
        jira_site.refresh_from_db()
        assert jira_site.get_secret() == "site-pat-secret"

    def test_protection_lists_are_edited_on_the_site(self, admin_client) -> None:
        form = self.site_form(
            protected_groups="release-managers",
            unprotected_groups="helpdesk-admins",
            protected_users="breakglass\nroot2",
        )
        page = admin_client.get(self.ADD_SITE).content.decode()
        assert "Least power: what SCIM never touches" in page

        assert admin_client.post(self.ADD_SITE, form).status_code == 302

        site = JiraSite.objects.get()
        rules = current_policy(site)
        assert rules.protects_group("Release-Managers")
        assert not rules.protects_group("helpdesk-admins")
        assert rules.protects_user(name="root2")

    def test_new_site_needs_secret(self, admin_client) -> None:
        response = admin_client.post(self.ADD_SITE, self.site_form(secret=""))
        assert "Enter the token or password" in response.content.decode()
        assert not JiraSite.objects.exists()

    def test_changing_account_needs_secret_again(self, admin_client, jira_site) -> None:
        url = reverse("admin:configurations_jirasite_change", args=[jira_site.pk])
        response = admin_client.post(
            url,
            self.site_form(
                name="jira", base_url=jira_site.base_url, auth_method="basic",
                username="admin", secret="",
            ),
        )
        assert "account or URL changed" in response.content.decode()

    def test_basic_needs_username(self, admin_client) -> None:
        response = admin_client.post(self.ADD_SITE, self.site_form(auth_method="basic"))
        assert "Basic authentication needs a Jira username" in response.content.decode()
