"""JiraClient group calls against the fake Jira."""

from __future__ import annotations

import pytest

from jiraclient import JiraConflict, JiraNotFound, JiraRefused


class TestCreateDelete:
    """create_group, delete_group, get_group, find_group."""

    def test_create_and_read(self, fake_jira, client):
        assert client.create_group("Team")["name"] == "Team"
        assert client.get_group("team") == {"name": "team", "total": 0}
        assert client.find_group("nothing") is None
        with pytest.raises(JiraNotFound):
            client.get_group("nothing")

    def test_duplicate_is_a_conflict(self, fake_jira, client):
        fake_jira.seed_group("team", members=["admin"])
        with pytest.raises(JiraConflict) as caught:
            client.create_group("TEAM")
        assert caught.value.existing == {"name": "TEAM", "total": 1}

    def test_empty_name_is_refused(self, client):
        with pytest.raises(JiraRefused):
            client.create_group(" ")

    def test_delete_with_and_without_swap_group(self, fake_jira, client):
        fake_jira.seed_group("old", visibility_in_use=True)
        fake_jira.seed_group("new")
        with pytest.raises(JiraRefused):
            client.delete_group("old")
        client.delete_group("old", swap_group="new")
        assert fake_jira.group("old") is None
        assert fake_jira.requests("DELETE")[-1].arg("swapGroup") == "new"
        with pytest.raises(JiraNotFound):
            client.delete_group("old")


class TestMembership:
    """add_group_member and remove_group_member are idempotent."""

    @pytest.mark.parametrize("version", ["8.20.0", "9.12.4", "10.3.0"])
    def test_add_twice_is_success(self, fake_jira_factory, client_for, version):
        fake = fake_jira_factory(version)
        fake.seed_user("fred")
        fake.seed_group("team")
        jira = client_for(fake, username="admin", password="admin")
        jira.add_group_member("team", "fred")
        jira.add_group_member("TEAM", "FRED")  # 400 "already a member" (plain text on 8.x)
        assert fake.members("team") == {"fred"}

    def test_add_missing_user_or_group(self, fake_jira, client):
        fake_jira.seed_user("fred")
        fake_jira.seed_group("team")
        with pytest.raises(JiraNotFound):
            client.add_group_member("team", "ghost")
        with pytest.raises(JiraNotFound):
            client.add_group_member("ghosts", "fred")

    def test_remove_twice_is_success(self, fake_jira, client):
        fake_jira.seed_user("fred", groups=["team"])
        client.remove_group_member("team", "fred")
        client.remove_group_member("team", "fred")
        client.remove_group_member("team", "ghost")  # no such user: not a member either
        assert fake_jira.members("team") == set()

    def test_remove_from_missing_group_is_not_found(self, fake_jira, client):
        fake_jira.seed_user("fred")
        with pytest.raises(JiraNotFound):
            client.remove_group_member("ghosts", "fred")


class TestFind:
    """find_groups and pick_groups (groups/picker)."""

    def test_find_groups(self, fake_jira, client):
        for name in ("eng-a", "eng-b", "sales"):
            fake_jira.seed_group(name)
        assert [g["name"] for g in client.find_groups("eng")] == ["eng-a", "eng-b"]
        assert [g["name"] for g in client.find_groups("eng", exclude=["eng-a"])] == ["eng-b"]
        assert [g["name"] for g in client.find_groups("eng", max_results=1)] == ["eng-a"]
        assert client.find_groups("a&b") == []
        assert fake_jira.requests()[-1].arg("query") == "a&b"

    def test_pick_groups_tells_a_capped_answer_in_one_call(self, fake_jira, client):
        for name in ("eng-a", "eng-b", "sales"):
            fake_jira.seed_group(name)
        fake_jira.clear_requests()
        pick = client.pick_groups("", max_results=2)
        assert [g["name"] for g in pick.groups] == ["eng-a", "eng-b"]
        # Jira's own groups (jira-administrators, ...) count too: every group matches "".
        assert pick.total == len(fake_jira.groups) > 2
        assert client.pick_groups("eng", max_results=5).total == 2
        picker_calls = fake_jira.requests("GET", "/rest/api/2/groups/picker")
        assert [r.arg("maxResults") for r in picker_calls] == ["2", "5"]

    def test_pick_groups_without_total(self, fake_jira, client):
        fake_jira.fail(
            "GET", "/rest/api/2/groups/picker", status=200, body={"groups": [{"name": "x"}]}
        )
        pick = client.pick_groups("")
        assert pick.groups == [{"name": "x"}]
        assert pick.total is None
