"""Tests of SCIM API authentication: bearer, Basic, disabled, throttled."""

from __future__ import annotations

import base64

import pytest

from configurations.models import ScimConfiguration
from configurations.services import scim_configuration_set_enabled

# No endpoint lives here, so an authenticated request answers 404 and an unauthenticated 401.
PROBE = "/scim/v2/NoSuchEndpoint"


def basic(username: str, password: str) -> str:
    """An Authorization header value for Basic auth."""
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def assert_unauthorized(response) -> None:
    """401 with a SCIM error body, a challenge, and nothing that tells what was wrong."""
    assert response.status_code == 401
    assert response["Content-Type"] == "application/scim+json"
    assert response["WWW-Authenticate"].startswith("Bearer")
    body = response.json()
    assert body["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
    assert body["status"] == "401"
    assert "Authentication failed" in body["detail"]


@pytest.mark.django_db
class TestScimAuthentication:
    """Bearer and Basic credentials resolve a configuration; everything else is 401."""

    def test_missing_credentials(self, client) -> None:
        assert_unauthorized(client.get(PROBE))

    def test_good_bearer_token(self, client, make_configuration) -> None:
        _, issued = make_configuration()
        response = client.get(PROBE, HTTP_AUTHORIZATION=f"Bearer {issued.token}")
        assert response.status_code == 404
        assert response.json()["status"] == "404"

    def test_scheme_is_case_insensitive(self, client, make_configuration) -> None:
        _, issued = make_configuration()
        assert client.get(PROBE, HTTP_AUTHORIZATION=f"bearer {issued.token}").status_code == 404

    @pytest.mark.parametrize(
        "header",
        [
            "Bearer scb_wrong",
            "Bearer ",
            "Token abc",
            "Basic !!!notbase64",
            basic("nobody", "nothing"),
            "Bearer \u00e9".encode().decode("latin-1"),
        ],
    )
    def test_wrong_credentials_all_look_alike(self, client, make_configuration, header) -> None:
        make_configuration(basic_auth_username="okta")
        assert_unauthorized(client.get(PROBE, HTTP_AUTHORIZATION=header))

    def test_same_answer_for_wrong_and_missing(self, client, make_configuration) -> None:
        make_configuration()
        missing = client.get(PROBE).json()
        wrong = client.get(PROBE, HTTP_AUTHORIZATION="Bearer scb_x").json()
        assert missing == wrong

    def test_disabled_configuration(self, client, make_configuration) -> None:
        configuration, issued = make_configuration()
        scim_configuration_set_enabled(configuration=configuration, enabled=False)
        assert_unauthorized(client.get(PROBE, HTTP_AUTHORIZATION=f"Bearer {issued.token}"))

    def test_basic_auth(self, client, make_configuration) -> None:
        _, issued = make_configuration(basic_auth_username="okta-basic")
        good = basic("okta-basic", issued.basic_auth_password)
        assert client.get(PROBE, HTTP_AUTHORIZATION=good).status_code == 404
        assert_unauthorized(client.get(PROBE, HTTP_AUTHORIZATION=basic("okta-basic", issued.token)))

    def test_basic_auth_not_enabled_for_configuration(self, client, make_configuration) -> None:
        _, issued = make_configuration()
        assert_unauthorized(client.get(PROBE, HTTP_AUTHORIZATION=basic("okta", issued.token)))

    def test_last_used_recorded(self, client, make_configuration) -> None:
        configuration, issued = make_configuration()
        assert configuration.last_used_at is None
        client.get(PROBE, HTTP_AUTHORIZATION=f"Bearer {issued.token}")
        assert ScimConfiguration.objects.get(pk=configuration.pk).last_used_at is not None

    def test_scim_v1_errors_use_the_v1_envelope(self, client) -> None:
        response = client.get("/scim/v1/Users")
        assert response.status_code == 401
        assert response.json() == {
            "Errors": [{"description": response.json()["Errors"][0]["description"], "code": "401"}]
        }
        assert "Authentication failed" in response.json()["Errors"][0]["description"]


@pytest.mark.django_db
class TestAuthenticationThrottling:
    """Repeated failures from one address get 429 with Retry-After."""

    def test_throttled_after_limit(self, client, settings, make_configuration) -> None:
        settings.SCIM_AUTH_FAILURE_LIMIT = 3
        settings.SCIM_AUTH_FAILURE_WINDOW = 42
        _, issued = make_configuration()
        for _ in range(3):
            assert client.get(PROBE, HTTP_AUTHORIZATION="Bearer scb_bad").status_code == 401
        response = client.get(PROBE, HTTP_AUTHORIZATION="Bearer scb_bad")
        assert response.status_code == 429
        assert response["Retry-After"] == "42"
        assert response.json()["status"] == "429"
        # The credential is checked first: a good token from the throttled address passes.
        assert client.get(PROBE, HTTP_AUTHORIZATION=f"Bearer {issued.token}").status_code == 404
        # Failures from another address with other tokens are not throttled yet.
        other = client.get(PROBE, HTTP_AUTHORIZATION="Bearer scb_other", REMOTE_ADDR="10.9.9.9")
        assert other.status_code == 401

    def test_a_token_prefix_is_throttled_across_addresses(self, client, settings) -> None:
        settings.SCIM_AUTH_FAILURE_LIMIT = 2
        for number in range(2):
            response = client.get(
                PROBE, HTTP_AUTHORIZATION="Bearer scb_abcdefXYZ", REMOTE_ADDR=f"10.0.0.{number}"
            )
            assert response.status_code == 401
        # Same display prefix (scb_abcdef), a fresh address: the prefix is over the limit.
        response = client.get(
            PROBE, HTTP_AUTHORIZATION="Bearer scb_abcdefOTHER", REMOTE_ADDR="10.0.0.9"
        )
        assert response.status_code == 429
        # Another prefix from another fresh address is not.
        response = client.get(
            PROBE, HTTP_AUTHORIZATION="Bearer scb_zzzzzzOTHER", REMOTE_ADDR="10.0.0.8"
        )
        assert response.status_code == 401

    def test_basic_usernames_are_counted_too(self, client, settings) -> None:
        settings.SCIM_AUTH_FAILURE_LIMIT = 1
        client.get(PROBE, HTTP_AUTHORIZATION=basic("idp", "wrong"), REMOTE_ADDR="10.0.1.1")
        response = client.get(
            PROBE, HTTP_AUTHORIZATION=basic("IDP", "wrong-again"), REMOTE_ADDR="10.0.1.2"
        )
        assert response.status_code == 429

    def test_forwarded_for_without_trusted_proxies_warns_once(self, client, caplog) -> None:
        from provisioning.api import authentication

        authentication._WarnedAt.value = None
        for _ in range(3):
            client.get(PROBE, HTTP_X_FORWARDED_FOR="198.51.100.1")
        warnings = [r for r in caplog.records if "TRUSTED_PROXY_COUNT=0" in r.getMessage()]
        assert len(warnings) == 1
        assert warnings[0].levelname == "WARNING"

    def test_no_warning_with_trusted_proxies(self, client, caplog, settings) -> None:
        from provisioning.api import authentication

        authentication._WarnedAt.value = None
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
        client.get(PROBE, HTTP_X_FORWARDED_FOR="198.51.100.1")
        assert "TRUSTED_PROXY_COUNT=0" not in caplog.text

    def test_forwarded_for_ignored_without_trusted_proxies(
        self, client, settings, make_configuration
    ) -> None:
        settings.SCIM_AUTH_FAILURE_LIMIT = 2
        for spoofed in ("1.1.1.1", "2.2.2.2", "3.3.3.3"):
            client.get(PROBE, HTTP_AUTHORIZATION="Bearer scb_bad", HTTP_X_FORWARDED_FOR=spoofed)
        assert client.get(PROBE, HTTP_X_FORWARDED_FOR="4.4.4.4").status_code == 429

    def test_successes_do_not_count(self, client, settings, make_configuration) -> None:
        settings.SCIM_AUTH_FAILURE_LIMIT = 2
        _, issued = make_configuration()
        for _ in range(5):
            assert client.get(PROBE, HTTP_AUTHORIZATION=f"Bearer {issued.token}").status_code == 404
