"""Group endpoints of the fake Jira, as jira-rest.md describes them, per version switch."""

from __future__ import annotations

import pytest


class TestCreateDelete:
    """``POST /group`` and ``DELETE /group``."""

    def test_create_then_duplicate_case_insensitively(self, fake_jira, api):
        response = api.post("/group", {"name": "Team"})
        assert response.status_code == 201
        assert response.json()["name"] == "Team"
        assert response.json()["users"]["size"] == 0
        duplicate = api.post("/group", {"name": "TEAM"})
        assert duplicate.status_code == 400
        assert duplicate.json()["errorMessages"]
        assert api.post("/group", {"name": " "}).status_code == 400
        assert set(fake_jira.groups) >= {"Team"}

    def test_delete(self, fake_jira, api):
        fake_jira.seed_user("fred", groups=["team"])
        assert api.delete("/group", groupname="TEAM").status_code == 200
        assert fake_jira.group("team") is None
        assert fake_jira.groups_of("fred") == set()
        assert api.delete("/group", groupname="team").status_code == 404

    def test_swap_group(self, fake_jira, api):
        fake_jira.seed_group("old", visibility_in_use=True)
        fake_jira.seed_group("new")
        assert api.delete("/group", groupname="old").status_code == 400
        assert api.delete("/group", groupname="old", swapGroup="missing").status_code == 404
        assert api.delete("/group", groupname="old", swapGroup="old").status_code == 400
        assert api.delete("/group", groupname="old", swapGroup="new").status_code == 200


class TestMembers:
    """``GET /group/member`` paging."""

    def test_pages_with_total_is_last_and_next_page(self, fake_jira, api):
        fake_jira.seed_users(120, groups=["big"])
        first = api.get("/group/member", groupname="big", maxResults=50).json()
        assert (first["startAt"], first["maxResults"], first["total"]) == (0, 50, 120)
        assert first["isLast"] is False
        assert "startAt=50" in first["nextPage"]
        last = api.get("/group/member", groupname="big", startAt=100, maxResults=50).json()
        assert (len(last["values"]), last["isLast"]) == (20, True)
        assert "nextPage" not in last
        member = first["values"][0]
        assert {"self", "key", "name", "emailAddress", "displayName", "active"} <= set(member)

    def test_page_size_is_capped(self, fake_jira, api):
        fake_jira.seed_users(80, groups=["big"])
        body = api.get("/group/member", groupname="big", maxResults=1000).json()
        assert len(body["values"]) == body["maxResults"] == 50

    def test_inactive_users_only_on_request(self, fake_jira, api):
        fake_jira.seed_user("on", groups=["team"])
        fake_jira.seed_user("off", groups=["team"], active=False)
        default = api.get("/group/member", groupname="team").json()
        everyone = api.get("/group/member", groupname="team", includeInactiveUsers="true").json()
        assert [u["name"] for u in default["values"]] == ["on"]
        assert [u["name"] for u in everyone["values"]] == ["off", "on"]

    def test_includes_members_of_nested_groups(self, fake_jira, api):
        fake_jira.seed_user("parentmember", groups=["parent"])
        fake_jira.seed_user("childmember", groups=["child"])
        fake_jira.seed_nested_group("parent", "child")
        body = api.get("/group/member", groupname="parent").json()
        assert [u["name"] for u in body["values"]] == ["childmember", "parentmember"]
        assert fake_jira.members("parent") == {"parentmember"}
        assert fake_jira.members("parent", nested=True) == {"parentmember", "childmember"}

    def test_missing_group_is_404(self, api):
        assert api.get("/group/member", groupname="nope").status_code == 404


class TestAddRemoveMember:
    """``POST`` / ``DELETE /group/user``."""

    def test_add_member(self, fake_jira, api):
        fake_jira.seed_user("fred")
        fake_jira.seed_group("team")
        response = api.post("/group/user", {"name": "FRED"}, groupname="Team")
        assert response.status_code == 201
        assert response.json()["name"] == "team"
        assert fake_jira.is_member("team", "fred")

    def test_missing_user_or_group_is_404(self, fake_jira, api):
        fake_jira.seed_user("fred")
        fake_jira.seed_group("team")
        assert api.post("/group/user", {"name": "ghost"}, groupname="team").status_code == 404
        assert api.post("/group/user", {"name": "fred"}, groupname="ghosts").status_code == 404

    @pytest.mark.parametrize(("version", "json_body"), [("8.20.0", False), ("9.12.4", True)])
    def test_already_a_member_is_400(self, fake_jira_factory, api_for, version, json_body):
        fake = fake_jira_factory(version)
        fake.seed_user("fred", groups=["team"])
        response = api_for(fake).post("/group/user", {"name": "fred"}, groupname="team")
        assert response.status_code == 400
        if json_body:
            assert response.json()["errorMessages"]
        else:
            assert response.headers["Content-Type"].startswith("text/plain")
            assert "already a member" in response.text

    def test_remove_member(self, fake_jira, api):
        fake_jira.seed_user("fred", groups=["team"])
        fake_jira.seed_user("wilma")
        assert api.delete("/group/user", groupname="team", username="FRED").status_code == 200
        assert not fake_jira.is_member("team", "fred")
        assert api.delete("/group/user", groupname="team", username="fred").status_code == 400
        assert api.delete("/group/user", groupname="team", username="ghost").status_code == 404
        assert api.delete("/group/user", groupname="ghosts", username="fred").status_code == 404


class TestPicker:
    """``GET /groups/picker``."""

    def test_substring_match_total_and_limit(self, fake_jira, api):
        for name in ("eng-backend", "eng-frontend", "ENG-ops", "sales"):
            fake_jira.seed_group(name)
        body = api.get("/groups/picker", query="eng", maxResults=2).json()
        assert body["total"] == 3
        assert [g["name"] for g in body["groups"]] == ["eng-backend", "eng-frontend"]
        assert body["header"] == "Showing 2 of 3 matching groups"
        excluded = api.get("/groups/picker", query="eng", exclude="eng-backend").json()
        assert [g["name"] for g in excluded["groups"]] == ["eng-frontend", "ENG-ops"]
        assert api.get("/groups/picker", query="nothing").json()["groups"] == []
