"""User endpoints of the fake Jira, as jira-rest.md describes them, per version switch."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.fakejira.httpapi import new_user


class TestCreate:
    """``POST /user``."""

    def test_created_with_location_and_incrementing_immutable_keys(self, fake_jira, api):
        first = api.post("/user", new_user("fred"))
        second = api.post("/user", new_user("wilma"))
        assert first.status_code == 201
        assert first.headers["Location"] == first.json()["self"]
        assert first.json()["key"] == "JIRAUSER10100"
        assert second.json()["key"] == "JIRAUSER10101"
        bean = first.json()
        assert {"self", "key", "name", "emailAddress", "displayName", "active", "deleted"} <= set(
            bean
        )
        assert {"timeZone", "locale", "groups", "applicationRoles", "avatarUrls"} <= set(bean)
        assert bean["active"] is True
        assert "lastLoginTime" not in bean
        assert fake_jira.user("fred").password  # Jira generates one when none is given

    def test_keys_are_lower_cased_names_before_8_4(self, fake_jira_factory, api_for):
        api = api_for(fake_jira_factory("8.3.0"), basic=("admin", "admin"))  # no PAT before 8.14
        assert api.post("/user", new_user("Fred")).json()["key"] == "fred"

    def test_duplicate_name_is_400_on_username_case_insensitively(self, api):
        api.post("/user", new_user("fred"))
        response = api.post("/user", new_user("FRED"))
        assert response.status_code == 400
        assert "username" in response.json()["errors"]

    def test_missing_fields_are_field_errors(self, api):
        response = api.post("/user", {"name": "", "notification": "false"})
        assert response.status_code == 400
        assert set(response.json()["errors"]) == {"username", "email", "fullname"}

    def test_notification_must_be_a_string(self, api):
        assert api.post("/user", new_user("fred", notification=False)).status_code == 400
        assert api.post("/user", new_user("fred", notification="true")).status_code == 201

    def test_password_policy(self, fake_jira, api):
        fake_jira.set_min_password_length(8)
        response = api.post("/user", new_user("fred", password="short"))
        assert response.json()["errors"].keys() == {"password"}
        assert api.post("/user", new_user("fred", password="long enough")).status_code == 201
        assert fake_jira.user("fred").password == "long enough"

    def test_default_and_explicit_applications(self, fake_jira, api):
        api.post("/user", new_user("dflt"))
        api.post("/user", new_user("desk", applicationKeys=["jira-servicedesk"]))
        api.post("/user", new_user("none", applicationKeys=[]))
        assert fake_jira.has_application("dflt", "jira-software")
        assert fake_jira.has_application("desk", "jira-servicedesk")
        assert not fake_jira.has_application("desk", "jira-software")
        assert fake_jira.groups_of("none") == set()

    def test_unknown_application_key_is_400(self, fake_jira, api):
        assert api.post("/user", new_user("x", applicationKeys=["jira-nope"])).status_code == 400
        assert fake_jira.user("x") is None

    def test_no_writable_directory(self, fake_jira, api):
        fake_jira.set_writable_directory(writable=False)
        response = api.post("/user", new_user("fred"))
        assert response.status_code == 400
        assert response.json()["errorMessages"]


class TestRead:
    """``GET /user``."""

    def test_by_case_insensitive_name_or_by_key(self, fake_jira, api):
        user = fake_jira.seed_user("Fred", groups=["team"])
        assert api.get("/user", username="fRED").json()["key"] == user.key
        assert api.get("/user", key=user.key).json()["name"] == "Fred"

    def test_expand_groups_and_application_roles(self, fake_jira, api):
        fake_jira.seed_user("fred", groups=["team"], applications=["jira-software"])
        plain = api.get("/user", username="fred").json()
        assert plain["groups"] == {"size": 2, "items": []}
        full = api.get("/user", username="fred", expand="groups,applicationRoles").json()
        assert [g["name"] for g in full["groups"]["items"]] == ["jira-software-users", "team"]
        assert [r["key"] for r in full["applicationRoles"]["items"]] == ["jira-software"]

    def test_missing_user_is_404_with_jiras_message(self, api):
        response = api.get("/user", username="nobody")
        assert response.status_code == 404
        assert response.json() == {
            "errorMessages": ["The user named 'nobody' does not exist"],
            "errors": {},
        }

    @pytest.mark.parametrize(("version", "present"), [("11.2.0", False), ("11.3.0", True)])
    def test_last_login_time_only_from_11_3(self, fake_jira_factory, api_for, version, present):
        fake = fake_jira_factory(version)
        fake.seed_user("fred", last_login=datetime(2024, 5, 1, 10, 0, tzinfo=UTC))
        bean = api_for(fake).get("/user", username="fred").json()
        assert ("lastLoginTime" in bean) is present
        if present:
            assert bean["lastLoginTime"] == "2024-05-01T10:00:00.000+0000"


class TestUpdate:
    """``PUT /user``: rename, e-mail, display name, (de)activation and refusals."""

    def test_rename_keeps_the_key(self, fake_jira, api):
        key = fake_jira.seed_user("fred").key
        response = api.put("/user", {"name": "frederick"}, key=key)
        assert response.status_code == 200
        assert response.json()["key"] == key
        assert api.get("/user", username="fred").status_code == 404
        assert fake_jira.user(key).name == "frederick"

    def test_rename_onto_a_taken_name_is_400(self, fake_jira, api):
        fake_jira.seed_user("fred")
        fake_jira.seed_user("wilma")
        response = api.put("/user", {"name": "WILMA"}, username="fred")
        assert response.status_code == 400
        assert "username" in response.json()["errors"]

    def test_email_and_display_name(self, fake_jira, api):
        fake_jira.seed_user("fred")
        api.put(
            "/user", {"emailAddress": "f@new.example", "displayName": "Fred F"}, username="fred"
        )
        user = fake_jira.user("fred")
        assert (user.email, user.display_name) == ("f@new.example", "Fred F")
        assert api.put("/user", {"emailAddress": "nope"}, username="fred").status_code == 400

    def test_deactivate_and_reactivate(self, fake_jira, api):
        fake_jira.seed_user("fred")
        assert api.put("/user", {"active": False}, username="fred").json()["active"] is False
        assert fake_jira.user("fred").active is False
        assert api.put("/user", {"active": True}, username="fred").json()["active"] is True

    @pytest.mark.parametrize(("version", "status"), [("8.2.0", 400), ("8.3.0", 200)])
    def test_active_is_rejected_before_8_3(self, fake_jira_factory, api_for, version, status):
        fake = fake_jira_factory(version)
        fake.seed_user("fred")
        api = api_for(fake, basic=("admin", "admin"))  # no PAT before 8.14
        response = api.put("/user", {"active": False}, username="fred")
        assert response.status_code == status
        if status == 400:
            assert "active" in response.json()["errors"]

    def test_project_lead_cannot_be_deactivated(self, fake_jira, api):
        fake_jira.seed_user("lead")
        fake_jira.mark_project_lead("lead", "ABC")
        response = api.put("/user", {"active": False}, username="lead")
        assert response.status_code == 400
        assert "ABC" in response.json()["errors"]["active"]
        assert fake_jira.user("lead").active is True

    def test_cannot_deactivate_oneself(self, api):
        assert api.put("/user", {"active": False}, username="admin").status_code == 400

    def test_read_only_directory_users_refuse_edits(self, fake_jira, api):
        fake_jira.seed_user("ldap", read_only=True)
        assert api.put("/user", {"displayName": "X"}, username="ldap").status_code == 400
        assert api.put("/user/password", {"password": "x"}, username="ldap").status_code == 400
        assert api.delete("/user", username="ldap").status_code == 400
        assert fake_jira.user("ldap").display_name == "ldap"

    def test_missing_user_is_404(self, api):
        assert api.put("/user", {"displayName": "X"}, key="JIRAUSER99999").status_code == 404


class TestDeleteAndPassword:
    """``DELETE /user`` and ``PUT /user/password``."""

    def test_delete_removes_user_and_memberships(self, fake_jira, api):
        key = fake_jira.seed_user("fred", groups=["team"]).key
        assert api.delete("/user", key=key).status_code == 204
        assert fake_jira.user(key) is None
        assert fake_jira.members("team") == set()
        assert api.delete("/user", key=key).status_code == 404

    def test_project_lead_cannot_be_deleted(self, fake_jira, api):
        fake_jira.seed_user("lead")
        fake_jira.mark_project_lead("lead")
        response = api.delete("/user", username="lead")
        assert response.status_code == 400
        assert "username" in response.json()["errors"]

    def test_set_password_then_log_in_with_it(self, fake_jira, api, api_for):
        fake_jira.seed_user("fred", password="old")
        assert api.put("/user/password", {"password": "n3w"}, username="fred").status_code == 204
        assert api_for(fake_jira, basic=("fred", "n3w")).get("/myself").status_code == 200
        assert api_for(fake_jira, basic=("fred", "old")).get("/myself").status_code == 401


class TestSearch:
    """``GET /user/search``: matching, paging and the per-version caps."""

    def test_prefix_match_on_name_email_and_display_name_words(self, fake_jira, api):
        fake_jira.seed_user("fred", display_name="Fred Flintstone", email="ff@bedrock.example")
        fake_jira.seed_user("barney", display_name="Barney Rubble")

        def names(q):
            return [u["name"] for u in api.get("/user/search", username=q).json()]

        assert names("FLINT") == ["fred"]
        assert names("ff@") == ["fred"]
        assert names("rub") == ["barney"]
        assert names("zzz") == []

    def test_dot_wildcard_lists_everyone_and_inactive_on_request(self, fake_jira, api):
        fake_jira.seed_users(5)
        fake_jira.seed_user("zed", active=False)
        active = api.get("/user/search", username=".").json()
        everyone = api.get("/user/search", username=".", includeInactive="true").json()
        assert len(active) == 6  # admin + 5
        assert len(everyone) == 7
        only_inactive = api.get(
            "/user/search", username=".", includeActive="false", includeInactive="true"
        ).json()
        assert [u["name"] for u in only_inactive] == ["zed"]

    def test_paging_with_start_at(self, fake_jira, api):
        fake_jira.seed_users(30)
        pages = [
            api.get("/user/search", username="user", startAt=s, maxResults=10).json()
            for s in (0, 10, 20, 30)
        ]
        assert [len(p) for p in pages] == [10, 10, 10, 0]
        assert pages[1][0]["name"] == "user00011"

    def test_missing_query_is_400(self, api):
        assert api.get("/user/search").status_code == 400

    def test_page_size_capped_at_1000_on_9x(self, fake_jira, api):
        fake_jira.seed_users(1200)
        first = api.get("/user/search", username=".", maxResults=5000).json()
        rest = api.get("/user/search", username=".", startAt=1000, maxResults=5000).json()
        assert (len(first), len(rest)) == (1000, 201)

    def test_at_most_100_results_in_total_on_10x(self, fake_jira_factory, api_for):
        fake = fake_jira_factory("10.1.0")
        fake.seed_users(250)
        api = api_for(fake)
        assert len(api.get("/user/search", username=".", maxResults=1000).json()) == 100
        assert api.get("/user/search", username=".", startAt=100).json() == []


class TestList:
    """``GET /user/list`` (cursor paging, 10.3+)."""

    def test_cursor_paging_returns_everyone_once(self, fake_jira_factory, api_for):
        fake = fake_jira_factory("10.3.0")
        fake.seed_users(250)
        fake.seed_user("off", active=False)
        api = api_for(fake)
        seen, cursor, pages = [], None, 0
        while True:
            params = {"maxResults": 100} | ({"cursor": cursor} if cursor else {})
            body = api.get("/user/list", **params).json()
            pages += 1
            seen += [u["key"] for u in body["values"]]
            if body["isLast"]:
                assert "nextCursor" not in body
                break
            assert body["nextPage"]
            cursor = body["nextCursor"]
        assert pages == 3
        assert len(seen) == len(set(seen)) == 252

    def test_default_page_is_2000_and_bad_cursor_is_not_404(self, fake_jira_factory, api_for):
        fake = fake_jira_factory("11.0.0")
        fake.seed_users(2100)
        api = api_for(fake)
        assert len(api.get("/user/list").json()["values"]) == 2000
        assert api.get("/user/list", cursor="garbage").status_code == 200

    @pytest.mark.parametrize("version", ["9.12.4", "10.2.0"])
    def test_404_before_10_3(self, fake_jira_factory, api_for, version):
        assert api_for(fake_jira_factory(version)).get("/user/list").status_code == 404


class TestApplications:
    """``/user/application`` and ``/applicationrole``."""

    def test_grant_and_revoke(self, fake_jira, api):
        fake_jira.seed_user("fred")
        params = {"username": "fred", "applicationKey": "jira-servicedesk"}
        assert api.post("/user/application", **params).status_code == 200
        assert fake_jira.has_application("fred", "jira-servicedesk")
        assert api.post("/user/application", **params).status_code == 200  # already has it
        assert api.delete("/user/application", **params).status_code == 200
        assert not fake_jira.has_application("fred", "jira-servicedesk")

    def test_unknown_application_or_user(self, fake_jira, api):
        fake_jira.seed_user("fred")
        assert (
            api.post("/user/application", username="fred", applicationKey="nope").status_code == 400
        )
        assert (
            api.post("/user/application", username="ghost", applicationKey="jira-core").status_code
            == 404
        )

    def test_application_roles(self, fake_jira, api):
        fake_jira.seed_users(3, groups=["jira-core-users"])
        roles = {r["key"]: r for r in api.get("/applicationrole").json()}
        assert set(roles) == {"jira-software", "jira-servicedesk", "jira-core"}
        assert roles["jira-core"]["groups"] == ["jira-core-users"]
        assert roles["jira-core"]["defaultGroups"] == ["jira-core-users"]
        assert roles["jira-core"]["userCount"] == 3
        assert roles["jira-software"]["selectedByDefault"] is True
