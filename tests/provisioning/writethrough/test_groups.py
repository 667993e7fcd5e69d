"""SCIM group writes reach Jira: create, delete, members, the rename policy, admin groups."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from provisioning.models import ScimGroup, ScimMembership
from tests.fakejira import FakeJira
from tests.provisioning.conftest import GROUP_SCHEMA, ScimClient, assert_scim_error

from .conftest import MakeIdp, members_op, replace_op, user_body

pytestmark = pytest.mark.django_db


def make_users(scim: ScimClient, *names: str) -> list[str]:
    """Create users; their SCIM ids."""
    return [scim.post("Users", user_body(name)).json()["id"] for name in names]


def group_body(display_name: str, *members: str) -> dict[str, Any]:
    """A SCIM Group."""
    return {
        "schemas": [GROUP_SCHEMA],
        "displayName": display_name,
        "members": [{"value": member} for member in members],
    }


class TestCreateDelete:
    """POST and DELETE /Groups create and delete the Jira group."""

    def test_create_with_members(self, idp: ScimClient, jira: FakeJira) -> None:
        ids = make_users(idp, "ann", "bob")

        response = idp.post("Groups", group_body("Engineering", *ids))

        assert response.status_code == 201, response.content
        assert jira.members("Engineering") == {"ann", "bob"}
        stored = ScimGroup.objects.get(pk=response.json()["id"])
        assert stored.jira_group_name == "Engineering"
        assert stored.jira_confirmed_at is not None
        assert not ScimMembership.objects.filter(group=stored, jira_confirmed_at=None).exists()

    def test_delete(self, idp: ScimClient, jira: FakeJira) -> None:
        ids = make_users(idp, "cat")
        group = idp.create_group("Temp", members=ids)

        assert idp.delete(f"Groups/{group['id']}").status_code == 204

        assert jira.group("Temp") is None
        assert jira.user("cat") is not None

    def test_delete_of_group_gone_from_jira(self, idp: ScimClient, jira: FakeJira) -> None:
        group = idp.create_group("Vanishing")
        with jira.state.lock:
            jira.state.remove_group(jira.state.find_group("Vanishing"))

        assert idp.delete(f"Groups/{group['id']}").status_code == 204

    def test_existing_jira_group_is_not_taken_over(self, idp: ScimClient, jira: FakeJira) -> None:
        jira.seed_group("Finance", members=["admin"])

        body = assert_scim_error(idp.post("Groups", group_body("finance")), 409, "uniqueness")

        assert "Sync Users & Groups" in body["detail"]
        assert jira.members("Finance") == {"admin"}
        assert not ScimGroup.objects.exists()

    @pytest.mark.parametrize("name", ["jira-administrators", "JIRA-System-Administrators"])
    def test_administrator_groups_refused(self, idp: ScimClient, jira: FakeJira, name: str) -> None:
        jira.clear_requests()

        body = assert_scim_error(idp.post("Groups", group_body(name)), 403)

        assert "administrator group" in body["detail"]
        assert jira.requests() == []

    def test_protected_groups_setting(self, idp: ScimClient, jira: FakeJira, settings: Any) -> None:
        settings.JIRA_PROTECTED_GROUPS = ["jira-admins-emea"]

        assert_scim_error(idp.post("Groups", group_body("Jira-Admins-EMEA")), 403)
        assert jira.group("Jira-Admins-EMEA") is None

    def test_administrator_default_group_refused(self, make_idp: MakeIdp, jira: FakeJira) -> None:
        scim, _ = make_idp(default_groups="staff,jira-administrators")

        body = assert_scim_error(scim.post("Users", user_body("eve")), 403)

        assert "default groups" in body["detail"]
        assert jira.user("eve") is None


class TestMembers:
    """One Jira call per member change; repeats and Jira-side drift converge."""

    def test_add_and_remove_one_call_each(self, idp: ScimClient, jira: FakeJira) -> None:
        ids = make_users(idp, "dan", "eli", "fay")
        group = idp.create_group("Team")
        jira.clear_requests()

        response = idp.patch_ops(f"Groups/{group['id']}", members_op("add", *ids))
        assert response.status_code == 204, response.content
        assert len(jira.requests("POST", "/rest/api/2/group/user")) == 3
        assert jira.members("Team") == {"dan", "eli", "fay"}

        jira.clear_requests()
        response = idp.patch_ops(
            f"Groups/{group['id']}", {"op": "remove", "path": f'members[value eq "{ids[1]}"]'}
        )
        assert response.status_code == 204, response.content
        assert [r.method for r in jira.requests()] == ["DELETE"]
        assert jira.members("Team") == {"dan", "fay"}

    def test_already_a_member_in_jira(self, idp: ScimClient, jira: FakeJira) -> None:
        [uid] = make_users(idp, "gus")
        group = idp.create_group("Crew")
        jira.add_member("Crew", "gus")  # e.g. an earlier attempt's add that Jira applied

        response = idp.patch_ops(f"Groups/{group['id']}", members_op("add", uid))

        assert response.status_code == 204, response.content
        assert jira.members("Crew") == {"gus"}

    def test_not_a_member_in_jira(self, idp: ScimClient, jira: FakeJira) -> None:
        [uid] = make_users(idp, "hal")
        group = idp.create_group("Pod", members=[uid])
        with jira.state.lock:
            jira.state.remove_member(
                jira.state.find_group("Pod"), jira.state.find_user(username="hal")
            )

        response = idp.patch_ops(f"Groups/{group['id']}", members_op("remove", uid))

        assert response.status_code == 204, response.content

    def test_full_replace(self, idp: ScimClient, jira: FakeJira) -> None:
        ids = make_users(idp, "ida", "jon", "kai")
        group = idp.create_group("Squad", members=ids[:2])
        jira.clear_requests()

        response = idp.put(f"Groups/{group['id']}", group_body("Squad", ids[1], ids[2]))

        assert response.status_code == 200, response.content
        assert jira.members("Squad") == {"jon", "kai"}
        assert len(jira.requests()) == 2  # one removal, one addition

    @pytest.mark.parametrize("jira", ["8.20.0"], indirect=True)
    def test_plain_text_already_member_on_old_jira(self, idp: ScimClient, jira: FakeJira) -> None:
        [uid] = make_users(idp, "lou")
        group = idp.create_group("Old")
        jira.add_member("Old", "lou")

        response = idp.patch_ops(f"Groups/{group['id']}", members_op("add", uid))

        assert response.status_code == 204, response.content

    @pytest.mark.parametrize("jira", ["10.3.1"], indirect=True)
    def test_members_on_jira_10(self, idp: ScimClient, jira: FakeJira) -> None:
        ids = make_users(idp, "max", "ned")
        group = idp.create_group("Ten", members=ids)

        idp.patch_ops(f"Groups/{group['id']}", members_op("remove", ids[0]))

        assert jira.members("Ten") == {"ned"}


class TestRename:
    """Jira cannot rename groups: the Jira group is kept, the SCIM name recorded."""

    def test_rename_keeps_the_jira_group(self, idp: ScimClient, jira: FakeJira) -> None:
        [uid] = make_users(idp, "ola")
        group = idp.create_group("Before", members=[uid])
        jira.clear_requests()

        response = idp.patch_ops(f"Groups/{group['id']}", replace_op("displayName", "After"))

        assert response.status_code == 204, response.content
        assert jira.requests() == []
        assert jira.group("After") is None
        assert jira.members("Before") == {"ola"}
        stored = ScimGroup.objects.get(pk=group["id"])
        assert (stored.display_name, stored.jira_group_name) == ("After", "Before")
        assert stored.jira_confirmed_at is not None
        # Later membership changes still go to the kept group.
        [other] = make_users(idp, "pia")
        idp.patch_ops(f"Groups/{group['id']}", members_op("add", other))
        assert jira.members("Before") == {"ola", "pia"}

    def test_unchanged_display_name_with_members_is_no_rename(
        self, idp: ScimClient, jira: FakeJira
    ) -> None:
        [uid] = make_users(idp, "quy")
        group = idp.create_group("Okta Group")
        jira.clear_requests()

        # Okta resends the name (and an id) with every membership change.
        response = idp.patch_ops(
            f"Groups/{group['id']}",
            replace_op(None, {"id": group["id"], "displayName": "Okta Group"}),
            members_op("add", uid),
        )

        assert response.status_code == 204, response.content
        assert [r.method for r in jira.requests()] == ["POST"]

    def test_old_name_taken_by_the_renamed_group(self, idp: ScimClient, jira: FakeJira) -> None:
        group = idp.create_group("Original")
        idp.patch_ops(f"Groups/{group['id']}", replace_op("displayName", "Renamed"))

        body = assert_scim_error(idp.post("Groups", group_body("Original")), 409, "uniqueness")

        assert "Renamed" in body["detail"]

    def test_rename_to_an_administrator_group_refused(
        self, idp: ScimClient, jira: FakeJira
    ) -> None:
        group = idp.create_group("Harmless")

        assert_scim_error(
            idp.patch_ops(
                f"Groups/{group['id']}", replace_op("displayName", "jira-administrators")
            ),
            403,
        )
        assert ScimGroup.objects.get(pk=group["id"]).display_name == "Harmless"


def test_member_change_costs_do_not_grow_with_the_group(idp: ScimClient, jira: FakeJira) -> None:
    """A membership PATCH: the same queries and one Jira call, for 1 or 40 members."""
    ids = make_users(idp, *(f"m{n:02d}" for n in range(42)))
    small = idp.create_group("Small", members=ids[:1])
    large = idp.create_group("Large", members=ids[:40])
    costs = []
    for group in (small, large):
        jira.clear_requests()
        with CaptureQueriesContext(connection) as queries:
            response = idp.patch_ops(f"Groups/{group['id']}", members_op("add", ids[41]))
        assert response.status_code == 204, response.content
        costs.append((len(queries), len(jira.requests())))

    assert costs[0] == costs[1]
    assert costs[0][1] == 1


class TestRecreateOnRename:
    """With "Re-create renamed groups" on, a rename moves the members to a new Jira group."""

    def test_members_move_and_the_old_group_goes(self, make_idp: MakeIdp, jira: FakeJira) -> None:
        scim, _ = make_idp(recreate_renamed_groups=True)
        ids = make_users(scim, "ann", "bob")
        group = scim.create_group("Before", members=ids)
        jira.seed_user("carl")
        jira.add_member("Before", "carl")  # added in Jira by hand: moves too

        response = scim.patch_ops(f"Groups/{group['id']}", replace_op("displayName", "After"))

        assert response.status_code == 204, response.content
        assert jira.group("Before") is None
        assert jira.members("After") == {"ann", "bob", "carl"}
        [delete] = jira.requests("DELETE", "/rest/api/2/group")
        assert delete.query["swapGroup"] == ["After"]
        stored = ScimGroup.objects.get(pk=group["id"])
        assert (stored.display_name, stored.jira_group_name) == ("After", "After")
        [dave] = make_users(scim, "dave")
        scim.patch_ops(f"Groups/{group['id']}", members_op("add", dave))
        assert jira.members("After") == {"ann", "bob", "carl", "dave"}

    def test_a_retry_completes_a_move_that_failed_part_way(
        self, make_idp: MakeIdp, jira: FakeJira
    ) -> None:
        scim, _ = make_idp(recreate_renamed_groups=True)
        ids = make_users(scim, "eve", "fay")
        group = scim.create_group("Old", members=ids)
        jira.fail("DELETE", "/rest/api/2/group")  # every attempt, client retries included

        failed = scim.patch_ops(f"Groups/{group['id']}", replace_op("displayName", "New"))

        assert_scim_error(failed, 503)
        stored = ScimGroup.objects.get(pk=group["id"])
        assert (stored.display_name, stored.jira_group_name) == ("Old", "Old")
        assert jira.members("New") == {"eve", "fay"}  # created and filled before the failure
        jira.clear_faults()

        retried = scim.patch_ops(f"Groups/{group['id']}", replace_op("displayName", "New"))

        assert retried.status_code == 204, retried.content
        assert jira.group("Old") is None
        assert jira.members("New") == {"eve", "fay"}
        assert ScimGroup.objects.get(pk=group["id"]).jira_group_name == "New"

    def test_new_name_held_by_a_foreign_jira_group(
        self, make_idp: MakeIdp, jira: FakeJira
    ) -> None:
        scim, _ = make_idp(recreate_renamed_groups=True)
        group = scim.create_group("Mine")
        jira.seed_group("Theirs")

        response = scim.patch_ops(f"Groups/{group['id']}", replace_op("displayName", "Theirs"))

        assert_scim_error(response, 409, "uniqueness")
        assert jira.group("Mine") is not None
        assert ScimGroup.objects.get(pk=group["id"]).display_name == "Mine"

    def test_case_only_rename_keeps_the_group(self, make_idp: MakeIdp, jira: FakeJira) -> None:
        scim, _ = make_idp(recreate_renamed_groups=True)
        group = scim.create_group("team")
        jira.clear_requests()

        response = scim.patch_ops(f"Groups/{group['id']}", replace_op("displayName", "Team"))

        assert response.status_code == 204, response.content
        assert jira.requests() == []
        assert ScimGroup.objects.get(pk=group["id"]).jira_group_name == "team"
