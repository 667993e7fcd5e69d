"""Tests of `manage.py bootstrap_admin`."""

from __future__ import annotations

import io
import os
import stat
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command


@pytest.mark.django_db
class TestBootstrapAdmin:
    """The generated password file is owner-only from its creation."""

    def test_password_file_created_owner_only(self, settings, tmp_path) -> None:
        settings.VAR_DIR = tmp_path
        created_modes: list[int] = []
        real_open = os.open

        def spy_open(path, flags, mode=0o777, *args, **kwargs):
            # The mode the file is created with, before any chmod could narrow it.
            if str(path).endswith("admin-password") and flags & os.O_CREAT:
                created_modes.append(mode)
            return real_open(path, flags, mode, *args, **kwargs)

        with mock.patch("os.open", side_effect=spy_open):
            call_command("bootstrap_admin", stdout=io.StringIO())
        password_file = tmp_path / "admin-password"
        assert created_modes == [0o600]
        assert stat.S_IMODE(password_file.stat().st_mode) == 0o600
        password = password_file.read_text().strip()
        user = get_user_model().objects.get(username="admin")
        assert user.check_password(password)
