"""A new user's stored fields: the direct build equals the SCIM model's validated path."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable

import pytest

from provisioning.sync import jira_rows
from provisioning.sync.jira_rows import (
    JiraUserFacts,
    UnmappableUser,
    new_user_fields,
    validated_user_fields,
)

Case = tuple[str, str | None, str | None, bool]

# (userName, displayName, e-mail, active): plain users, odd characters, odd e-mails, limits.
CASES = [
    ("alice", "Alice Example", "alice@example.com", True),
    ("bob", None, None, False),
    ("carol", "Carol", None, True),
    ("dave", None, "dave@example.com", True),
    ("ünïcødé", "名前 テスト", "ünï@例え.jp", True),
    ("o'brien+tag", 'O\'Brien, Dr. "Pat"', "o'brien+tag@Example.COM", True),
    ("Mixed.Case", "  padded display  ", "Mixed.Case@Sub.Example.Org", True),
    ("postmaster", "Postmaster", "PostMaster@example.com", True),
    ("emoji🙂", "🙂 smile", "emoji@xn--e1afmkfd.xn--p1ai", True),
    ("nfd", "e\u0301", "e\u0301@example.com", True),
    ("quoted", None, '"john doe"@example.com', True),
    ("pretty", None, "John Doe <john@example.com>", True),
    ("spaced", None, " spaced@example.com ", True),
    ("name with space", "Tab\tinside", "tab@example.com", True),
    (" padded ", None, "padded@example.com", True),
    ("ctrl\x07name", None, None, True),
    ("x" * 255, "d" * 255, "long@example.com", True),
    ("x" * 256, None, None, True),
    ("longdisplay", "d" * 256, None, True),
    ("noat", None, "not-an-email", True),
    ("badchars", None, "a b@example.com", True),
    ("newline", None, "x@example.com\n", True),
    ("dots", None, "a..b@example.com", True),
    ("local", None, "user@localhost", True),
    ("numeric", None, "user@example.123", True),
    ("literal", None, "user@[127.0.0.1]", True),
    ("longlocal", None, "l" * 65 + "@example.com", True),
]


def facts(name: str, display: str | None, email: str | None, active: bool) -> JiraUserFacts:
    """A Jira user as `JiraUserFacts.from_bean` reads it."""
    return JiraUserFacts.from_bean(
        {
            "key": f"JIRAUSER-{name}",
            "name": name,
            "displayName": display,
            "emailAddress": email,
            "active": active,
        }
    )


def outcome(build: Callable[[JiraUserFacts], object], user: JiraUserFacts) -> str:
    """Everything the tables would store, as JSON (key order included), or the error's text."""
    try:
        fields = build(user)
    except UnmappableUser as exc:
        return f"UnmappableUser: {exc}"
    return json.dumps(dataclasses.asdict(fields), ensure_ascii=False)  # type: ignore[call-overload]


class TestNewUserFields:
    """`new_user_fields` builds plain users directly, byte-equal to the validated path."""

    @pytest.mark.parametrize("case", CASES, ids=lambda case: repr(case[0])[:20])
    def test_equals_the_validated_path(
        self, case: tuple[str, str | None, str | None, bool]
    ) -> None:
        user = facts(*case)
        assert outcome(new_user_fields, user) == outcome(validated_user_fields, user)

    def test_plain_users_skip_the_model(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """The direct build is what runs for a plain user (the model is not asked)."""

        def refuse(_facts: JiraUserFacts) -> None:
            raise AssertionError("validated path used")

        monkeypatch.setattr(jira_rows, "validated_user_fields", refuse)
        fields = new_user_fields(facts("alice", "Alice", "alice@Example.com", active=True))
        assert fields.resource == {
            "emails": [{"value": "alice@example.com", "type": "work", "primary": True}]
        }
        assert [(v.attribute, v.value, v.type, v.primary) for v in fields.values] == [
            ("emails", "alice@example.com", "work", True)
        ]
