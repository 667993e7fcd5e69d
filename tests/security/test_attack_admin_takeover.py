"""Attacks 1 and 6: an IdP token reaching Jira administrators after "Sync Users & Groups".

On the commit before this work, after a Sync every Jira user but the bridge's own account was
in the directory: a token found a member of jira-administrators by userName and changed its
password, deactivated, renamed or deleted it; joined admin-type groups; changed a synced
admin's email; deleted a synced application group. Each test replays one of these against the
fake Jira over HTTP and asserts that Jira saw no change.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from configurations.models import Directory, JiraSite
from configurations.services import directory_get_or_create, scim_configuration_create
from provisioning.models import Origin, ScimGroup, ScimUser
from provisioning.services.apply import applier_override
from provisioning.sync.engine import run_execute
from provisioning.sync.models import SyncRun
from provisioning.sync.runs import run_request
from provisioning.writethrough.applier import JiraApplier
from tests.fakejira import FakeJira
from tests.provisioning.conftest import ScimClient, assert_scim_error

pytestmark = pytest.mark.django_db

PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
# Calls that would change a user or a membership in Jira.
WRITES = (
    ("PUT", "/rest/api/2/user"),
    ("PUT", "/rest/api/2/user/password"),
    ("DELETE", "/rest/api/2/user"),
    ("POST", "/rest/api/2/group/user"),
    ("DELETE", "/rest/api/2/group/user"),
    ("POST", "/rest/api/2/group"),
    ("DELETE", "/rest/api/2/group"),
)


@pytest.fixture(autouse=True)
def applier() -> Iterator[JiraApplier]:
    """These replays write through to the fake Jira (the package's default is no Jira)."""
    with applier_override(JiraApplier(timeout=5, max_retries=0)) as jira_applier:
        yield jira_applier  # type: ignore[misc]


@pytest.fixture
def jira(fake_jira: FakeJira) -> FakeJira:
    """A site with ordinary users, two administrators and admin-type groups of other apps."""
    fake_jira.seed_user("alice", email="alice@example.com", groups=["jira-software-users"])
    fake_jira.seed_user("bob", email="bob@example.com", groups=["jira-software-users"])
    fake_jira.seed_user("root2", email="root2@example.com", admin=True)
    fake_jira.seed_user("sysop", email="sysop@example.com", groups=["jira-system-administrators"])
    fake_jira.seed_user("wiki", email="wiki@example.com", groups=["confluence-administrators"])
    fake_jira.seed_user("lead", email="lead@example.com", groups=["project-admins"])
    fake_jira.seed_user("breakglass", email="bg@example.com")
    fake_jira.add_member("jira-core-users", "alice")
    return fake_jira


@pytest.fixture
def site(jira: FakeJira) -> JiraSite:
    """The Jira site, with a break-glass account on its protected users list."""
    site = JiraSite(name="prod", base_url=jira.url, timeout=5, protected_users="breakglass")
    site.set_secret(jira.admin_token)
    site.save()
    return site


def sync(directory: Directory) -> SyncRun:
    """Run Sync Users & Groups in this process."""
    run = run_execute(run_id=run_request(directory=directory, kind=SyncRun.Kind.SYNC).pk)
    assert run is not None
    run.refresh_from_db()
    assert run.status == SyncRun.Status.SUCCEEDED, run.message
    return run


def synced(site: JiraSite, name: str = "okta") -> tuple[Directory, ScimClient]:
    """A directory on the site after Sync Users & Groups, and its IdP's client."""
    directory = directory_get_or_create(name=name, jira_site=site)
    sync(directory)
    _, issued = scim_configuration_create(name=f"{name}-idp", directory=directory)
    return directory, ScimClient(issued.token)


def writes(jira: FakeJira) -> list[str]:
    """Every changing call Jira received since the last `clear_requests`."""
    return [
        f"{request.method} {request.path}"
        for method, path in WRITES
        for request in jira.requests(method, path)
    ]


def user_names(directory: Directory) -> set[str]:
    """The userNames the directory maps."""
    return set(ScimUser.objects.filter(directory=directory).values_list("user_name", flat=True))


def legacy_row(directory: Directory, jira: FakeJira, username: str) -> ScimUser:
    """A row an older Sync (before protection) mapped for this Jira user."""
    return ScimUser.objects.create(
        directory=directory,
        user_name=username,
        jira_user_key=jira.user(username).key,
        origin=Origin.SYNC,
        resource={"emails": [{"value": f"{username}@example.com", "primary": True}]},
    )


def patch(*operations: dict[str, Any]) -> dict[str, Any]:
    """A SCIM 2.0 PatchOp body."""
    return {"schemas": [PATCH_OP], "Operations": list(operations)}


class TestSyncLeavesAdministratorsOut:
    """Sync never maps protected users or groups, and says how many it left out."""

    def test_administrators_are_not_in_the_directory(self, jira: FakeJira, site: JiraSite) -> None:
        directory, idp = synced(site)

        names = user_names(directory)
        assert names == {"alice", "bob"}
        groups = set(
            ScimGroup.objects.filter(directory=directory).values_list("display_name", flat=True)
        )
        assert "jira-administrators" not in groups
        assert "confluence-administrators" not in groups
        assert "project-admins" not in groups
        assert "jira-core-users" in groups
        run = SyncRun.objects.get(directory=directory)
        # admin (the bridge), root2, sysop, wiki, lead, breakglass
        assert run.counters["users"]["protected"] == 6
        assert run.counters["groups"]["protected"] == 4
        found = idp.get("Users", filter='userName eq "root2"').json()
        assert found["totalResults"] == 0

    def test_a_rerun_drops_rows_an_older_sync_mapped(self, jira: FakeJira, site: JiraSite) -> None:
        directory, _ = synced(site)
        legacy_row(directory, jira, "root2")

        run = sync(directory)

        assert run.counters["users"]["unmapped"] == 1
        assert not ScimUser.objects.filter(directory=directory, user_name="root2").exists()


class TestWritesToAdministratorsAreRefused:
    """Every write that would touch a protected user answers 403 and sends nothing to Jira."""

    @pytest.mark.parametrize(
        ("operation", "value"),
        [
            ("password", "Taken0ver!pass"),
            ("active", False),
            ("userName", "root2-renamed"),
            ("emails", [{"value": "attacker@evil.example", "primary": True}]),
        ],
    )
    def test_patch_of_an_administrator(
        self, jira: FakeJira, site: JiraSite, operation: str, value: Any
    ) -> None:
        directory, idp = synced(site)
        row = legacy_row(directory, jira, "root2")
        before = jira.user("root2")
        jira.clear_requests()

        response = idp.patch(
            f"Users/{row.id}", patch({"op": "replace", "path": operation, "value": value})
        )

        assert_scim_error(response, 403)
        assert "protected in Jira" in response.json()["detail"]
        assert writes(jira) == []
        after = jira.user("root2")
        assert (after.password, after.active, after.name, after.email) == (
            before.password,
            before.active,
            before.name,
            before.email,
        )

    def test_delete_of_an_administrator(self, jira: FakeJira, site: JiraSite) -> None:
        directory, idp = synced(site)
        row = legacy_row(directory, jira, "sysop")
        jira.clear_requests()

        assert_scim_error(idp.delete(f"Users/{row.id}"), 403)

        assert writes(jira) == []
        assert jira.user("sysop").active is True

    def test_user_promoted_after_the_sync_is_rechecked(
        self, jira: FakeJira, site: JiraSite
    ) -> None:
        directory, idp = synced(site)
        alice = ScimUser.objects.get(directory=directory, user_name="alice")
        jira.add_member("jira-administrators", "alice")
        jira.clear_requests()

        response = idp.patch(
            f"Users/{alice.id}", patch({"op": "replace", "path": "password", "value": "Xx1!xxxxxx"})
        )

        assert_scim_error(response, 403)
        assert "jira-administrators" in response.json()["detail"]
        assert writes(jira) == []
        # Asked by key, right before the change.
        [check] = jira.requests("GET", "/rest/api/2/user")[-1:]
        assert check.arg("key") == alice.jira_user_key

    def test_break_glass_account_on_the_site_list(self, jira: FakeJira, site: JiraSite) -> None:
        directory, idp = synced(site)
        row = legacy_row(directory, jira, "breakglass")
        jira.clear_requests()

        response = idp.patch(
            f"Users/{row.id}", patch({"op": "replace", "path": "active", "value": False})
        )

        assert_scim_error(response, 403)
        assert "protected users list" in response.json()["detail"]
        assert writes(jira) == []

    def test_ordinary_synced_users_stay_manageable(self, jira: FakeJira, site: JiraSite) -> None:
        directory, idp = synced(site)
        bob = ScimUser.objects.get(directory=directory, user_name="bob")

        response = idp.patch(
            f"Users/{bob.id}",
            patch(
                {"op": "replace", "path": "password", "value": "N3w-pass-word"},
                {"op": "replace", "path": "userName", "value": "robert"},
                {"op": "replace", "path": "active", "value": False},
            ),
        )

        assert response.status_code == 200, response.content
        assert jira.user("robert").password == "N3w-pass-word"
        assert jira.user("robert").active is False


class TestAdminTypeGroups:
    """Admin-type groups of Jira and other apps are never joined, created or changed."""

    def test_create_a_group_named_like_an_admin_group(self, jira: FakeJira, site: JiraSite) -> None:
        _, idp = synced(site)
        jira.clear_requests()

        response = idp.post("Groups", {"displayName": "confluence-administrators"})

        assert_scim_error(response, 403)
        assert "Unprotected groups" in response.json()["detail"]
        assert writes(jira) == []

    def test_join_a_group_an_older_sync_mapped(self, jira: FakeJira, site: JiraSite) -> None:
        directory, idp = synced(site)
        admins = ScimGroup.objects.create(
            directory=directory,
            display_name="project-admins",
            jira_group_name="project-admins",
            origin=Origin.SYNC,
        )
        bob = ScimUser.objects.get(directory=directory, user_name="bob")
        jira.clear_requests()

        response = idp.patch(
            f"Groups/{admins.id}",
            patch({"op": "add", "path": "members", "value": [{"value": str(bob.id)}]}),
        )

        assert_scim_error(response, 403)
        assert writes(jira) == []
        assert not jira.is_member("project-admins", "bob")

    def test_an_unprotected_admin_named_group_is_manageable(
        self, jira: FakeJira, site: JiraSite
    ) -> None:
        site.unprotected_groups = "helpdesk-admins"
        site.save()
        _, idp = synced(site)

        response = idp.post("Groups", {"displayName": "helpdesk-admins"})

        assert response.status_code == 201, response.content
        assert jira.group("helpdesk-admins") is not None

    def test_delete_of_a_synced_application_group(self, jira: FakeJira, site: JiraSite) -> None:
        directory, idp = synced(site)
        core = ScimGroup.objects.get(directory=directory, display_name="jira-core-users")
        jira.clear_requests()

        assert idp.delete(f"Groups/{core.id}").status_code == 204

        assert jira.group("jira-core-users") is not None
        assert writes(jira) == []


class TestTwoDirectoriesOnOneSite:
    """IdP A cannot reach directory B's users."""

    def test_the_second_directory_does_not_map_the_first_ones_users(
        self, jira: FakeJira, site: JiraSite
    ) -> None:
        first, _ = synced(site, name="a")
        second, idp_b = synced(site, name="b")

        assert ScimUser.objects.filter(directory=first).count() == 2
        assert ScimUser.objects.filter(directory=second).count() == 0
        run = SyncRun.objects.get(directory=second)
        assert run.counters["users"]["elsewhere"] == 2
        assert idp_b.get("Users", filter='userName eq "alice"').json()["totalResults"] == 0

    def test_sync_scope_by_group(self, jira: FakeJira, site: JiraSite) -> None:
        jira.seed_user("carl", email="carl@example.com", groups=["team-b"])
        directory = directory_get_or_create(name="b", jira_site=site)
        directory.sync_groups = "team-b"
        directory.save()

        synced(site, name="b")

        names = user_names(directory)
        assert names == {"carl"}
