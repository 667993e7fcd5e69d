"""SCIM user writes reach Jira: create, update, password, (de)activation, delete, restore."""

from __future__ import annotations

import pytest

from configurations.models import ScimConfiguration
from provisioning.models import ScimUser
from tests.fakejira import FakeJira
from tests.provisioning.conftest import ScimClient, assert_scim_error

from .conftest import MakeIdp, replace_op, user_body

pytestmark = pytest.mark.django_db


def row(user_id: str) -> ScimUser:
    """The stored row of a SCIM user (hidden ones too)."""
    return ScimUser.objects.get(pk=user_id)


class TestCreate:
    """POST /Users creates the Jira user as the IdP sent it."""

    def test_fields_password_notification(self, idp: ScimClient, jira: FakeJira) -> None:
        body = user_body("bjensen", email="barbara@example.com", display_name="Barbara Jensen")
        response = idp.post("Users", {**body, "password": "t1meMachine!"})

        assert response.status_code == 201, response.content
        user = jira.user("bjensen")
        assert user is not None
        assert (user.name, user.email, user.display_name, user.active) == (
            "bjensen",
            "barbara@example.com",
            "Barbara Jensen",
            True,
        )
        assert user.password == "t1meMachine!"
        [create] = jira.requests("POST", "/rest/api/2/user")
        assert create.body["notification"] == "false"
        assert "password" not in str(response.content)

    def test_row_links_jira_key_and_confirmation(self, idp: ScimClient, jira: FakeJira) -> None:
        created = idp.post("Users", user_body("alice")).json()

        stored = row(created["id"])
        assert stored.jira_user_key == jira.user("alice").key
        assert stored.jira_user_key.startswith("JIRAUSER")
        assert stored.jira_confirmed_at is not None

    def test_without_password_jira_generates_one(self, idp: ScimClient, jira: FakeJira) -> None:
        idp.post("Users", user_body("carol"))

        [create] = jira.requests("POST", "/rest/api/2/user")
        assert "password" not in create.body
        assert jira.user("carol").password  # Jira's random one

    def test_display_name_from_name_parts(self, idp: ScimClient, jira: FakeJira) -> None:
        body = user_body("dave")
        del body["displayName"]
        body["name"] = {"givenName": "Dave", "familyName": "Lister"}
        idp.post("Users", body)

        assert jira.user("dave").display_name == "Dave Lister"

    def test_application_keys_and_default_groups(self, make_idp: MakeIdp, jira: FakeJira) -> None:
        jira.seed_group("staff")
        scim, _ = make_idp(
            default_groups="staff,contractors",
            application_keys=["jira-servicedesk"],
        )
        response = scim.post("Users", user_body("erin"))

        assert response.status_code == 201, response.content
        [create] = jira.requests("POST", "/rest/api/2/user")
        assert create.body["applicationKeys"] == ["jira-servicedesk"]
        assert jira.has_application("erin", "jira-servicedesk")
        assert not jira.has_application("erin", "jira-software")  # only what was asked
        # "contractors" did not exist: created in Jira, then joined.
        assert jira.group("contractors") is not None
        assert jira.is_member("staff", "erin")
        assert jira.is_member("contractors", "erin")

    def test_inactive_on_create(self, idp: ScimClient, jira: FakeJira) -> None:
        response = idp.post("Users", user_body("frank", active=False))

        assert response.status_code == 201, response.content
        assert jira.user("frank").active is False

    def test_duplicate_in_scim_never_reaches_jira(self, idp: ScimClient, jira: FakeJira) -> None:
        idp.post("Users", user_body("gina"))
        jira.clear_requests()

        assert_scim_error(idp.post("Users", user_body("GINA")), 409, "uniqueness")
        assert jira.requests("POST") == []


class TestUpdate:
    """PUT and PATCH send Jira what changed, and only that."""

    def test_rename_email_display_name_in_one_put(self, idp: ScimClient, jira: FakeJira) -> None:
        created = idp.post("Users", user_body("hank")).json()
        key = jira.user("hank").key
        jira.clear_requests()

        response = idp.put(
            f"Users/{created['id']}",
            user_body("henry", email="henry@example.com", display_name="Henry H"),
        )

        assert response.status_code == 200, response.content
        [put] = jira.requests("PUT", "/rest/api/2/user")
        assert put.arg("key") == key
        assert put.body == {
            "name": "henry",
            "emailAddress": "henry@example.com",
            "displayName": "Henry H",
        }
        user = jira.user(key)
        assert (user.name, user.email, user.display_name) == (
            "henry",
            "henry@example.com",
            "Henry H",
        )
        assert row(created["id"]).jira_user_key == key  # the key never changes

    def test_unchanged_put_sends_nothing(self, idp: ScimClient, jira: FakeJira) -> None:
        created = idp.post("Users", user_body("ivy")).json()
        jira.clear_requests()

        response = idp.put(f"Users/{created['id']}", user_body("ivy", externalId="ext-1"))

        assert response.status_code == 200, response.content
        assert jira.requests() == []

    def test_only_the_changed_field(self, idp: ScimClient, jira: FakeJira) -> None:
        created = idp.post("Users", user_body("jack")).json()
        jira.clear_requests()

        idp.patch_ops(f"Users/{created['id']}", replace_op("displayName", "Jack Sparrow"))

        [put] = jira.requests("PUT", "/rest/api/2/user")
        assert put.body == {"displayName": "Jack Sparrow"}

    def test_deactivate_and_reactivate(self, idp: ScimClient, jira: FakeJira) -> None:
        created = idp.post("Users", user_body("kim")).json()

        # Entra's shape: a string boolean.
        response = idp.patch_ops(f"Users/{created['id']}", replace_op("active", "False"))
        assert response.status_code == 200, response.content
        assert jira.user("kim").active is False
        # Okta's shape: a path-less replace.
        response = idp.patch_ops(f"Users/{created['id']}", replace_op(None, {"active": True}))
        assert response.status_code == 200, response.content
        assert jira.user("kim").active is True
        assert row(created["id"]).jira_confirmed_at is not None

    def test_password_by_patch_after_rename(self, idp: ScimClient, jira: FakeJira) -> None:
        created = idp.post("Users", user_body("lee")).json()
        jira.clear_requests()

        response = idp.patch_ops(
            f"Users/{created['id']}",
            replace_op("userName", "leroy"),
            replace_op("password", "n3wPassword!"),
        )

        assert response.status_code == 200, response.content
        [password] = jira.requests("PUT", "/rest/api/2/user/password")
        # By key: a rename (here or in Jira) cannot send the password to another user.
        assert password.arg("key") == jira.user("leroy").key
        assert password.arg("username") is None
        assert jira.user("leroy").password == "n3wPassword!"

    def test_rename_onto_someone_elses_jira_user(self, idp: ScimClient, jira: FakeJira) -> None:
        jira.seed_user("admin2")
        created = idp.post("Users", user_body("mia")).json()

        body = assert_scim_error(
            idp.patch_ops(f"Users/{created['id']}", replace_op("userName", "admin2")),
            409,
            "uniqueness",
        )

        assert "Sync Users & Groups" in body["detail"]
        assert row(created["id"]).user_name == "mia"
        assert jira.user("mia") is not None


class TestDelete:
    """DELETE deletes or disables per configuration; a re-create restores a disabled user."""

    def test_delete_users_on_deletes(self, make_idp: MakeIdp, jira: FakeJira) -> None:
        scim, _ = make_idp(delete_users=True)
        created = scim.post("Users", user_body("nina")).json()

        assert scim.delete(f"Users/{created['id']}").status_code == 204

        assert jira.user("nina") is None
        assert not ScimUser.objects.filter(pk=created["id"]).exists()

    def test_delete_users_off_deactivates_and_hides(self, idp: ScimClient, jira: FakeJira) -> None:
        created = idp.post("Users", user_body("omar")).json()
        group = idp.create_group("Ops", members=[created["id"]])
        assert jira.is_member("Ops", "omar")

        assert idp.delete(f"Users/{created['id']}").status_code == 204

        assert jira.user("omar").active is False
        # The SCIM membership went with the DELETE: so does the Jira one.
        assert not jira.is_member("Ops", "omar")
        assert_scim_error(idp.get(f"Users/{created['id']}"), 404)
        assert idp.get(f"Groups/{group['id']}").json().get("members", []) == []
        assert row(created["id"]).jira_confirmed_at is not None

    def test_recreate_reactivates_and_relinks(self, make_idp: MakeIdp, jira: FakeJira) -> None:
        scim, _ = make_idp(default_groups="staff")
        created = scim.post("Users", user_body("pat")).json()
        key = jira.user("pat").key
        scim.delete(f"Users/{created['id']}")
        jira.clear_requests()

        again = scim.post(
            "Users", user_body("pat", email="pat@new.example.com", password="an0therOne!")
        )

        assert again.status_code == 201, again.content
        assert again.json()["id"] == created["id"]
        assert jira.requests("POST", "/rest/api/2/user") == []  # no second Jira user
        user = jira.user(key)
        assert (user.active, user.email, user.password) == (
            True,
            "pat@new.example.com",
            "an0therOne!",
        )
        assert jira.is_member("staff", "pat")
        assert row(created["id"]).jira_user_key == key

    def test_recreate_when_jira_user_was_deleted_meanwhile(
        self, idp: ScimClient, jira: FakeJira
    ) -> None:
        created = idp.post("Users", user_body("quinn")).json()
        idp.delete(f"Users/{created['id']}")
        with jira.state.lock:
            jira.state.remove_user(jira.state.find_user(username="quinn"))

        again = idp.post("Users", user_body("quinn"))

        assert again.status_code == 201, again.content
        assert jira.user("quinn").active is True
        assert row(created["id"]).jira_user_key == jira.user("quinn").key

    def test_delete_of_user_gone_from_jira_succeeds(
        self, make_idp: MakeIdp, jira: FakeJira
    ) -> None:
        scim, _ = make_idp(delete_users=True)
        created = scim.post("Users", user_body("rita")).json()
        with jira.state.lock:
            jira.state.remove_user(jira.state.find_user(username="rita"))

        assert scim.delete(f"Users/{created['id']}").status_code == 204

    def test_project_lead_cannot_be_deactivated(self, idp: ScimClient, jira: FakeJira) -> None:
        created = idp.post("Users", user_body("sam")).json()
        group = idp.create_group("Leads", members=[created["id"]])
        jira.mark_project_lead("sam")

        body = assert_scim_error(idp.delete(f"Users/{created['id']}"), 400, "invalidValue")

        assert "lead project" in body["detail"]
        assert jira.user("sam").active is True
        assert jira.is_member("Leads", "sam")  # refused before anything else changed
        assert idp.get(f"Users/{created['id']}").status_code == 200
        assert len(idp.get(f"Groups/{group['id']}").json()["members"]) == 1


@pytest.mark.parametrize("jira", ["8.2.0"], indirect=True)
class TestJira82:
    """Jira 8.2 has no `active` in PUT user and keys users by their lower-cased name."""

    def test_create_and_update(self, idp: ScimClient, jira: FakeJira) -> None:
        created = idp.post("Users", user_body("Tom"))
        assert created.status_code == 201, created.content
        assert row(created.json()["id"]).jira_user_key == "tom"

        response = idp.patch_ops(f"Users/{created.json()['id']}", replace_op("userName", "thomas"))

        assert response.status_code == 200, response.content
        assert jira.user("tom").name == "thomas"  # same key

    def test_deactivation_refused_before_jira_is_changed(
        self, idp: ScimClient, jira: FakeJira
    ) -> None:
        created = idp.post("Users", user_body("uma")).json()
        jira.clear_requests()

        body = assert_scim_error(
            idp.patch_ops(
                f"Users/{created['id']}",
                replace_op("active", value=False),
                replace_op("displayName", "Uma T"),
            ),
            400,
            "invalidValue",
        )

        assert "8.3" in body["detail"]
        assert jira.requests("PUT") == []
        assert jira.user("uma").display_name == "Uma"
        assert row(created["id"]).active is not False

    def test_inactive_create_refused_without_a_jira_user(
        self, idp: ScimClient, jira: FakeJira
    ) -> None:
        assert_scim_error(idp.post("Users", user_body("vera", active=False)), 400)

        assert jira.user("vera") is None
        assert not ScimUser.objects.filter(user_name="vera").exists()


@pytest.mark.parametrize("jira", ["10.3.1", "9.12.4"], indirect=True)
def test_lifecycle_on_current_versions(make_idp: MakeIdp, jira: FakeJira) -> None:
    """Okta's CRUD test sequence: create, update first name, deactivate, reactivate, delete."""
    scim, configuration = make_idp(delete_users=True)
    assert isinstance(configuration, ScimConfiguration)
    body = user_body("wendy", name={"givenName": "Wendy", "familyName": "Darling"})
    del body["displayName"]
    created = scim.post("Users", body).json()
    key = jira.user("wendy").key

    scim.put(f"Users/{created['id']}", {**body, "name": {"givenName": "Wen", "familyName": "D"}})
    assert jira.user(key).display_name == "Wen D"
    scim.patch_ops(f"Users/{created['id']}", replace_op(None, {"active": False}))
    assert jira.user(key).active is False
    scim.patch_ops(f"Users/{created['id']}", replace_op(None, {"active": True}))
    assert jira.user(key).active is True
    assert scim.delete(f"Users/{created['id']}").status_code == 204
    assert jira.user(key) is None
