"""JiraClient user calls against the fake Jira."""

from __future__ import annotations

import pytest

from jiraclient import JiraConflict, JiraNotFound, JiraRefused


class TestRead:
    """get_user, find_user, search_users."""

    def test_get_by_username_or_key_with_expand(self, fake_jira, client):
        key = fake_jira.seed_user("Fred", groups=["team"]).key
        assert client.get_user(username="fred")["key"] == key
        full = client.get_user(key=key, expand=("groups", "applicationRoles"))
        assert [g["name"] for g in full["groups"]["items"]] == ["team"]
        assert fake_jira.requests()[-1].arg("expand") == "groups,applicationRoles"

    def test_missing_user(self, client):
        with pytest.raises(JiraNotFound) as caught:
            client.get_user(username="nobody")
        assert caught.value.messages == ["The user named 'nobody' does not exist"]
        assert client.find_user(username="nobody") is None
        assert client.find_user(key="JIRAUSER99999") is None

    def test_exactly_one_of_username_or_key(self, client):
        with pytest.raises(ValueError, match="exactly one"):
            client.get_user()
        with pytest.raises(ValueError, match="exactly one"):
            client.get_user(username="a", key="b")

    @pytest.mark.parametrize("name", ["a+b&c=d", "with space", "ünï#code?x", "50%off"])
    def test_query_parameters_are_escaped(self, fake_jira, client, name):
        fake_jira.seed_user(name)
        assert client.get_user(username=name)["name"] == name
        assert [u["name"] for u in client.search_users(name)] == [name]

    def test_search_users_paging_and_flags(self, fake_jira, client):
        fake_jira.seed_users(30)
        fake_jira.seed_user("user99999", active=False)
        assert len(client.search_users("user", max_results=10, start_at=25)) == 5
        assert len(client.search_users("user", max_results=100, include_inactive=True)) == 31
        logged = fake_jira.requests()[-1]
        assert (logged.arg("includeActive"), logged.arg("includeInactive")) == ("true", "true")


class TestCreate:
    """create_user."""

    def test_body_sent_to_jira(self, fake_jira, client):
        bean = client.create_user(name="fred", email="fred@example.com", display_name="Fred")
        assert bean["key"] == "JIRAUSER10100"
        body = fake_jira.requests("POST")[0].body
        assert body == {
            "name": "fred",
            "emailAddress": "fred@example.com",
            "displayName": "Fred",
            "notification": "false",
        }
        assert fake_jira.has_application("fred", "jira-software")  # Jira's default

    def test_password_applications_and_notification(self, fake_jira, client):
        client.create_user(
            name="fred",
            email="fred@example.com",
            display_name="Fred",
            password="Pa55word!",
            application_keys=["jira-servicedesk"],
            notification=True,
        )
        body = fake_jira.requests("POST")[0].body
        assert body["applicationKeys"] == ["jira-servicedesk"]
        assert body["notification"] == "true"
        assert fake_jira.user("fred").password == "Pa55word!"
        assert not fake_jira.has_application("fred", "jira-software")

    def test_duplicate_is_a_conflict_carrying_the_existing_user(self, fake_jira, client):
        key = fake_jira.seed_user("Fred").key
        with pytest.raises(JiraConflict) as caught:
            client.create_user(name="fred", email="f@example.com", display_name="F")
        assert caught.value.existing["key"] == key
        assert "username" in caught.value.field_errors

    def test_other_refusals_keep_field_errors(self, client):
        with pytest.raises(JiraRefused) as caught:
            client.create_user(name="fred", email="not-an-email", display_name="Fred")
        assert set(caught.value.field_errors) == {"email"}
        assert "email" in str(caught.value)

    def test_password_policy_refusal(self, fake_jira, client):
        fake_jira.set_min_password_length(10)
        with pytest.raises(JiraRefused) as caught:
            client.create_user(name="f", email="f@x.example", display_name="F", password="short")
        assert set(caught.value.field_errors) == {"password"}
        assert "short" not in str(caught.value)


class TestUpdate:
    """update_user."""

    def test_rename_keeps_the_key(self, fake_jira, client):
        key = fake_jira.seed_user("fred").key
        bean = client.update_user(key=key, name="frederick", email="fr@example.com")
        assert (bean["key"], bean["name"], bean["emailAddress"]) == (
            key,
            "frederick",
            "fr@example.com",
        )
        assert fake_jira.requests("PUT")[0].arg("key") == key

    def test_deactivate_and_reactivate(self, fake_jira, client):
        key = fake_jira.seed_user("fred").key
        assert client.update_user(key=key, active=False)["active"] is False
        assert fake_jira.requests("PUT")[0].body == {"active": False}
        assert client.update_user(key=key, active=True)["active"] is True

    def test_nothing_to_change_reads_the_user(self, fake_jira, client):
        key = fake_jira.seed_user("fred").key
        assert client.update_user(key=key)["name"] == "fred"
        assert fake_jira.requests("PUT") == []

    def test_rename_onto_a_taken_name_is_a_conflict(self, fake_jira, client):
        key = fake_jira.seed_user("fred").key
        other = fake_jira.seed_user("wilma").key
        with pytest.raises(JiraConflict) as caught:
            client.update_user(key=key, name="Wilma")
        assert caught.value.existing["key"] == other

    def test_project_lead_refusal(self, fake_jira, client):
        key = fake_jira.seed_user("lead").key
        fake_jira.mark_project_lead("lead")
        with pytest.raises(JiraRefused) as caught:
            client.update_user(key=key, active=False)
        assert set(caught.value.field_errors) == {"active"}

    def test_read_only_user_refusal(self, fake_jira, client):
        key = fake_jira.seed_user("ldap", read_only=True).key
        with pytest.raises(JiraRefused) as caught:
            client.update_user(key=key, display_name="X")
        assert caught.value.messages

    def test_active_before_8_3_is_refused(self, fake_jira_factory, client_for):
        fake = fake_jira_factory("8.2.0")
        key = fake.seed_user("fred").key
        with pytest.raises(JiraRefused) as caught:
            client_for(fake, username="admin", password="admin").update_user(key=key, active=False)
        assert "active" in caught.value.field_errors


class TestDeleteAndPassword:
    """delete_user and set_password."""

    def test_delete(self, fake_jira, client):
        key = fake_jira.seed_user("fred").key
        client.delete_user(key=key)
        assert fake_jira.user(key) is None
        with pytest.raises(JiraNotFound):
            client.delete_user(key=key)

    def test_delete_refused_for_project_lead(self, fake_jira, client):
        key = fake_jira.seed_user("lead").key
        fake_jira.mark_project_lead("lead")
        with pytest.raises(JiraRefused) as caught:
            client.delete_user(key=key)
        assert "username" in caught.value.field_errors

    def test_set_password(self, fake_jira, client, client_for):
        fake_jira.seed_user("fred", password="old")
        client.set_password(username="fred", password="brand-new-pass")
        assert client_for(fake_jira, username="fred", password="brand-new-pass").myself()
        logged = fake_jira.requests("PUT")[0]
        assert logged.query_string == "username=fred"


class TestApplications:
    """grant_application, revoke_application, application_roles."""

    def test_grant_revoke_and_roles(self, fake_jira, client):
        fake_jira.seed_user("fred")
        client.grant_application(username="fred", application_key="jira-core")
        client.grant_application(username="fred", application_key="jira-core")
        assert fake_jira.has_application("fred", "jira-core")
        client.revoke_application(username="fred", application_key="jira-core")
        assert not fake_jira.has_application("fred", "jira-core")
        roles = {r["key"]: r for r in client.application_roles()}
        assert roles["jira-core"]["groups"] == ["jira-core-users"]

    def test_unknown_application(self, fake_jira, client):
        fake_jira.seed_user("fred")
        with pytest.raises(JiraRefused):
            client.grant_application(username="fred", application_key="jira-nope")
