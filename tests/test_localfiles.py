"""The SQLite database and var/ are the owner's only, whoever opens them first."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

from scimbridge.localfiles import protect_sqlite


class _Connection:
    vendor = "sqlite"

    def __init__(self, name: str) -> None:
        self.settings_dict = {"NAME": name}


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_sqlite_files_and_var_become_owner_only(tmp_path: Path, settings: Any) -> None:
    """A database made with umask 022 (0644, var/ 0755) is 0600 / 0700 after a connection."""
    var = tmp_path / "var"
    var.mkdir(mode=0o755)
    var.chmod(0o755)
    settings.VAR_DIR = str(var)
    files = [var / "scimbridge.sqlite3", var / "scimbridge.sqlite3-wal"]
    for path in files:
        path.write_bytes(b"")
        path.chmod(0o644)
    protect_sqlite(None, _Connection(str(files[0])))
    assert [_mode(path) for path in files] == [0o600, 0o600]
    assert _mode(var) == 0o700


def test_a_database_elsewhere_leaves_its_folder_alone(tmp_path: Path, settings: Any) -> None:
    """Only var/ is tightened: a database in a shared folder keeps the folder's mode."""
    settings.VAR_DIR = str(tmp_path / "var")
    database = tmp_path / "db.sqlite3"
    database.write_bytes(b"")
    tmp_path.chmod(0o755)
    protect_sqlite(None, _Connection(str(database)))
    assert _mode(database) == 0o600
    assert _mode(tmp_path) == 0o755


def test_the_receiver_is_connected() -> None:
    """Registered at start-up on connection_created."""
    from django.db.backends.signals import connection_created

    uid = "scimbridge-owner-only-sqlite"
    assert connection_created.disconnect(dispatch_uid=uid)
    connection_created.connect(protect_sqlite, dispatch_uid=uid)
