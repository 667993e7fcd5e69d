"""Short Jira blips are absorbed inside the request, for every write kind, within the budget."""

from __future__ import annotations

import time

import pytest
from django.test import override_settings

from provisioning.models import JiraIntent, ScimGroup, ScimUser
from tests.fakejira import FakeJira
from tests.provisioning.conftest import ScimClient, assert_scim_error

from .conftest import members_op, replace_op, user_body
from .test_groups import group_body, make_users

pytestmark = pytest.mark.django_db

USER = "/rest/api/2/user"
GROUP = "/rest/api/2/group"
MEMBER = "/rest/api/2/group/user"
# Jira's Retry-After is honoured; fractions keep the tests fast.
HINT = {"Retry-After": "0.05"}


def jira_users(jira: FakeJira) -> set[str]:
    """Names of the Jira users besides the administrator."""
    return {user.name for user in jira.users.values()} - {jira.admin_username}


def posts(jira: FakeJira, path: str) -> int:
    """How many POSTs to `path` Jira received."""
    return len(jira.requests("POST", path))


class TestAbsorbed:
    """One or two 503s (or a 503 whose POST Jira applied) never reach the IdP."""

    def test_user_create_after_one_503(self, idp: ScimClient, jira: FakeJira) -> None:
        jira.fail("POST", USER, status=503, count=1, headers=HINT)

        response = idp.post("Users", user_body("ann"))

        assert response.status_code == 201, response.content
        assert jira_users(jira) == {"ann"}
        assert posts(jira, USER) == 2
        assert ScimUser.objects.get().jira_user_key == jira.user("ann").key
        assert not JiraIntent.objects.exists()

    def test_user_create_whose_503_was_applied(self, idp: ScimClient, jira: FakeJira) -> None:
        jira.apply_then_fail("POST", USER, status=503, count=1)
        jira.fail("GET", USER, status=503, count=1, headers=HINT)  # the re-read blips too

        response = idp.post("Users", user_body("bob", display_name="Bob B"))

        assert response.status_code == 201, response.content
        assert jira_users(jira) == {"bob"}  # adopted, not duplicated
        assert jira.user("bob").display_name == "Bob B"
        assert ScimUser.objects.get().jira_user_key == jira.user("bob").key
        assert not JiraIntent.objects.exists()

    def test_user_create_with_default_group_blip(self, make_idp, jira: FakeJira) -> None:
        scim, _ = make_idp(default_groups="staff")
        jira.fail("POST", MEMBER, status=503, count=2, headers=HINT)

        response = scim.post("Users", user_body("cat"))

        assert response.status_code == 201, response.content
        assert jira_users(jira) == {"cat"}
        assert jira.is_member("staff", "cat")
        assert not JiraIntent.objects.exists()

    def test_group_create_after_one_503(self, idp: ScimClient, jira: FakeJira) -> None:
        jira.fail("POST", GROUP, status=503, count=1, headers=HINT)

        response = idp.post("Groups", group_body("Blue"))

        assert response.status_code == 201, response.content
        assert jira.group("Blue") is not None
        assert ScimGroup.objects.get().jira_group_name == "Blue"
        assert not JiraIntent.objects.exists()

    def test_group_create_whose_503_was_applied(self, idp: ScimClient, jira: FakeJira) -> None:
        [uid] = make_users(idp, "dan")
        jira.apply_then_fail("POST", GROUP, status=503, count=1)
        # The re-read after the POST blips: the re-run finds the group and adopts it.
        jira.fail("GET", "/rest/api/2/group/member", status=503, skip=1, count=1, headers=HINT)

        response = idp.post("Groups", group_body("Green", uid))

        assert response.status_code == 201, response.content
        assert posts(jira, GROUP) == 1
        assert jira.members("Green") == {"dan"}
        assert ScimGroup.objects.get().jira_group_name == "Green"
        assert not JiraIntent.objects.exists()

    def test_member_add_after_two_503s(self, idp: ScimClient, jira: FakeJira) -> None:
        ids = make_users(idp, "eve", "fay")
        group = idp.create_group("Red")
        jira.fail("POST", MEMBER, status=503, count=2, headers=HINT)

        response = idp.patch_ops(f"Groups/{group['id']}", members_op("add", *ids))

        assert response.status_code == 204, response.content
        assert jira.members("Red") == {"eve", "fay"}

    def test_member_add_whose_503_was_applied(self, idp: ScimClient, jira: FakeJira) -> None:
        [uid] = make_users(idp, "gus")
        group = idp.create_group("Teal")
        jira.apply_then_fail("POST", MEMBER, status=503, count=1)

        response = idp.patch_ops(f"Groups/{group['id']}", members_op("add", uid))

        assert response.status_code == 204, response.content
        assert jira.members("Teal") == {"gus"}

    def test_member_remove_after_two_503s(self, idp: ScimClient, jira: FakeJira) -> None:
        ids = make_users(idp, "hal", "ida")
        group = idp.create_group("Plum", members=ids)
        jira.fail("DELETE", MEMBER, status=503, count=2, headers=HINT)

        response = idp.patch_ops(f"Groups/{group['id']}", members_op("remove", ids[0]))

        assert response.status_code == 204, response.content
        assert jira.members("Plum") == {"ida"}

    def test_patch_user_after_two_503s(self, idp: ScimClient, jira: FakeJira) -> None:
        created = idp.post("Users", user_body("jon")).json()
        jira.fail("PUT", USER, status=503, count=2, headers=HINT)

        response = idp.patch_ops(f"Users/{created['id']}", replace_op("displayName", "Jon J"))

        assert response.status_code == 200, response.content
        assert jira.user("jon").display_name == "Jon J"
        assert jira_users(jira) == {"jon"}

    def test_delete_user_after_503(self, idp: ScimClient, jira: FakeJira) -> None:
        [uid] = make_users(idp, "kim")
        idp.create_group("Gold", members=[uid])
        jira.fail("PUT", USER, status=503, count=1, headers=HINT)
        jira.fail("DELETE", MEMBER, status=503, count=1, headers=HINT)

        assert idp.delete(f"Users/{uid}").status_code == 204

        assert jira.user("kim").active is False
        assert not jira.is_member("Gold", "kim")
        assert jira_users(jira) == {"kim"}

    def test_delete_group_whose_503_was_applied(self, idp: ScimClient, jira: FakeJira) -> None:
        group = idp.create_group("Gray")
        jira.apply_then_fail("DELETE", GROUP, status=503, count=1)

        assert idp.delete(f"Groups/{group['id']}").status_code == 204

        assert jira.group("Gray") is None
        assert not ScimGroup.objects.exists()


class TestPastTheBudget:
    """Beyond the attempts or the seconds the answer stays 503 + Retry-After, nothing stored."""

    def test_more_blips_than_attempts(self, idp: ScimClient, jira: FakeJira) -> None:
        jira.fail("POST", GROUP, status=503, count=3, headers=HINT)

        response = idp.post("Groups", group_body("Black"))

        assert_scim_error(response, 503)
        assert response["Retry-After"]
        assert posts(jira, GROUP) == 3  # JIRA_BLIP_ATTEMPTS, not one more
        assert jira.group("Black") is None
        assert not ScimGroup.objects.exists()

    def test_user_create_past_the_attempts(self, idp: ScimClient, jira: FakeJira) -> None:
        jira.fail("POST", USER, status=503, headers=HINT)

        assert_scim_error(idp.post("Users", user_body("lou")), 503)

        assert posts(jira, USER) == 3
        assert jira_users(jira) == set()
        assert not ScimUser.objects.exists()

    def test_retry_after_longer_than_the_budget_is_passed_on(
        self, idp: ScimClient, jira: FakeJira
    ) -> None:
        jira.fail("POST", MEMBER, status=503, count=1, headers={"Retry-After": "30"})
        ids = make_users(idp, "mia")
        group = idp.create_group("Pink")
        started = time.monotonic()

        response = idp.patch_ops(f"Groups/{group['id']}", members_op("add", *ids))

        assert_scim_error(response, 503)
        assert response["Retry-After"] == "30"
        assert time.monotonic() - started < 5  # not slept through
        assert jira.members("Pink") == set()

    @override_settings(JIRA_BLIP_BUDGET_SECONDS=0.1)
    def test_waits_beyond_the_seconds(self, idp: ScimClient, jira: FakeJira) -> None:
        jira.fail("POST", USER, status=503, count=2, headers={"Retry-After": "0.08"})

        assert_scim_error(idp.post("Users", user_body("ned")), 503)

        assert posts(jira, USER) == 2  # the second wait would pass the 0.1 s budget
        assert not ScimUser.objects.exists()

    @override_settings(JIRA_BLIP_ATTEMPTS=1)
    def test_blips_off(self, idp: ScimClient, jira: FakeJira) -> None:
        jira.fail("POST", GROUP, status=503, count=1, headers=HINT)

        assert_scim_error(idp.post("Groups", group_body("White")), 503)

        assert posts(jira, GROUP) == 1

    def test_create_past_the_budget_then_the_idps_retry(self, make_idp, jira: FakeJira) -> None:
        scim, _ = make_idp(default_groups="staff")
        # The user is created, then every attempt of its default group fails.
        rule = jira.fail("POST", MEMBER, status=503, headers=HINT)

        assert_scim_error(scim.post("Users", user_body("oli")), 503)
        assert jira_users(jira) == {"oli"}
        assert not ScimUser.objects.exists()
        assert JiraIntent.objects.filter(kind="user", jira_name="oli").exists()

        # The IdP's retry meets one more blip: adopted from the journal, then re-run.
        rule.count = rule.fired + 1
        retry = scim.post("Users", user_body("oli"))

        assert retry.status_code == 201, retry.content
        assert jira_users(jira) == {"oli"}
        assert jira.is_member("staff", "oli")
        assert ScimUser.objects.get().jira_user_key == jira.user("oli").key
        assert not JiraIntent.objects.exists()

    @override_settings(JIRA_BLIP_BUDGET_SECONDS=1.5, SCIM_WRITE_BUDGET_SECONDS=0.8)
    def test_no_wait_past_the_write_budget(self, idp: ScimClient, jira: FakeJira) -> None:
        jira.fail("POST", GROUP, status=503, count=1, headers={"Retry-After": "1"})
        started = time.monotonic()

        response = idp.post("Groups", group_body("Brown"))

        assert_scim_error(response, 503)
        assert time.monotonic() - started < 0.8  # the blip budget allowed it; the write's not
        assert posts(jira, GROUP) == 1
        assert not ScimGroup.objects.exists()
