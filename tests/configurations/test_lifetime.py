"""Token rotation with a grace period, and expiry, through the SCIM API (time-machine)."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from configurations.lifetime import expiring_credentials
from configurations.services import scim_configuration_rotate_credentials

pytestmark = pytest.mark.django_db


def status(token: str) -> int:
    """The status of GET /scim/v2/Users with this bearer token."""
    return Client().get("/scim/v2/Users", HTTP_AUTHORIZATION=f"Bearer {token}").status_code


def basic_status(username: str, password: str) -> int:
    """The status of GET /scim/v2/Users with this Basic pair."""
    pair = base64.b64encode(f"{username}:{password}".encode()).decode()
    return Client().get("/scim/v2/Users", HTTP_AUTHORIZATION=f"Basic {pair}").status_code


class TestGracePeriod:
    """During the grace period both credentials work; after it only the new ones."""

    def test_both_tokens_then_only_the_new(self, make_configuration) -> None:
        configuration, old = make_configuration(basic_auth_username="okta")
        with time_machine.travel(timezone.now(), tick=False) as clock:
            new = scim_configuration_rotate_credentials(configuration=configuration)

            assert (status(old.token), status(new.token)) == (200, 200)
            assert basic_status("okta", old.basic_auth_password) == 200
            assert basic_status("okta", new.basic_auth_password) == 200
            [previous] = [c for c in expiring_credentials() if c.credential == "previous token"]
            assert previous.expires_at == timezone.now() + timedelta(hours=24)

            clock.shift(timedelta(hours=24, seconds=1))

            assert (status(old.token), status(new.token)) == (401, 200)
            assert basic_status("okta", old.basic_auth_password) == 401
            assert basic_status("okta", new.basic_auth_password) == 200

    def test_zero_grace_stops_the_old_token_at_once(self, make_configuration) -> None:
        configuration, old = make_configuration()
        new = scim_configuration_rotate_credentials(configuration=configuration, grace=timedelta(0))
        assert (status(old.token), status(new.token)) == (401, 200)

    def test_second_rotation_ends_the_first_tokens_grace(self, make_configuration) -> None:
        configuration, first = make_configuration()
        second = scim_configuration_rotate_credentials(configuration=configuration)
        third = scim_configuration_rotate_credentials(configuration=configuration)
        assert [status(t.token) for t in (first, second, third)] == [401, 200, 200]


class TestExpiry:
    """An expired token answers 401 like a wrong one; expiring ones are listed for 14 days."""

    def test_expired_token_is_refused(self, make_configuration) -> None:
        configuration, issued = make_configuration()
        with time_machine.travel(timezone.now(), tick=False) as clock:
            configuration.token_expires_at = timezone.now() + timedelta(days=10)
            configuration.save()
            assert status(issued.token) == 200
            assert [c.credential for c in expiring_credentials()] == ["token"]
            assert expiring_credentials(days=5) == []

            clock.shift(timedelta(days=10))

            assert status(issued.token) == 401
            assert expiring_credentials() == []

    def test_rotation_sets_the_new_expiry(self, make_configuration) -> None:
        configuration, _ = make_configuration()
        expires = timezone.now() + timedelta(days=90)
        new = scim_configuration_rotate_credentials(configuration=configuration, expires_at=expires)
        configuration.refresh_from_db()
        assert configuration.token_expires_at == expires
        assert status(new.token) == 200
