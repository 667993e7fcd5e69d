"""`manage.py check --deploy` with the documented HTTPS variables set (docs/deployment.md)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent


def check_deploy(tmp_path: Path, **variables: str) -> subprocess.CompletedProcess:
    """Run `manage.py check --deploy` with production settings and these variables."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "SECURE_", "HTTPS", "DEBUG", "DATABASE_URL"))
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "scimbridge.settings",
            "SCIMBRIDGE_VAR_DIR": str(tmp_path),
            "DEBUG": "false",
            "SECRET_KEY": "k" * 20 + Fernet.generate_key().decode(),
            "JIRA_CREDENTIALS_KEYS": Fernet.generate_key().decode(),
            "ALLOWED_HOSTS": "scim.example.com",
            **variables,
        }
    )
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


class TestDeployCheck:
    """HTTPS=true turns on the redirect, HSTS and secure cookies; the deploy check is quiet."""

    def test_quiet_with_https(self, tmp_path) -> None:
        result = check_deploy(
            tmp_path,
            HTTPS="true",
            SECURE_HSTS_INCLUDE_SUBDOMAINS="true",
            SECURE_HSTS_PRELOAD="true",
        )
        assert result.returncode == 0, result.stderr + result.stdout
        assert "no issues" in result.stdout

    def test_without_https_it_warns(self, tmp_path) -> None:
        result = check_deploy(tmp_path)
        assert result.returncode != 0
        for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
            assert warning in result.stderr


class TestSslRedirect:
    """With the redirect on, the admin goes to https; /healthz stays reachable over http."""

    def test_healthz_exempt(self, client, settings, db) -> None:
        settings.SECURE_SSL_REDIRECT = True
        assert client.get("/admin/login/").status_code == 301
        assert client.get("/healthz").status_code == 200
