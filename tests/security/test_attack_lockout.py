"""Attack 2 of issue 19: failures of others lock a valid IdP out (429)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


class TestLockoutOfAValidIdp:
    """A valid credential is never throttled because other clients failed."""

    def test_fifteen_wrong_tokens_then_the_valid_one(self, scim) -> None:
        for _ in range(15):
            scim.client.get("/scim/v2/Users", HTTP_AUTHORIZATION="Bearer scb_wrong-token")
        assert scim.get("Users").status_code == 200

    def test_behind_a_proxy_every_client_shares_one_address(self, scim) -> None:
        # TRUSTED_PROXY_COUNT=0: the forwarded addresses are ignored, all come from the proxy.
        for number in range(15):
            scim.client.get(
                "/scim/v2/Users",
                HTTP_AUTHORIZATION=f"Bearer scb_guess{number:04d}",
                HTTP_X_FORWARDED_FOR=f"203.0.113.{number}",
            )
        assert scim.get("Users", headers={"X-Forwarded-For": "198.51.100.1"}).status_code == 200
        assert scim.post("Users", {"userName": "after-the-storm"}).status_code == 201

    def test_the_failing_client_is_still_throttled(self, scim) -> None:
        for _ in range(15):
            response = scim.client.get("/scim/v2/Users", HTTP_AUTHORIZATION="Bearer scb_wrong")
        assert response.status_code == 429
        assert int(response["Retry-After"]) > 0
