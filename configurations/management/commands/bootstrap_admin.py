"""`manage.py bootstrap_admin`: make sure an admin account exists and say where to log in."""

from __future__ import annotations

import os
import secrets
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    """Create the first superuser with a generated password, once; print the login URL."""

    help = "Create an 'admin' superuser with a generated password when no superuser exists."

    def add_arguments(self, parser: ArgumentParser) -> None:
        """Options: username and the URL to print."""
        parser.add_argument("--username", default="admin")
        parser.add_argument("--url", default="http://127.0.0.1:8000/admin/")

    def handle(self, *args: Any, **options: Any) -> None:
        """Create the account if needed and print how to log in."""
        user_model = get_user_model()
        password_file = Path(settings.VAR_DIR) / "admin-password"
        if user_model.objects.filter(is_superuser=True).exists():
            hint = (
                f" (generated password in {password_file})" if password_file.is_file() else ""
            )
            self.stdout.write(
                f"Log in at {options['url']} with your admin account{hint}. "
                "Forgot it? python manage.py changepassword <username>"
            )
            return
        password = secrets.token_urlsafe(16)
        user_model.objects.create_superuser(options["username"], "", password)
        password_file.parent.mkdir(parents=True, exist_ok=True)
        _write_private(password_file, password + "\n")
        self.stdout.write(
            f"Log in at {options['url']} as {options['username']} / {password}\n"
            f"(the password is also in {password_file}; change it after logging in)"
        )


def _write_private(path: Path, text: str) -> None:
    """Write text to a file that is owner-only (0600) from the moment it exists.

    Creating it with the mode, rather than chmod after writing, leaves no window in which
    another local user can open the file and read the password.
    """
    if path.exists():
        path.unlink()
    # O_EXCL: never follow a planted symlink or reuse a file someone else created.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
