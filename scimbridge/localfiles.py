"""Local state stays the owner's: the SQLite database (and its -wal/-shm) 0600, var/ 0700.

scripts/start runs with umask 077; this covers everything else that opens the database
(``manage.py`` by hand, a systemd unit with the default umask): at each new connection the
files are made owner-only when they are not.
"""

from __future__ import annotations

import contextlib
import stat
from pathlib import Path
from typing import Any

from django.conf import settings

SQLITE_SUFFIXES = ("", "-wal", "-shm", "-journal")


def owner_only(path: Path, mode: int) -> None:
    """chmod `path` to `mode` when it exists and grants anything to group or others."""
    with contextlib.suppress(FileNotFoundError, PermissionError):
        if stat.S_IMODE(path.stat().st_mode) & 0o077:
            path.chmod(mode)


def protect_sqlite(sender: Any, connection: Any, **kwargs: Any) -> None:
    """``connection_created`` receiver: the SQLite files, and var/ when they live in it."""
    if connection.vendor != "sqlite":
        return
    name = str(connection.settings_dict.get("NAME") or "")
    if not name or name == ":memory:" or name.startswith("file:"):
        return
    database = Path(name)
    for suffix in SQLITE_SUFFIXES:
        owner_only(database.with_name(database.name + suffix), 0o600)
    if database.parent.resolve() == Path(settings.VAR_DIR).resolve():
        owner_only(database.parent, 0o700)
