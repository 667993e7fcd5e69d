"""Tests of the configuration services: credentials issued once, stored only as digests."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from configurations import credentials
from configurations.models import ScimConfiguration
from configurations.selectors import scim_configuration_by_basic, scim_configuration_by_token
from configurations.services import (
    directory_get_or_create,
    jira_site_get_or_create,
    scim_configuration_rotate_credentials,
    scim_configuration_set_enabled,
    scim_configuration_touch,
)


def dump_database() -> str:
    """Every row of every table, as Django serialises them."""
    out = io.StringIO()
    call_command("dumpdata", stdout=out)
    return out.getvalue()


class TestIssuedCredentials:
    """Tokens and passwords: random, shown once, never stored raw."""

    def test_token_shape(self, make_configuration) -> None:
        configuration, issued = make_configuration()
        assert issued.token.startswith(credentials.TOKEN_PREFIX)
        assert len(issued.token) >= len(credentials.TOKEN_PREFIX) + 43  # 32 random bytes
        assert configuration.token_prefix == issued.token[: len(configuration.token_prefix)]
        assert len(configuration.token_prefix) < 16

    def test_tokens_are_unique(self, make_configuration) -> None:
        tokens = {make_configuration(f"c{i}")[1].token for i in range(5)}
        assert len(tokens) == 5

    def test_raw_secrets_appear_nowhere_in_the_database(self, make_configuration) -> None:
        _, issued = make_configuration(basic_auth_username="okta-basic")
        dump = dump_database()
        assert issued.token not in dump
        assert issued.basic_auth_password not in dump
        assert issued.token[len(credentials.TOKEN_PREFIX) + 8 :] not in dump
        assert credentials.digest(issued.token) in dump

    def test_lookup_by_token(self, make_configuration) -> None:
        configuration, issued = make_configuration()
        assert scim_configuration_by_token(issued.token) == configuration
        assert scim_configuration_by_token(issued.token + "x") is None
        assert scim_configuration_by_token("") is None
        assert scim_configuration_by_token("scb_" + "a" * 500) is None

    def test_lookup_by_basic(self, make_configuration) -> None:
        configuration, issued = make_configuration(basic_auth_username="Okta-Basic")
        assert scim_configuration_by_basic("okta-basic", issued.basic_auth_password) == (
            configuration
        )
        assert scim_configuration_by_basic("okta-basic", "wrong") is None
        assert scim_configuration_by_basic("other", issued.basic_auth_password) is None

    def test_disabled_configuration_authenticates_nothing(self, make_configuration) -> None:
        configuration, issued = make_configuration(basic_auth_username="b")
        scim_configuration_set_enabled(configuration=configuration, enabled=False)
        assert scim_configuration_by_token(issued.token) is None
        assert scim_configuration_by_basic("b", issued.basic_auth_password) is None

    def test_rotation_without_grace_replaces_both_secrets(self, make_configuration) -> None:
        configuration, old = make_configuration(basic_auth_username="b")
        new = scim_configuration_rotate_credentials(
            configuration=configuration, grace=timedelta(0)
        )
        assert new.token != old.token
        assert new.basic_auth_password != old.basic_auth_password
        assert scim_configuration_by_token(old.token) is None
        assert scim_configuration_by_basic("b", old.basic_auth_password) is None
        assert scim_configuration_by_token(new.token) == configuration
        assert scim_configuration_by_basic("b", new.basic_auth_password) == configuration

    def test_basic_usernames_unique_case_insensitively(self, make_configuration) -> None:
        make_configuration("a", basic_auth_username="Okta")
        with pytest.raises(ValidationError):
            make_configuration("b", basic_auth_username="okta")

    def test_unknown_application_key_refused(self, make_configuration) -> None:
        with pytest.raises(ValidationError, match="jira-softwar"):
            make_configuration(application_keys=["jira-softwar"])


class TestLastUsed:
    """last_used_at is written at most once a minute."""

    def test_touch_resolution(self, make_configuration, monkeypatch) -> None:
        configuration, _ = make_configuration()
        scim_configuration_touch(configuration=configuration)
        first = ScimConfiguration.objects.get(pk=configuration.pk).last_used_at
        assert first is not None
        scim_configuration_touch(configuration=ScimConfiguration.objects.get(pk=configuration.pk))
        assert ScimConfiguration.objects.get(pk=configuration.pk).last_used_at == first
        # A copy loaded before the touch (the credential cache's) does not write again.
        scim_configuration_touch(configuration=configuration.__class__(pk=configuration.pk))
        assert ScimConfiguration.objects.get(pk=configuration.pk).last_used_at == first
        later = first + timedelta(minutes=2)
        monkeypatch.setattr("configurations.services.timezone.now", lambda: later)
        scim_configuration_touch(configuration=ScimConfiguration.objects.get(pk=configuration.pk))
        assert ScimConfiguration.objects.get(pk=configuration.pk).last_used_at > first


class TestSitesAndDirectories:
    """Headless helpers for sites and directories."""

    def test_site_get_or_create_reuses_url_and_replaces_credentials(self, db) -> None:
        site = jira_site_get_or_create(base_url="https://jira.example.com/", token="t1")
        again = jira_site_get_or_create(
            base_url="https://jira.example.com", username="admin", password="pw"
        )
        assert again.pk == site.pk
        assert again.auth_method == "basic"
        assert again.get_secret() == "pw"

    def test_site_needs_credentials(self, db) -> None:
        with pytest.raises(ValidationError, match="personal access token"):
            jira_site_get_or_create(base_url="https://jira.example.com")

    def test_directory_on_another_site_refused(self, jira_site) -> None:
        directory_get_or_create(name="d", jira_site=jira_site)
        other = jira_site_get_or_create(base_url="https://other.example.com", token="t")
        with pytest.raises(ValidationError, match="belongs to Jira site"):
            directory_get_or_create(name="d", jira_site=other)
