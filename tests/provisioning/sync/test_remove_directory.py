"""Remove Directory end to end: a synced site, SCIM-created objects, a second directory.

Everything runs against the fake Jira over HTTP; SCIM writes go through the Jira applier.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from configurations.models import Directory, ScimConfiguration
from configurations.services import directory_get_or_create, scim_configuration_create
from provisioning.models import Origin, ScimGroup, ScimUser
from provisioning.services.apply import applier_override
from provisioning.sync.models import SyncRun
from provisioning.writethrough.applier import JiraApplier
from tests.fakejira import FakeJira
from tests.provisioning.conftest import ScimClient

from .conftest import run_now

pytestmark = pytest.mark.django_db
UTILS = "/admin/provisioning/syncrun/utilities/"
FAST: dict[str, Any] = {"timeout": 5.0, "backoff_factor": 0.0, "max_retry_wait": 1.0}
APPLICATION_GROUPS = ("jira-software-users", "jira-servicedesk-users", "jira-core-users")
# What SCIM creates and the run may delete in Jira.
SCIM_USERS = ("scim-alice", "scim-bob", "scim-carol")
SCIM_GROUPS = ("scim-team", "scim-ops")


@pytest.fixture(autouse=True)
def jira_writes() -> Iterator[None]:
    """SCIM writes reach the fake Jira."""
    with applier_override(JiraApplier(**FAST)):
        yield


@pytest.fixture
def post(admin_client: Client, django_capture_on_commit_callbacks: Any) -> Callable[..., Any]:
    """POST as the admin and run what the view queued after commit."""

    def send(url: str, data: dict[str, str] | None = None) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return admin_client.post(url, data or {})

    return send


@pytest.fixture
def scenario(
    fake_jira: FakeJira, make_directory: Callable[..., Directory]
) -> dict[str, Any]:
    """2,000 Jira users and Jira's groups, Sync, then SCIM users/groups and a second directory.

    Kept in Jira although SCIM created them: `scim-admin` (made a Jira administrator),
    `scim-shared` and the group `scim-shared-group` (also linked to directory B), the group
    `scim-defaults` (a configuration's default group) and `scim-app` (an application role's).
    """
    fake_jira.seed_users(2000)
    fake_jira.seed_group("jira-users", members=["user00001", "user00002"])
    fake_jira.seed_group("eng", members=["user00003", "user00004"])
    with fake_jira.state.lock:
        fake_jira.state.roles["jira-core"].default_groups.append("jira-users")
    directory = make_directory(fake_jira)
    run_now(directory)
    _, issued = scim_configuration_create(name="idp", directory=directory)
    scim = ScimClient(issued.token)
    ids = {}
    for name in (*SCIM_USERS, "scim-admin", "scim-shared"):
        ids[name] = scim.create_user(name, emails=[{"value": f"{name}@example.com"}])["id"]
    for name in (*SCIM_GROUPS, "scim-shared-group", "scim-defaults", "scim-app"):
        scim.create_group(name, members=[ids["scim-alice"]])
    fake_jira.add_member("jira-administrators", "scim-admin")
    with fake_jira.state.lock:
        fake_jira.state.roles["jira-software"].groups.append("scim-app")
    # Directory B on the same site shares one user and one group; its IdP has default groups.
    other = directory_get_or_create(name="B", jira_site=directory.jira_site)
    shared = fake_jira.user("scim-shared")
    assert shared is not None
    ScimUser.objects.create(
        directory=other, user_name="scim-shared", jira_user_key=shared.key, origin=Origin.SYNC
    )
    ScimGroup.objects.create(
        directory=other,
        display_name="SCIM-Shared-Group",
        jira_group_name="SCIM-SHARED-GROUP",  # case-insensitively the same Jira group
        origin=Origin.SYNC,
    )
    configuration, _ = scim_configuration_create(name="idp-b", directory=other)
    ScimConfiguration.objects.filter(pk=configuration.pk).update(default_groups="scim-defaults")
    fake_jira.clear_requests()
    return {"directory": directory, "other": other}


def page_counts(html: str) -> dict[str, int]:
    """The figures of the confirmation page, by their cell ids."""
    return {m[1]: int(m[2]) for m in re.finditer(r'class="count" id="([a-z-]+)">(\d+)<', html)}


def csv_rows(admin_client: Client, directory: Directory, **params: str) -> list[dict[str, str]]:
    """The downloaded list of what will be deleted in Jira."""
    response = admin_client.get(f"{UTILS}{directory.pk}/remove/plan.csv", params)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def jira_deletions(fake: FakeJira) -> set[tuple[str, str]]:
    """What the fake Jira was asked to delete, as ("user", key) / ("group", name)."""
    found = set()
    for request in fake.requests("DELETE"):
        if request.path.endswith("/user"):
            found.add(("user", request.arg("key") or request.arg("username") or ""))
        elif request.path.endswith("/group"):
            found.add(("group", request.arg("groupname") or ""))
    return found


class TestRemovalPlan:
    """The page, the CSV and the run agree, and only SCIM's objects go."""

    def test_deletes_exactly_the_scim_created_objects(
        self, admin_client: Client, post: Callable[..., Any], fake_jira: FakeJira, scenario: Any
    ) -> None:
        """Page counts == CSV == what Jira was asked to delete; the rest is only unlinked."""
        directory = scenario["directory"]
        html = admin_client.get(f"{UTILS}{directory.pk}/remove/").content.decode()
        counts = page_counts(html)
        rows = csv_rows(admin_client, directory)
        assert {(r["kind"], r["name"]) for r in rows} == {
            *(("user", name) for name in SCIM_USERS),
            *(("group", name) for name in SCIM_GROUPS),
        }
        assert all(r["why"] == "created through SCIM by this directory" for r in rows)
        assert counts["users-delete"] == 3
        assert counts["groups-delete"] == 2
        assert counts["users-protected"] == 1  # scim-admin
        assert counts["users-elsewhere"] == 1  # scim-shared
        assert counts["groups-elsewhere"] == 1  # scim-shared-group
        assert counts["groups-default"] == 1  # scim-defaults
        # jira-software-users, jira-servicedesk-users, jira-core-users, jira-users, scim-app
        assert counts["groups-application"] == 5
        users_before = len(fake_jira.users)
        keys = {fake_jira.user(name).key: name for name in SCIM_USERS}  # type: ignore[union-attr]

        post(f"{UTILS}{directory.pk}/remove/", {"confirm_name": directory.name})

        run = SyncRun.objects.get(kind=SyncRun.Kind.REMOVE_DIRECTORY)
        assert run.status == SyncRun.Status.SUCCEEDED, run.message
        assert jira_deletions(fake_jira) == {
            *(("user", key) for key in keys),
            *(("group", name) for name in SCIM_GROUPS),
        }
        assert {(r["kind"], r["jira"]) for r in rows} == jira_deletions(fake_jira)
        assert len(fake_jira.users) == users_before - 3
        for name in ("scim-admin", "scim-shared", "user00001", "admin"):
            assert fake_jira.user(name) is not None
        for group in (*APPLICATION_GROUPS, "jira-users", "jira-administrators", "eng"):
            assert fake_jira.group(group) is not None
        for group in ("scim-shared-group", "scim-defaults", "scim-app"):
            assert fake_jira.group(group) is not None
        # Counters: as the page said.
        users, groups = run.counters["users"], run.counters["groups"]
        assert users["removed"] == counts["users-delete"]
        assert users["unmapped"] == counts["users-unlink"]
        assert groups["removed"] == counts["groups-delete"]
        assert groups["unmapped"] == counts["groups-unlink"]
        assert users["protected"] == 1
        assert users["elsewhere"] == 1
        assert groups["protected"] == 5 + 1
        assert groups["elsewhere"] == 1
        # Every row of the directory is gone; directory B keeps its own.
        assert not ScimUser.objects.filter(directory=directory).exists()
        assert not ScimGroup.objects.filter(directory=directory).exists()
        assert ScimUser.objects.filter(directory=scenario["other"]).count() == 1
        # Why objects were kept: a few rows, not one per synced user.
        assert run.errors.count() < 20
        assert run.errors.filter(object_name="scim-admin").exists()

    def test_option_adds_synced_users_never_groups(
        self, admin_client: Client, post: Callable[..., Any], fake_jira: FakeJira, scenario: Any
    ) -> None:
        """"Also delete users that existed in Jira before sync": counts and CSV follow it."""
        directory = scenario["directory"]
        counts = page_counts(
            admin_client.get(
                f"{UTILS}{directory.pk}/remove/", {"delete_synced_users": "1"}
            ).content.decode()
        )
        rows = csv_rows(admin_client, directory, delete_synced_users="1")
        assert counts["users-delete"] == 3 + 2000
        assert counts["groups-delete"] == 2
        assert len(rows) == 2005
        post(
            f"{UTILS}{directory.pk}/remove/",
            {"confirm_name": directory.name, "delete_synced_users": "1"},
        )
        run = SyncRun.objects.get(kind=SyncRun.Kind.REMOVE_DIRECTORY)
        assert run.counters["users"]["removed"] == 2003
        assert {(r["kind"], r["jira"]) for r in rows} == jira_deletions(fake_jira)
        assert fake_jira.user("user00001") is None
        for name in ("scim-admin", "scim-shared", "admin"):
            assert fake_jira.user(name) is not None
        for group in ("eng", "jira-users", *APPLICATION_GROUPS):
            assert fake_jira.group(group) is not None

    def test_typed_name_is_enforced(
        self, admin_client: Client, post: Callable[..., Any], fake_jira: FakeJira, scenario: Any
    ) -> None:
        """A wrong or missing name re-shows the page with an error and starts nothing."""
        directory = scenario["directory"]
        for data in ({}, {"confirm_name": "jira users"}, {"confirm_name": "B"}):
            response = post(f"{UTILS}{directory.pk}/remove/", data)
            assert response.status_code == 400
            assert 'id="confirm-error"' in response.content.decode()
        clear = post(f"{UTILS}{directory.pk}/clear/", {"confirm_name": "nope"})
        assert clear.status_code == 400
        assert not SyncRun.objects.exclude(kind=SyncRun.Kind.SYNC).exists()
        assert not fake_jira.requests("DELETE")

    def test_page_is_danger_styled_and_without_button_when_jira_unreadable(
        self, admin_client: Client, fake_jira: FakeJira, scenario: Any
    ) -> None:
        """The button is a danger button; when Jira cannot be read, there is no button."""
        directory = scenario["directory"]
        html = admin_client.get(f"{UTILS}{directory.pk}/remove/").content.decode()
        assert 'class="danger"' in html
        assert 'name="confirm_name"' in html
        fake_jira.stop()
        html = admin_client.get(f"{UTILS}{directory.pk}/remove/").content.decode()
        assert 'id="jira-error"' in html
        assert 'id="confirm-form"' not in html
        assert admin_client.get(f"{UTILS}{directory.pk}/remove/plan.csv").status_code == 503


class TestCommand:
    """manage.py remove_directory prints the plan and needs --yes."""

    def test_without_yes_prints_the_plan_and_changes_nothing(
        self, fake_jira: FakeJira, scenario: Any
    ) -> None:
        """The same list as the CSV; no Jira write, no row deleted."""
        directory = scenario["directory"]
        rows_before = ScimUser.objects.filter(directory=directory).count()
        out = io.StringIO()
        with pytest.raises(CommandError, match="--yes"):
            call_command("remove_directory", directory.name, stdout=out)
        text = out.getvalue()
        assert "users: delete in Jira 3, unlink" in text
        for name in (*SCIM_USERS, *SCIM_GROUPS):
            assert f"\t{name}\t" in text
        assert "\tuser00001\t" not in text
        assert not [r for r in fake_jira.requests() if r.method != "GET"]
        assert ScimUser.objects.filter(directory=directory).count() == rows_before
        out = io.StringIO()
        with pytest.raises(CommandError):
            call_command("remove_directory", directory.name, delete_synced_users=True, stdout=out)
        assert "users: delete in Jira 2003," in out.getvalue()
        assert not SyncRun.objects.filter(kind=SyncRun.Kind.REMOVE_DIRECTORY).exists()

    def test_yes_runs_the_plan(self, fake_jira: FakeJira, scenario: Any) -> None:
        """DESIGN's contract `remove_directory NAME --yes`."""
        directory = scenario["directory"]
        out = io.StringIO()
        call_command("remove_directory", directory.name, yes=True, stdout=out, stderr=io.StringIO())
        assert "users: seen" in out.getvalue()
        assert fake_jira.user("scim-alice") is None
        assert fake_jira.user("user00001") is not None
        assert not ScimUser.objects.filter(directory=directory).exists()
