"""Attack: guessing an admin's password on /admin/login/ (issue 19, item 7)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client

LOGIN = "/admin/login/?next=/admin/"
GOOD = "a-long-admin-password-1"  # planted test values
BAD = "guess"


def login(client: Client, username: str, password: str) -> int:
    """POST the admin login form; 302 means logged in, 200 a refused login, 429 locked."""
    response = client.post(LOGIN, {"username": username, "password": password})
    return response.status_code


@pytest.fixture
def admins(db) -> None:
    User.objects.create_superuser("admin", "", GOOD)
    User.objects.create_superuser("ops", "", GOOD)


@pytest.mark.usefixtures("admins")
class TestAdminLoginThrottle:
    """N bad logins lock the username on that address for a cool-off; others still log in."""

    def test_bad_logins_lock_the_next_one(self) -> None:
        attacker = Client(REMOTE_ADDR="203.0.113.7")
        for _ in range(settings.AXES_FAILURE_LIMIT - 1):
            assert login(attacker, "admin", BAD) == 200
        # The limit-th failure already locks; even the right password is refused then.
        assert login(attacker, "admin", BAD) == 429
        assert login(attacker, "admin", GOOD) == 429
        assert "_auth_user_id" not in attacker.session

    def test_good_login_elsewhere_still_works(self) -> None:
        attacker = Client(REMOTE_ADDR="203.0.113.7")
        for _ in range(settings.AXES_FAILURE_LIMIT):
            login(attacker, "admin", BAD)
        # The owner from their own address, and another admin from the attacker's address.
        assert login(Client(REMOTE_ADDR="198.51.100.2"), "admin", GOOD) == 302
        assert login(Client(REMOTE_ADDR="203.0.113.7"), "ops", GOOD) == 302

    def test_scim_failures_do_not_touch_admin_login(self) -> None:
        client = Client(REMOTE_ADDR="203.0.113.7")
        for _ in range(settings.AXES_FAILURE_LIMIT + 1):
            client.get("/scim/v2/Users", HTTP_AUTHORIZATION="Bearer scb_wrong")
        assert login(client, "admin", GOOD) == 302
