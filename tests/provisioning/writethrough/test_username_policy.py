"""Username-change policy (rename | keep) and opt-in adoption of existing Jira users."""

from __future__ import annotations

import pytest

from auditlog.models import AuditEntry
from auditlog.services import audit_log_set_enabled
from configurations.models import JiraSite
from configurations.services import directory_get_or_create, scim_configuration_create
from provisioning.models import Origin, ScimUser
from tests.fakejira import FakeJira
from tests.provisioning.conftest import ScimClient, assert_scim_error

from .conftest import MakeIdp, members_op, replace_op, user_body

pytestmark = pytest.mark.django_db


def rename(idp: ScimClient, user_id: str, new_name: str) -> None:
    response = idp.patch_ops(f"Users/{user_id}", replace_op("userName", new_name))
    assert response.status_code == 200, response.content
    assert response.json()["userName"] == new_name


class TestKeepPolicy:
    """`keep`: the SCIM userName changes, the Jira username stays, the mapping keeps working."""

    def test_jira_username_kept_through_a_rename(self, make_idp: MakeIdp, jira: FakeJira) -> None:
        idp, _ = make_idp(username_changes="keep")
        user = idp.post("Users", user_body("jdoe")).json()
        group = idp.create_group("devs")

        rename(idp, user["id"], "john.doe")
        added = idp.patch_ops(f"Groups/{group['id']}", members_op("add", user["id"]))
        deactivated = idp.patch_ops(f"Users/{user['id']}", replace_op("active", value=False))

        assert added.status_code in (200, 204)
        assert deactivated.status_code == 200
        assert jira.user("john.doe") is None
        assert jira.is_member("devs", "jdoe")
        assert jira.user("jdoe").active is False
        row = ScimUser.objects.get(pk=user["id"])
        assert (row.user_name, row.jira_user_name) == ("john.doe", "jdoe")
        assert idp.get("Users", filter='userName eq "john.doe"').json()["totalResults"] == 1

    def test_renaming_back_clears_the_difference(self, make_idp: MakeIdp, jira: FakeJira) -> None:
        idp, _ = make_idp(username_changes="keep")
        user = idp.post("Users", user_body("jdoe")).json()
        rename(idp, user["id"], "john.doe")
        rename(idp, user["id"], "jdoe")
        assert ScimUser.objects.get(pk=user["id"]).jira_user_name is None
        assert jira.user("jdoe") is not None

    def test_rename_policy_renames_in_jira(self, make_idp: MakeIdp, jira: FakeJira) -> None:
        idp, _ = make_idp()
        user = idp.post("Users", user_body("jdoe")).json()
        rename(idp, user["id"], "john.doe")
        assert jira.user("john.doe") is not None
        assert jira.user("jdoe") is None

    def test_renames_in_the_audit_log(self, make_idp: MakeIdp) -> None:
        audit_log_set_enabled(enabled=True)
        idp, _ = make_idp(username_changes="keep")
        user = idp.post("Users", user_body("jdoe")).json()
        rename(idp, user["id"], "john.doe")
        entry = AuditEntry.objects.filter(method="PATCH").get()
        assert entry.events == [
            {
                "kind": "user_renamed",
                "old": "jdoe",
                "new": "john.doe",
                "jira_username": "jdoe",
                "policy": "keep",
            }
        ]


class TestAdoption:
    """Opt-in: an unlinked, non-protected Jira user with the same username AND email is linked."""

    def test_adopts_on_username_and_email_match(self, make_idp: MakeIdp, jira: FakeJira) -> None:
        jira.seed_user("alice", email="alice@example.com", active=False)
        idp, _ = make_idp(adopt_existing_users=True, default_groups="staff")
        jira.seed_group("staff")

        response = idp.post("Users", user_body("alice", email="Alice@Example.com"))

        assert response.status_code == 201, response.content
        row = ScimUser.objects.get(pk=response.json()["id"])
        assert row.origin == Origin.ADOPTED
        assert row.jira_user_key == jira.user("alice").key
        assert jira.user("alice").active is True
        assert jira.is_member("staff", "alice")
        assert len([u for u in jira.users.values() if u.name == "alice"]) == 1

    def test_email_mismatch_is_409(self, make_idp: MakeIdp, jira: FakeJira) -> None:
        jira.seed_user("alice", email="someone.else@example.com")
        idp, _ = make_idp(adopt_existing_users=True)
        assert_scim_error(idp.post("Users", user_body("alice")), 409, "uniqueness")
        assert not ScimUser.objects.exists()

    def test_off_by_default(self, make_idp: MakeIdp, jira: FakeJira) -> None:
        jira.seed_user("alice", email="alice@example.com")
        idp, _ = make_idp()
        assert_scim_error(idp.post("Users", user_body("alice")), 409, "uniqueness")

    def test_never_a_protected_user(self, make_idp: MakeIdp, jira: FakeJira) -> None:
        jira.seed_user("root", email="root@example.com", admin=True)
        idp, _ = make_idp(adopt_existing_users=True)
        assert_scim_error(idp.post("Users", user_body("root")), 403)
        assert not ScimUser.objects.exists()

    def test_never_a_user_linked_elsewhere(self, make_idp: MakeIdp, site: JiraSite) -> None:
        first, _ = make_idp("first", adopt_existing_users=True)
        assert first.post("Users", user_body("bob")).status_code == 201
        other = directory_get_or_create(name="Other", jira_site=site)
        _, issued = scim_configuration_create(
            name="second", directory=other, adopt_existing_users=True
        )

        response = ScimClient(issued.token).post("Users", user_body("bob"))

        assert_scim_error(response, 409)
        assert ScimUser.objects.filter(user_name="bob").count() == 1
