"""Jira failures as SCIM errors, tables unchanged, and retries that converge (nothing half-done)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from configurations.models import JiraSite
from provisioning.models import JiraIntent, ScimGroup, ScimUser
from provisioning.services.apply import applier_override
from provisioning.writethrough.applier import JiraApplier
from provisioning.writethrough.journal import INTENT_TTL
from tests.fakejira import FakeJira
from tests.provisioning.conftest import ScimClient, assert_scim_error

from .conftest import FAST, MakeIdp, members_op, replace_op, user_body
from .test_groups import group_body, make_users

pytestmark = pytest.mark.django_db

USER = "/rest/api/2/user"
GROUP = "/rest/api/2/group"
MEMBER = "/rest/api/2/group/user"
# More failures than the client's own retries of an idempotent call (3).
PAST_CLIENT_RETRIES = 4


@pytest.fixture
def no_blips(settings: Any) -> None:
    """Every Jira failure reaches the IdP: these tests are about what its retry converges to
    past the blip budget (test_blips.py covers absorbing blips inside the request)."""
    settings.JIRA_BLIP_ATTEMPTS = 1


def snapshot() -> list[tuple[Any, ...]]:
    """What the SCIM tables hold of users and groups."""
    users = ScimUser.objects.order_by("pk").values_list(
        "pk", "user_name", "display_name", "active", "version", "hidden_at", "jira_user_key"
    )
    groups = ScimGroup.objects.order_by("pk").values_list("pk", "display_name", "version")
    return [*users, *groups]


def jira_users(jira: FakeJira) -> set[str]:
    """Names of the Jira users besides the administrator."""
    return {user.name for user in jira.users.values()} - {jira.admin_username}


class TestErrorMapping:
    """Each kind of Jira failure becomes the SCIM error DESIGN.md names."""

    def test_jira_down_is_503_with_retry_after(self, idp: ScimClient, jira: FakeJira) -> None:
        jira.stop()

        response = idp.post("Users", user_body("ann"))

        body = assert_scim_error(response, 503)
        assert response["Retry-After"] == "10"
        # Neither the site's name nor Jira's address reaches the IdP; the log has them.
        assert "Jira site" in body["detail"]
        assert "fake jira" not in body["detail"]
        assert "127.0.0.1" not in body["detail"]
        assert not ScimUser.objects.exists()
        assert not JiraIntent.objects.exists()  # the POST never reached Jira

    def test_5xx_is_503_and_tables_unchanged(self, idp: ScimClient, jira: FakeJira) -> None:
        created = idp.post("Users", user_body("bea")).json()
        before = snapshot()
        jira.fail("PUT", USER, status=502)

        response = idp.patch_ops(f"Users/{created['id']}", replace_op("displayName", "Bea B"))

        assert_scim_error(response, 503)
        assert snapshot() == before
        assert jira.user("bea").display_name == "Bea"

    def test_a_5xx_the_client_retries_through_is_invisible(
        self, idp: ScimClient, jira: FakeJira
    ) -> None:
        created = idp.post("Users", user_body("cy")).json()
        jira.fail("PUT", USER, status=503, count=1)

        response = idp.patch_ops(f"Users/{created['id']}", replace_op("displayName", "Cy C"))

        assert response.status_code == 200, response.content
        assert jira.user("cy").display_name == "Cy C"

    def test_429_passes_jiras_retry_after_on(self, idp: ScimClient, jira: FakeJira) -> None:
        jira.rate_limit("POST", USER, retry_after=30)

        response = idp.post("Users", user_body("dee"))

        assert_scim_error(response, 503)
        assert response["Retry-After"] == "30"
        assert not ScimUser.objects.exists()
        assert not JiraIntent.objects.exists()  # Jira answers 429 before doing anything

    def test_refused_is_400_with_jiras_field_message(self, idp: ScimClient, jira: FakeJira) -> None:
        jira.set_min_password_length(20)

        response = idp.post("Users", {**user_body("eva"), "password": "short"})

        body = assert_scim_error(response, 400, "invalidValue")
        assert "password: The password must have at least 20 characters." in body["detail"]
        assert not ScimUser.objects.exists()
        assert jira.user("eva") is None

    def test_missing_email_is_jiras_400(self, idp: ScimClient, jira: FakeJira) -> None:
        body = user_body("fox")
        del body["emails"]

        detail = assert_scim_error(idp.post("Users", body), 400)["detail"]

        assert "email: You must specify a valid email address." in detail

    def test_existing_jira_user_not_ours_is_409(self, idp: ScimClient, jira: FakeJira) -> None:
        jira.seed_user("gil", email="gil@elsewhere.example.com")

        body = assert_scim_error(idp.post("Users", user_body("Gil")), 409, "uniqueness")

        assert "Sync Users & Groups" in body["detail"]
        assert "Write-through" in body["detail"]  # names the directory to sync
        assert not ScimUser.objects.exists()
        assert jira.user("gil").email == "gil@elsewhere.example.com"

    def test_jira_user_linked_in_another_directory_is_409(
        self, idp: ScimClient, jira: FakeJira, site: JiraSite, caplog
    ) -> None:
        from configurations.services import directory_get_or_create, scim_configuration_create

        other = directory_get_or_create(name="Other IdP", jira_site=site)
        _, credentials = scim_configuration_create(name="other", directory=other)
        ScimClient(credentials.token).post("Users", user_body("hal"))
        # Pretend an earlier attempt of this directory journaled the same name.
        JiraIntent.objects.create(
            directory=idp_directory(), kind=JiraIntent.Kind.USER, jira_name="hal"
        )

        response = idp.post("Users", user_body("hal"))
        body = assert_scim_error(response, 409, "uniqueness")

        # The IdP is not told which directory (nor which of its users) holds the Jira user;
        # the administrator finds both in the log line carrying the request id.
        assert "Other IdP" not in body["detail"]
        assert "another directory of this Jira site" in body["detail"]
        request_id = response["X-Request-Id"]
        assert any(
            "Other IdP" in record.getMessage() and record.request_id == request_id
            for record in caplog.records
        )

    @pytest.mark.parametrize("status", [401, 403])
    def test_credentials_refused_is_503_for_the_admin(
        self, idp: ScimClient, jira: FakeJira, site: JiraSite, status: int
    ) -> None:
        if status == 401:
            site.set_secret("revoked-token")
            site.save()
        else:
            jira.fail("POST", USER, status=403, body={"errorMessages": ["Not an admin"]})

        response = idp.post("Users", user_body("ivo"))

        body = assert_scim_error(response, 503)
        assert response["Retry-After"] == "300"
        assert "personal access token" in body["detail"]
        assert not ScimUser.objects.exists()

    def test_group_not_found_in_jira_on_member_add_is_409(
        self, idp: ScimClient, jira: FakeJira
    ) -> None:
        [uid] = make_users(idp, "jo")
        group = idp.create_group("Ghost")
        with jira.state.lock:
            jira.state.remove_group(jira.state.find_group("Ghost"))

        body = assert_scim_error(
            idp.patch_ops(f"Groups/{group['id']}", members_op("add", uid)), 409
        )

        assert "Sync Users & Groups" in body["detail"]


def idp_directory() -> Any:
    """The write-through directory (created by the idp fixture)."""
    from configurations.models import Directory

    return Directory.objects.get(name="Write-through")


@pytest.mark.usefixtures("no_blips")
class TestCreateAppliedThenFailed:
    """A create Jira applied but answered with an error is recognised: one Jira user, linked."""

    @pytest.mark.parametrize("fault", ["apply_then_fail", "disconnect"])
    def test_recognised_at_once_by_re_reading(
        self, idp: ScimClient, jira: FakeJira, fault: str
    ) -> None:
        if fault == "apply_then_fail":
            jira.apply_then_fail("POST", USER, count=1)
        else:
            jira.disconnect("POST", USER, apply=True, count=1)

        response = idp.post("Users", user_body("kit", display_name="Kit K"))

        assert response.status_code == 201, response.content
        assert jira_users(jira) == {"kit"}
        assert ScimUser.objects.get().jira_user_key == jira.user("kit").key
        assert not JiraIntent.objects.exists()

    def test_timeout_applied(self, idp: ScimClient, jira: FakeJira) -> None:
        jira.timeout("POST", USER, seconds=0.6, apply=True, count=1)
        with applier_override(JiraApplier(**(FAST | {"timeout": 0.3}))):
            response = idp.post("Users", user_body("lia"))

        assert response.status_code == 201, response.content
        assert jira_users(jira) == {"lia"}

    def test_retry_adopts_what_the_failed_attempt_created(
        self, idp: ScimClient, jira: FakeJira
    ) -> None:
        jira.apply_then_fail("POST", USER, count=1)
        jira.fail("GET", USER, count=PAST_CLIENT_RETRIES)  # the re-read fails too

        first = idp.post("Users", user_body("max"))

        assert_scim_error(first, 503)
        assert not ScimUser.objects.exists()
        assert jira_users(jira) == {"max"}  # applied in Jira
        [intent] = JiraIntent.objects.all()
        assert (intent.kind, intent.jira_name) == ("user", "max")

        retry = idp.post("Users", user_body("max", display_name="Max M"))

        assert retry.status_code == 201, retry.content
        assert jira_users(jira) == {"max"}
        user = jira.user("max")
        assert user.display_name == "Max M"  # brought to what the retry asked
        assert ScimUser.objects.get().jira_user_key == user.key
        assert not JiraIntent.objects.exists()  # consumed

    def test_not_applied_timeout_then_fresh_create(self, idp: ScimClient, jira: FakeJira) -> None:
        jira.timeout("POST", USER, seconds=0.6, count=1)
        with applier_override(JiraApplier(**(FAST | {"timeout": 0.3}))):
            assert_scim_error(idp.post("Users", user_body("ned")), 503)
        assert JiraIntent.objects.count() == 1  # it might still have been applied

        assert idp.post("Users", user_body("ned")).status_code == 201

        assert jira_users(jira) == {"ned"}
        assert not JiraIntent.objects.exists()  # created afresh: the intent is void

    def test_later_step_failure_then_retry(self, make_idp: MakeIdp, jira: FakeJira) -> None:
        scim, _ = make_idp(default_groups="staff", application_keys=["jira-core"])
        jira.fail("POST", MEMBER, count=PAST_CLIENT_RETRIES)

        assert_scim_error(scim.post("Users", user_body("oda", password="Pa55word!x")), 503)
        assert jira_users(jira) == {"oda"}
        assert not ScimUser.objects.exists()

        retry = scim.post("Users", user_body("oda", password="Pa55word!x"))

        assert retry.status_code == 201, retry.content
        assert jira_users(jira) == {"oda"}
        assert jira.is_member("staff", "oda")
        assert jira.has_application("oda", "jira-core")
        assert jira.user("oda").password == "Pa55word!x"

    def test_retry_of_inactive_create(self, idp: ScimClient, jira: FakeJira) -> None:
        jira.fail("PUT", USER, count=PAST_CLIENT_RETRIES)
        assert_scim_error(idp.post("Users", user_body("pam", active=False)), 503)
        assert jira.user("pam").active is True

        assert idp.post("Users", user_body("pam", active=False)).status_code == 201

        assert jira.user("pam").active is False

    def test_expired_intent_is_not_trusted(self, idp: ScimClient, jira: FakeJira) -> None:
        jira.seed_user("ray")
        JiraIntent.objects.create(
            directory=idp_directory(),
            kind=JiraIntent.Kind.USER,
            jira_name="RAY",
            requested_at=timezone.now() - INTENT_TTL - timedelta(minutes=1),
        )

        assert_scim_error(idp.post("Users", user_body("ray")), 409, "uniqueness")

    def test_re_read_finds_someone_elses_user(self, idp: ScimClient, jira: FakeJira) -> None:
        jira.seed_user("sue", email="sue@elsewhere.example.com")
        # The POST's answer is lost: the re-read finds a user that is not what we sent.
        jira.disconnect("POST", USER, count=1)

        assert_scim_error(idp.post("Users", user_body("sue")), 409, "uniqueness")

        assert jira.user("sue").email == "sue@elsewhere.example.com"
        assert not JiraIntent.objects.exists()

    def test_restore_retry(self, idp: ScimClient, jira: FakeJira) -> None:
        created = idp.post("Users", user_body("tia")).json()
        idp.delete(f"Users/{created['id']}")
        jira.fail("POST", "/rest/api/2/user/application", count=PAST_CLIENT_RETRIES)
        jira.fail("PUT", "/rest/api/2/user/password", count=PAST_CLIENT_RETRIES)

        assert_scim_error(idp.post("Users", {**user_body("tia"), "password": "Secr3t!xyz"}), 503)
        assert_scim_error(idp.get(f"Users/{created['id']}"), 404)  # still hidden

        again = idp.post("Users", {**user_body("tia"), "password": "Secr3t!xyz"})
        assert again.status_code == 201, again.content
        assert jira_users(jira) == {"tia"}
        assert jira.user("tia").active is True


@pytest.mark.usefixtures("no_blips")
class TestGroupCreateAppliedThenFailed:
    """The same for groups: no duplicate, no false 409."""

    def test_recognised_at_once(self, idp: ScimClient, jira: FakeJira) -> None:
        jira.apply_then_fail("POST", GROUP, count=1)

        response = idp.post("Groups", group_body("Blue"))

        assert response.status_code == 201, response.content
        assert ScimGroup.objects.get().jira_group_name == "Blue"

    def test_retry_adopts(self, idp: ScimClient, jira: FakeJira) -> None:
        [uid] = make_users(idp, "uli")
        jira.apply_then_fail("POST", GROUP, count=1)
        jira.fail("GET", "/rest/api/2/group/member", skip=1, count=PAST_CLIENT_RETRIES)

        assert_scim_error(idp.post("Groups", group_body("Green", uid)), 503)
        assert jira.group("Green") is not None
        assert not ScimGroup.objects.exists()
        assert JiraIntent.objects.filter(kind="group", jira_name="Green").exists()

        retry = idp.post("Groups", group_body("Green", uid))

        assert retry.status_code == 201, retry.content
        assert jira.members("Green") == {"uli"}
        assert not JiraIntent.objects.exists()

    def test_member_failure_after_create_then_retry(
        self, idp: ScimClient, jira: FakeJira, settings: Any
    ) -> None:
        settings.JIRA_MEMBER_WRITE_CONCURRENCY = 1  # "the first member call succeeds": in order
        ids = make_users(idp, "val", "wes")
        jira.fail("POST", MEMBER, skip=1, count=PAST_CLIENT_RETRIES)

        assert_scim_error(idp.post("Groups", group_body("Red", *ids)), 503)
        assert jira.members("Red") == {"val"}

        retry = idp.post("Groups", group_body("Red", *ids))

        assert retry.status_code == 201, retry.content
        assert jira.members("Red") == {"val", "wes"}


@pytest.mark.usefixtures("no_blips")
class TestHalfDonePatch:
    """A multi-operation PATCH that fails half-way is completed by the IdP's retry."""

    def test_group_members(self, idp: ScimClient, jira: FakeJira, settings: Any) -> None:
        # One call at a time, so that "the first call" is xia's (test_member_writes.py covers
        # the same with concurrent calls).
        settings.JIRA_MEMBER_WRITE_CONCURRENCY = 1
        ids = make_users(idp, "xia", "yan", "zoe")
        group = idp.create_group("Half")
        patch = [members_op("add", ids[0]), members_op("add", ids[1], ids[2])]
        jira.fail("POST", MEMBER, skip=1, count=PAST_CLIENT_RETRIES)

        assert_scim_error(idp.patch_ops(f"Groups/{group['id']}", *patch), 503)
        assert jira.members("Half") == {"xia"}
        assert idp.get(f"Groups/{group['id']}").json().get("members", []) == []

        retry = idp.patch_ops(f"Groups/{group['id']}", *patch)

        assert retry.status_code == 204, retry.content
        assert jira.members("Half") == {"xia", "yan", "zoe"}

    def test_user_rename_and_password(self, idp: ScimClient, jira: FakeJira) -> None:
        created = idp.post("Users", user_body("abe")).json()
        key = jira.user("abe").key
        patch = [replace_op("userName", "abel"), replace_op("password", "N3w-password")]
        jira.fail("PUT", "/rest/api/2/user/password", count=PAST_CLIENT_RETRIES)

        assert_scim_error(idp.patch_ops(f"Users/{created['id']}", *patch), 503)
        assert jira.user(key).name == "abel"  # applied in Jira
        assert ScimUser.objects.get().user_name == "abe"  # not in the tables

        retry = idp.patch_ops(f"Users/{created['id']}", *patch)

        assert retry.status_code == 200, retry.content
        assert (jira.user(key).name, jira.user(key).password) == ("abel", "N3w-password")

    def test_disable_with_memberships(self, idp: ScimClient, jira: FakeJira) -> None:
        [uid] = make_users(idp, "bo")
        for name in ("One", "Two"):
            idp.create_group(name, members=[uid])
        jira.fail("DELETE", MEMBER, query={"groupname": "Two"}, count=PAST_CLIENT_RETRIES)

        assert_scim_error(idp.delete(f"Users/{uid}"), 503)
        assert idp.get(f"Users/{uid}").status_code == 200

        assert idp.delete(f"Users/{uid}").status_code == 204
        assert jira.user("bo").active is False
        assert not jira.is_member("One", "bo")
        assert not jira.is_member("Two", "bo")


def test_site_without_credentials_is_503(idp: ScimClient, site: JiraSite) -> None:
    """A site whose secret is missing cannot be called: the admin must fix it."""
    JiraSite.objects.filter(pk=site.pk).update(secret_encrypted="")

    response = idp.post("Users", user_body("una"))

    body = assert_scim_error(response, 503)
    assert response["Retry-After"] == "300"
    assert "credentials" in body["detail"]
    assert not ScimUser.objects.exists()
