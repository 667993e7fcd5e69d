"""Source-address allowlists, through the trusted-proxy header (TRUSTED_PROXY_COUNT)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from configurations.allowlist import address_allowed
from configurations.services import normalise_networks
from tests.provisioning.conftest import assert_scim_error

pytestmark = pytest.mark.django_db

OKTA_LIKE = "192.0.2.0/24\n2001:db8:10::/48"


@pytest.fixture
def behind_proxy(settings: Any) -> None:
    """One trusted proxy in front: the client is the last X-Forwarded-For entry."""
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}


def get(token: str, forwarded_for: str) -> Any:
    """GET /Users from the proxy (REMOTE_ADDR 10.0.0.5) on behalf of `forwarded_for`."""
    return Client().get(
        "/scim/v2/Users",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        HTTP_X_FORWARDED_FOR=forwarded_for,
        REMOTE_ADDR="10.0.0.5",
    )


@pytest.mark.usefixtures("behind_proxy")
class TestThroughTheProxy:
    """The address the trusted-proxy setting resolves is the one checked."""

    def test_allowlisted_ipv4_and_ipv6(self, make_configuration) -> None:
        _, issued = make_configuration(allowed_networks=OKTA_LIKE)
        assert get(issued.token, "192.0.2.77").status_code == 200
        assert get(issued.token, "2001:db8:10::1234").status_code == 200

    def test_outside_is_403_whether_or_not_the_token_is_valid(self, make_configuration) -> None:
        _, issued = make_configuration(allowed_networks=OKTA_LIKE)

        valid = assert_scim_error(get(issued.token, "198.51.100.9"), 403)
        wrong = assert_scim_error(get("scb_wrong-token", "198.51.100.9"), 403)

        assert valid == wrong
        assert "source address" in valid["detail"]

    def test_the_proxy_address_itself_does_not_count(self, make_configuration) -> None:
        _, issued = make_configuration(allowed_networks="10.0.0.0/8")
        assert_scim_error(get(issued.token, "198.51.100.9"), 403)

    def test_inside_with_a_wrong_token_is_401(self, make_configuration) -> None:
        make_configuration(allowed_networks=OKTA_LIKE)
        assert_scim_error(get("scb_wrong-token", "192.0.2.1"), 401)


class TestWithoutProxy:
    """TRUSTED_PROXY_COUNT=0: a forged X-Forwarded-For is ignored, the socket address counts."""

    def test_forged_header_does_not_pass(self, make_configuration) -> None:
        _, issued = make_configuration(allowed_networks=OKTA_LIKE)
        assert_scim_error(get(issued.token, "192.0.2.77"), 403)

    def test_empty_list_accepts_any_address(self, make_configuration) -> None:
        _, issued = make_configuration()
        assert get(issued.token, "198.51.100.9").status_code == 200


class TestParsing:
    """Ranges are checked and stored canonically; IPv4-mapped IPv6 clients match IPv4."""

    def test_canonical_and_bad_entries(self) -> None:
        assert normalise_networks("192.0.2.1/24, 2001:DB8::/32\n# comment") == (
            "192.0.2.0/24\n2001:db8::/32"
        )
        with pytest.raises(ValidationError, match="not an IPv4 or IPv6"):
            normalise_networks("192.0.2.0/33")

    def test_ipv4_mapped(self, make_configuration) -> None:
        configuration, _ = make_configuration(allowed_networks="192.0.2.0/24")
        assert address_allowed(configuration, "::ffff:192.0.2.8")
        assert not address_allowed(configuration, "not-an-address")
