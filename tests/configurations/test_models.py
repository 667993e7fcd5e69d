"""Tests of the configuration models and of secrets at rest."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ValidationError

from configurations import crypto
from configurations.models import ApplicationKey, JiraSite
from jiraclient.sites import client_for_site


class TestJiraSiteSecret:
    """Jira credentials are encrypted at rest and readable only with the configured keys."""

    def test_secret_is_encrypted_and_round_trips(self, jira_site: JiraSite) -> None:
        stored = JiraSite.objects.get(pk=jira_site.pk)
        assert "site-pat-secret" not in stored.secret_encrypted
        assert stored.get_secret() == "site-pat-secret"

    def test_each_encryption_differs(self) -> None:
        assert crypto.encrypt("same") != crypto.encrypt("same")

    def test_key_rotation_reads_old_ciphertexts(self, settings) -> None:
        old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
        settings.JIRA_CREDENTIALS_KEYS = [old]
        ciphertext = crypto.encrypt("pat")
        settings.JIRA_CREDENTIALS_KEYS = [new, old]
        assert crypto.decrypt(ciphertext) == "pat"
        settings.JIRA_CREDENTIALS_KEYS = [new]
        with pytest.raises(crypto.SecretUnreadableError, match="enter the secret again"):
            crypto.decrypt(ciphertext)

    def test_basic_auth_needs_username(self, db) -> None:
        site = JiraSite(name="x", base_url="https://jira.example.com", auth_method="basic")
        with pytest.raises(ValidationError, match="needs a Jira username"):
            site.full_clean()

    def test_client_uses_site_credentials(self, jira_site: JiraSite) -> None:
        client = client_for_site(jira_site)
        assert client.base_url.rstrip("/") == jira_site.base_url
        assert "site-pat-secret" not in repr(client)


class TestScimConfiguration:
    """Derived properties of a configuration."""

    def test_default_group_names(self, make_configuration) -> None:
        configuration, _ = make_configuration(default_groups=" a, b ,,A, c ")
        assert configuration.default_group_names == ["a", "b", "c"]

    def test_application_labels_in_canonical_order(self, make_configuration) -> None:
        configuration, _ = make_configuration(
            application_keys=[ApplicationKey.SERVICE_MANAGEMENT, ApplicationKey.CORE]
        )
        assert configuration.application_keys == ["jira-core", "jira-servicedesk"]
        assert configuration.application_labels == ["Jira Core", "Jira Service Management"]

    def test_auth_method_label(self, make_configuration) -> None:
        plain, _ = make_configuration("a")
        basic, _ = make_configuration("b", basic_auth_username="idp")
        assert plain.auth_method_label == "Bearer token"
        assert basic.auth_method_label == "Bearer token + Basic auth"
