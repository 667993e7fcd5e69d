"""The Python API of FakeJira: seeding, reading state, copies, version switches."""

from __future__ import annotations

import time

import pytest

from tests.fakejira import FakeJira, Features
from tests.fakejira.features import parse_version


class TestSeeding:
    """Helpers that set up state without HTTP."""

    def test_bulk_seeding_thousands_is_fast(self, fake_jira):
        started = time.monotonic()
        keys = fake_jira.seed_users(5000, groups=["jira-software-users", "big"])
        assert time.monotonic() - started < 2
        assert len(keys) == len(set(keys)) == 5000
        assert keys[0] == "JIRAUSER10100"
        assert len(fake_jira.members("big")) == 5000
        assert fake_jira.user("user05000").display_name == "User 05000"

    def test_seed_user_options(self, fake_jira):
        user = fake_jira.seed_user(
            "Fred", email="fred@x.example", groups=["team"], applications=["jira-core"], admin=True
        )
        assert user.email == "fred@x.example"
        assert fake_jira.groups_of("fred") == {"team", "jira-core-users", "jira-administrators"}
        assert fake_jira.has_application("FRED", "jira-core")
        assert fake_jira.is_member("TEAM", "fred")

    def test_state_is_returned_as_copies(self, fake_jira):
        fake_jira.seed_user("fred")
        fake_jira.user("fred").active = False
        fake_jira.users[fake_jira.user("fred").key].name = "x"
        assert fake_jira.user("fred").active is True

    def test_duplicates_are_refused(self, fake_jira):
        fake_jira.seed_user("fred")
        with pytest.raises(ValueError, match="exists"):
            fake_jira.seed_user("FRED")
        fake_jira.seed_group("team")
        with pytest.raises(ValueError, match="exists"):
            fake_jira.seed_group("Team")


class TestVersions:
    """Version strings and the switches they drive."""

    @pytest.mark.parametrize(
        ("text", "numbers"),
        [("9.12.4", (9, 12, 4)), ("10.3", (10, 3, 0)), ("8.20.1-m0003", (8, 20, 1))],
    )
    def test_parse_version(self, text, numbers):
        assert parse_version(text) == numbers

    @pytest.mark.parametrize(
        ("version", "active", "user_list", "total_cap", "last_login"),
        [
            ("8.2.0", False, False, None, False),
            ("8.3.0", True, False, None, False),
            ("9.17.0", True, False, None, False),
            ("10.2.1", True, False, 100, False),
            ("10.3.0", True, True, 100, False),
            ("11.3.0", True, True, 100, True),
        ],
    )
    def test_switches(self, version, active, user_list, total_cap, last_login):
        features = Features.for_version(version)
        assert features.active_in_put is active
        assert features.user_list is user_list
        assert features.search_total_cap == total_cap
        assert features.last_login_time is last_login

    def test_overrides(self):
        fake = FakeJira("9.12.4", features={"plain_text_already_member": True})
        assert fake.features.plain_text_already_member is True
