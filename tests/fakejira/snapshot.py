"""The fake Jira's whole state as bytes: equal bytes mean Jira was left exactly as it was."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from tests.fakejira import FakeJira


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, (set, frozenset)):
        return sorted(_plain(v) for v in value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def jira_snapshot(jira: FakeJira) -> bytes:
    """Users (every field, passwords included), groups, memberships and application roles."""
    state = jira.state
    with state.lock:
        data = {
            "users": _plain(state.users),
            "groups": _plain(state.groups),
            "user_groups": _plain(state._user_groups),
            "roles": _plain(state.roles),
            "next_id": state.next_id,
        }
    return json.dumps(data, sort_keys=True, default=str).encode()
