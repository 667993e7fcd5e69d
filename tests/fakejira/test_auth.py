"""Authentication and authorisation of the fake Jira, per version switch."""

from __future__ import annotations

import pytest

from tests.fakejira.httpapi import new_user


class TestCredentials:
    """PAT, Basic, anonymous and bad credentials."""

    def test_personal_access_token(self, api):
        assert api.get("/myself").json()["name"] == "admin"

    def test_basic_auth(self, fake_jira, api_for):
        assert api_for(fake_jira, basic=("admin", "admin")).get("/myself").status_code == 200

    def test_usernames_are_case_insensitive_at_login(self, fake_jira, api_for):
        assert api_for(fake_jira, basic=("ADMIN", "admin")).get("/myself").status_code == 200

    @pytest.mark.parametrize("auth", [{"token": "wrong"}, {"basic": ("admin", "wrong")}])
    def test_bad_credentials_are_401_with_the_seraph_header(self, fake_jira, api_for, auth):
        response = api_for(fake_jira, **auth).get("/serverInfo")
        assert response.status_code == 401
        assert response.headers["X-Seraph-LoginReason"] == "AUTHENTICATED_FAILED"
        assert response.headers["Content-Type"].startswith("text/html")

    def test_anonymous_gets_401_on_protected_resources(self, fake_jira, api_for):
        response = api_for(fake_jira, anonymous=True).get("/user", username="admin")
        assert response.status_code == 401
        assert response.json()["errorMessages"]

    def test_inactive_user_cannot_log_in(self, fake_jira, api_for):
        fake_jira.seed_user("gone", password="pw", active=False, token="gone-pat")
        assert api_for(fake_jira, basic=("gone", "pw")).get("/myself").status_code == 401
        assert api_for(fake_jira, token="gone-pat").get("/myself").status_code == 401

    def test_bearer_is_not_understood_before_8_14(self, fake_jira_factory, api_for):
        fake = fake_jira_factory("8.13.0")
        assert api_for(fake).get("/myself").status_code == 401
        assert api_for(fake, basic=("admin", "admin")).get("/myself").status_code == 200

    def test_captcha_lock_out_after_repeated_failures(self, fake_jira_factory, api_for):
        fake = fake_jira_factory(captcha_after=2)
        for _ in range(2):
            assert api_for(fake, basic=("admin", "nope")).get("/myself").status_code == 401
        response = api_for(fake, basic=("admin", "admin")).get("/myself")
        assert response.status_code == 403
        assert response.headers["X-Authentication-Denied-Reason"].startswith("CAPTCHA_CHALLENGE")
        assert api_for(fake).get("/myself").status_code == 200  # the PAT is not locked


class TestBasicAuthSwitch:
    """Admins can disable Basic auth from 8.16."""

    def test_disabled_basic_auth_is_403_with_jiras_message(self, fake_jira, api_for):
        fake_jira.set_basic_auth(enabled=False)
        response = api_for(fake_jira, basic=("admin", "admin")).get("/myself")
        assert response.status_code == 403
        assert response.json() == {
            "message": "Basic Authentication has been disabled on this instance."
        }
        assert api_for(fake_jira).get("/myself").status_code == 200

    def test_switch_does_not_exist_before_8_16(self, fake_jira_factory):
        with pytest.raises(ValueError, match=r"8\.16"):
            fake_jira_factory("8.15.0").set_basic_auth(enabled=False)


class TestPermissions:
    """Admin-only operations and reads."""

    def test_non_admin_is_403_on_admin_operations(self, fake_jira, api_for):
        fake_jira.seed_user("joe", token="joe-pat")
        joe = api_for(fake_jira, token="joe-pat")
        assert joe.post("/user", new_user("fred")).status_code == 403
        assert joe.post("/group", {"name": "x"}).status_code == 403
        assert joe.delete("/user", username="admin").status_code == 403
        assert joe.get("/applicationrole").status_code == 403
        assert joe.get("/user", username="admin").status_code == 200
        assert fake_jira.user("fred") is None

    def test_admin_by_nested_group(self, fake_jira, api_for):
        fake_jira.seed_group("admins-nested")
        fake_jira.seed_nested_group("jira-administrators", "admins-nested")
        fake_jira.seed_user("ann", token="ann-pat", groups=["admins-nested"])
        assert api_for(fake_jira, token="ann-pat").post("/group", {"name": "x"}).status_code == 201

    def test_mypermissions(self, fake_jira, api, api_for):
        fake_jira.seed_user("joe", token="joe-pat")
        mine = api.get("/mypermissions", permissions="ADMINISTER").json()["permissions"]
        assert mine["ADMINISTER"]["havePermission"] is True
        joes = api_for(fake_jira, token="joe-pat").get("/mypermissions").json()["permissions"]
        assert joes["ADMINISTER"]["havePermission"] is False
        assert api.get("/mypermissions", permissions="NOPE").status_code == 400


class TestSessionsAndWebSudo:
    """A cookie-keeping client hits WebSudo; one that authenticates every request does not."""

    def test_cookie_session_gets_websudo_401_on_admin_writes(self, fake_jira_factory, api_for):
        fake = fake_jira_factory(issue_session_cookies=True)
        api = api_for(fake)  # a plain requests.Session keeps cookies
        first = api.post("/group", {"name": "one"})
        assert first.status_code == 201
        assert "JSESSIONID" in first.headers["Set-Cookie"]
        assert api.get("/myself").status_code == 200  # reads work on the session
        second = api.post("/group", {"name": "two"})
        assert second.status_code == 401
        assert second.json()["errorMessages"] == ["This resource requires WebSudo."]

    def test_without_cookies_every_request_is_authenticated(self, fake_jira_factory, api_for):
        fake = fake_jira_factory(issue_session_cookies=True)
        api = api_for(fake)
        for name in ("one", "two", "three"):
            api.http.cookies.clear()
            assert api.post("/group", {"name": name}).status_code == 201
