"""Admin utilities page, management commands, Remove Directory, Clear tables, last login."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from configurations.models import Directory
from configurations.services import scim_configuration_create
from provisioning.models import ScimGroup, ScimUser
from provisioning.sync.models import ScimCustomization, SyncRun
from tests.fakejira import FakeJira

from .conftest import assert_mirrors_jira, run_now

pytestmark = pytest.mark.django_db
UTILS = "/admin/provisioning/syncrun/utilities/"


@pytest.fixture
def seeded(fake_jira: FakeJira, make_directory: Callable[..., Directory]) -> Directory:
    """A 9.x site with a few users and groups, and a directory on it."""
    fake_jira.seed_users(12)
    fake_jira.seed_group("eng", members=["user00001", "user00002"])
    fake_jira.seed_group("ops", members=["user00003"])
    return make_directory(fake_jira)


@pytest.fixture
def post(admin_client: Client, django_capture_on_commit_callbacks: Any) -> Callable[..., Any]:
    """POST as the admin and run what the view queued after commit (tasks run in-process)."""

    def send(url: str, data: dict[str, str] | None = None, **kwargs: Any) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return admin_client.post(url, data or {}, **kwargs)

    return send


class TestUtilitiesAdmin:
    """The "Utils for existing users/directories" page through admin_client."""

    def test_page_lists_directories_with_actions(
        self, admin_client: Client, seeded: Directory
    ) -> None:
        """Sync button, remove/clear links, customization form."""
        response = admin_client.get(UTILS)
        assert response.status_code == 200
        html = response.content.decode()
        assert "Sync Users &amp; Groups" in html
        assert f"utilities/{seeded.pk}/remove/" in html
        assert "Sync users last login info" in html

    def test_sync_button_runs_and_status_endpoint_reports(
        self, post: Callable[..., Any], admin_client: Client, fake_jira: FakeJira, seeded: Directory
    ) -> None:
        """POST starts the task (in-process here); the JSON endpoint shows its statistics."""
        response = post(f"{UTILS}{seeded.pk}/sync/")
        assert response.status_code == 302
        run = SyncRun.objects.get(directory=seeded)
        assert response["Location"].endswith(f"?run={run.pk}")
        status = admin_client.get(f"/admin/provisioning/syncrun/{run.pk}/status.json").json()
        assert status["status"] == "succeeded"
        assert status["counters"]["users"]["created"] == 12
        assert status["counters"]["memberships"]["created"] == 3
        assert status["active"] is False

    def test_busy_directory_is_refused(
        self, post: Callable[..., Any], admin_client: Client, seeded: Directory
    ) -> None:
        """A second start while a run holds the lock only warns."""
        from provisioning.sync.runs import run_request

        held = run_request(directory=seeded, kind=SyncRun.Kind.SYNC)
        response = post(f"{UTILS}{seeded.pk}/sync/", follow=True)
        assert "already queued" in response.content.decode()
        assert SyncRun.objects.filter(directory=seeded).get() == held

    def test_remove_directory_after_sync_unlinks_and_deletes_nothing_in_jira(
        self, post: Callable[..., Any], admin_client: Client, fake_jira: FakeJira, seeded: Directory
    ) -> None:
        """After a Sync, nothing is SCIM's: the plan deletes nothing in Jira, unlinks it all."""
        run_now(seeded)
        page = admin_client.get(f"{UTILS}{seeded.pk}/remove/").content.decode()
        assert '<td class="count" id="users-delete">0</td>' in page
        assert '<td class="count" id="users-unlink">12</td>' in page
        # eng, ops (synced) and the three application groups: all unlinked, none deleted.
        assert '<td class="count" id="groups-unlink">5</td>' in page
        assert '<td class="count" id="groups-application">3</td>' in page
        post(f"{UTILS}{seeded.pk}/remove/", {"confirm_name": seeded.name})
        run = SyncRun.objects.filter(kind=SyncRun.Kind.REMOVE_DIRECTORY).get()
        assert run.status == SyncRun.Status.SUCCEEDED, run.message
        assert run.counters["users"]["removed"] == 0
        assert run.counters["users"]["unmapped"] == 12
        assert fake_jira.user("user00001") is not None
        assert fake_jira.group("eng") is not None
        assert not fake_jira.requests("DELETE")
        assert not ScimUser.objects.filter(directory=seeded).exists()
        assert not ScimGroup.objects.filter(directory=seeded).exists()

    def test_remove_with_synced_users_option_deletes_them_in_jira(
        self, post: Callable[..., Any], admin_client: Client, fake_jira: FakeJira, seeded: Directory
    ) -> None:
        """The option (a GET parameter, then the POST) adds the synced users; groups stay."""
        run_now(seeded)
        page = admin_client.get(
            f"{UTILS}{seeded.pk}/remove/", {"delete_synced_users": "1"}
        ).content.decode()
        assert '<td class="count" id="users-delete">12</td>' in page
        assert '<td class="count" id="groups-delete">0</td>' in page
        post(
            f"{UTILS}{seeded.pk}/remove/",
            {"confirm_name": seeded.name, "delete_synced_users": "1"},
        )
        run = SyncRun.objects.filter(kind=SyncRun.Kind.REMOVE_DIRECTORY).get()
        assert run.options == {"delete_synced_users": True}
        assert run.counters["users"]["removed"] == 12
        assert fake_jira.user("user00001") is None
        assert fake_jira.group("eng") is not None  # synced groups are never deleted
        assert fake_jira.user("admin") is not None  # never mapped, never deleted
        assert fake_jira.group("jira-administrators") is not None
        assert not ScimUser.objects.filter(directory=seeded).exists()

    def test_remove_keeps_what_jira_refuses(
        self, post: Callable[..., Any], admin_client: Client, fake_jira: FakeJira, seeded: Directory
    ) -> None:
        """A project lead cannot be deleted: its row stays and the error names it."""
        run_now(seeded)
        fake_jira.mark_project_lead("user00004")
        post(
            f"{UTILS}{seeded.pk}/remove/",
            {"confirm_name": seeded.name, "delete_synced_users": "on"},
        )
        run = SyncRun.objects.filter(kind=SyncRun.Kind.REMOVE_DIRECTORY).get()
        assert run.errors.filter(object_type="user", object_name="user00004").exists()
        assert list(ScimUser.objects.values_list("user_name", flat=True)) == ["user00004"]

    def test_clear_then_sync_restores_with_new_ids(
        self, post: Callable[..., Any], admin_client: Client, fake_jira: FakeJira, seeded: Directory
    ) -> None:
        """Clear deletes rows only; a following sync restores them with new ids."""
        run_now(seeded)
        old_ids = set(ScimUser.objects.values_list("id", flat=True))
        page = admin_client.get(f"{UTILS}{seeded.pk}/clear/").content.decode()
        assert "12 SCIM user(s)" in page
        post(f"{UTILS}{seeded.pk}/clear/", {"confirm_name": seeded.name})
        assert not ScimUser.objects.exists()
        assert not ScimGroup.objects.exists()
        assert fake_jira.user("user00001") is not None
        run_now(seeded)
        assert_mirrors_jira(fake_jira, seeded)
        assert not old_ids & set(ScimUser.objects.values_list("id", flat=True))

    def test_last_login_button_explains_old_jira(
        self, post: Callable[..., Any], admin_client: Client, seeded: Directory
    ) -> None:
        """9.x has no lastLoginTime: a clear message and no run."""
        response = post(f"{UTILS}{seeded.pk}/last-login/", follow=True)
        assert "lastLoginTime exists from Jira Data Center 11.3" in response.content.decode()
        assert not SyncRun.objects.filter(kind=SyncRun.Kind.LAST_LOGIN).exists()

    def test_last_login_controls_say_up_front_what_the_site_can_do(
        self,
        admin_client: Client,
        seeded: Directory,
        fake_jira_factory: Callable[..., FakeJira],
        make_directory: Callable[..., Directory],
        directory: Directory,
    ) -> None:
        """9.12 disabled with why, 11.3 offered, an unreachable site says it could not ask."""
        make_directory(fake_jira_factory("11.3.0"), name="New Jira users")
        html = admin_client.get(UTILS).content.decode()
        assert "Not available on this site: Jira 9.12.4 does not provide last login" in html
        assert html.count('value="Sync users last login info" disabled') == 1
        assert "Jira 11.3.0 provides last login (lastLoginTime)." in html
        assert "Could not ask Jira for its version" in html

    def test_run_history_is_read_only(self, admin_client: Client, seeded: Directory) -> None:
        """The run changelist and detail pages render with counters and errors."""
        run = run_now(seeded)
        assert admin_client.get("/admin/provisioning/syncrun/").status_code == 200
        assert admin_client.get(f"/admin/provisioning/syncrun/{run.pk}/change/").status_code == 200


class TestLastLogin:
    """Last login on 11.3+ and the GET /Users rendering hook."""

    def test_sync_and_render(
        self,
        post: Callable[..., Any],
        admin_client: Client,
        fake_jira_factory: Callable[..., FakeJira],
        make_directory: Callable[..., Directory],
    ) -> None:
        """11.3: stored by the task; shown in GET /Users only once the setting is on."""
        fake = fake_jira_factory("11.3.0")
        fake.seed_users(3)
        when = datetime(2025, 5, 1, 10, 0, tzinfo=UTC)
        fake.set_last_login("user00001", when)
        directory = make_directory(fake)
        run_now(directory)
        post(f"{UTILS}{directory.pk}/last-login/")
        run = SyncRun.objects.filter(kind=SyncRun.Kind.LAST_LOGIN).get()
        assert run.status == SyncRun.Status.SUCCEEDED, run.message
        assert run.counters["users"]["updated"] == 3

        _, credentials = scim_configuration_create(name="idp", directory=directory)
        auth = {"HTTP_AUTHORIZATION": f"Bearer {credentials.token}"}
        user = ScimUser.objects.get(user_name="user00001")
        body = Client().get(f"/scim/v2/Users/{user.id}", **auth).json()
        assert "lastLogin" not in body["meta"]
        post(f"{UTILS}{directory.pk}/customization/", {"show_last_login": "on"})
        assert ScimCustomization.objects.get(directory=directory).show_last_login
        body = Client().get(f"/scim/v2/Users/{user.id}", **auth).json()
        assert body["meta"]["lastLogin"] == when.isoformat()
        extension = "urn:ietf:params:scim:schemas:extension:oneidentity:2.0:User"
        assert body[extension] == {"lastLogin": when.isoformat()}
        assert extension in body["schemas"]
        listed = Client().get("/scim/v2/Users", {"attributes": "userName"}, **auth).json()
        assert all(extension not in r for r in listed["Resources"])
        never = (
            Client()
            .get(f"/scim/v2/Users/{ScimUser.objects.get(user_name='user00002').id}", **auth)
            .json()
        )
        assert "lastLogin" not in never["meta"]

    def test_command_on_old_jira_fails_with_message(self, seeded: Directory) -> None:
        """The command says why instead of pretending."""
        with pytest.raises(CommandError, match=r"11\.3"):
            call_command("sync_last_login", directory=seeded.name, stderr=io.StringIO())


class TestCommands:
    """sync_jira, remove_directory, clear_scim_tables with a progress line."""

    def test_sync_jira(self, fake_jira: FakeJira, seeded: Directory) -> None:
        """Runs in-process, draws progress on stderr, prints the counters."""
        out, err = io.StringIO(), io.StringIO()
        call_command("sync_jira", directory=seeded.name, stdout=out, stderr=err)
        assert "Succeeded" in out.getvalue()
        assert "users: seen 12, created 12" in out.getvalue()
        assert "users" in err.getvalue()
        assert_mirrors_jira(fake_jira, seeded)

    def test_unknown_directory(self, db: object) -> None:
        """A clear error."""
        with pytest.raises(CommandError, match="No directory"):
            call_command("sync_jira", directory="nope")

    def test_clear_and_remove_need_yes(self, fake_jira: FakeJira, seeded: Directory) -> None:
        """Without --yes nothing happens and the counts are named."""
        run_now(seeded)
        with pytest.raises(CommandError, match="12 user"):
            call_command("clear_scim_tables", seeded.name)
        with pytest.raises(CommandError, match="in Jira"):
            call_command("remove_directory", seeded.name)
        assert ScimUser.objects.count() == 12
        call_command(
            "clear_scim_tables", seeded.name, yes=True, stdout=io.StringIO(), stderr=io.StringIO()
        )
        assert ScimUser.objects.count() == 0
        assert fake_jira.user("user00001") is not None
        run_now(seeded)
        call_command(
            "remove_directory", seeded.name, yes=True, stdout=io.StringIO(), stderr=io.StringIO()
        )
        assert fake_jira.user("user00001") is not None  # synced: only unlinked
        assert ScimUser.objects.count() == 0
        run_now(seeded)
        call_command(
            "remove_directory",
            seeded.name,
            yes=True,
            delete_synced_users=True,
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )
        assert fake_jira.user("user00001") is None
        assert ScimUser.objects.count() == 0
