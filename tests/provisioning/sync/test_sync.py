"""Sync on small sites: linking, updates, gone rows, lock, auth errors, SCIM reads."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from configurations.models import Directory
from configurations.services import scim_configuration_create
from provisioning.models import ScimGroup, ScimMembership, ScimUser
from provisioning.sync.engine import run_execute
from provisioning.sync.models import SyncRun
from provisioning.sync.runs import DirectoryBusy, run_request
from tests.fakejira import FakeJira

from .conftest import assert_mirrors_jira, run_now

pytestmark = pytest.mark.django_db


@pytest.fixture
def small(fake_jira: FakeJira, make_directory: Callable[..., Directory]) -> Directory:
    """A 9.x site with three users and two groups, and a directory on it."""
    fake_jira.seed_user("alice", email="alice@example.com", display_name="Alice A")
    fake_jira.seed_user("bob", email="bob@example.com", display_name="Bob B", active=False)
    fake_jira.seed_user("carol", display_name="Carol C")
    fake_jira.seed_group("eng", members=["alice", "bob"])
    fake_jira.seed_group("ops", members=["carol"])
    return make_directory(fake_jira)


class TestDirectorySync:
    """What a sync writes."""

    def test_maps_users_groups_memberships_readable_through_scim(
        self, fake_jira: FakeJira, small: Directory
    ) -> None:
        """Rows read back through the SCIM API like any SCIM-created user."""
        run = run_now(small)
        assert run.status == SyncRun.Status.SUCCEEDED, run.message
        assert_mirrors_jira(fake_jira, small)
        _, credentials = scim_configuration_create(name="idp", directory=small)
        alice = ScimUser.objects.get(directory=small, user_name="alice")
        response = Client().get(
            f"/scim/v2/Users/{alice.id}", HTTP_AUTHORIZATION=f"Bearer {credentials.token}"
        )
        body = response.json()
        assert response.status_code == 200, body
        assert body["userName"] == "alice"
        assert body["displayName"] == "Alice A"
        assert body["active"] is True
        assert body["emails"] == [{"value": "alice@example.com", "type": "work", "primary": True}]
        assert {g["display"] for g in body["groups"]} == {"eng"}
        filtered = Client().get(
            "/scim/v2/Users",
            {"filter": 'emails.value eq "alice@example.com"'},
            HTTP_AUTHORIZATION=f"Bearer {credentials.token}",
        )
        assert filtered.json()["totalResults"] == 1
        assert ScimUser.objects.get(user_name="bob").active is False

    def test_links_existing_rows_updates_changes_and_removes_gone(
        self, fake_jira: FakeJira, small: Directory
    ) -> None:
        """Unlinked rows are linked by name; Jira's changes are copied; gone objects dropped."""
        pending = ScimUser.objects.create(directory=small, user_name="ALICE", display_name="old")
        ScimGroup.objects.create(directory=small, display_name="Eng")
        run = run_now(small)
        assert run.counters["users"]["linked"] == 1
        assert run.counters["groups"]["linked"] == 1
        pending.refresh_from_db()
        assert pending.jira_user_key == fake_jira.user("alice").key
        assert (pending.user_name, pending.display_name) == ("alice", "Alice A")
        assert pending.version == 2

        with fake_jira.state.lock:
            user = fake_jira.state.require_user(username="carol")
            user.display_name = "Carol Renamed"
            user.email = "carol@example.com"
            fake_jira.state.remove_member(
                fake_jira.state.require_group("eng"), fake_jira.state.require_user(username="bob")
            )
            fake_jira.state.remove_user(fake_jira.state.require_user(username="alice"))
            fake_jira.state.remove_group(fake_jira.state.require_group("ops"))
        run = run_now(small)
        assert run.status == SyncRun.Status.SUCCEEDED
        assert run.counters["users"]["updated"] == 1
        assert run.counters["users"]["removed"] == 1
        assert run.counters["groups"]["removed"] == 1
        # bob left eng; alice (deleted in Jira) is no member anywhere any more.
        assert run.counters["memberships"]["removed"] == 2
        assert run.counters["groups"]["failed"] == 0
        carol = ScimUser.objects.get(directory=small, user_name="carol")
        assert carol.display_name == "Carol Renamed"
        assert list(carol.values.values_list("value", flat=True)) == ["carol@example.com"]
        assert_mirrors_jira(fake_jira, small)

    def test_unlinked_memberships_are_kept(self, fake_jira: FakeJira, small: Directory) -> None:
        """A membership of a row without a Jira user yet is not Jira's to remove."""
        run_now(small)
        waiting = ScimUser.objects.create(directory=small, user_name="not-in-jira")
        eng = ScimGroup.objects.get(directory=small, jira_group_name="eng")
        ScimMembership.objects.create(group=eng, user=waiting)
        run = run_now(small)
        assert run.counters["memberships"]["removed"] == 0
        assert ScimMembership.objects.filter(group=eng, user=waiting).exists()

    def test_capped_group_listing_removes_no_group(
        self, fake_jira: FakeJira, small: Directory
    ) -> None:
        """When the picker's total says Jira left groups out, no group row is removed."""
        run_now(small)
        fake_jira.fail(
            "GET",
            "/rest/api/2/groups/picker",
            status=200,
            body={"total": 50, "groups": [{"name": "eng"}]},
        )
        run = run_now(small)
        assert run.status == SyncRun.Status.SUCCEEDED, run.message
        assert run.counters["groups"]["removed"] == 0
        assert ScimGroup.objects.filter(directory=small, jira_group_name="ops").exists()
        assert run.errors.filter(object_type="run", message__contains="capped").exists()

    def test_admin_groups_and_bridge_account_are_not_mapped(
        self, fake_jira: FakeJira, small: Directory
    ) -> None:
        """Jira's administrator groups and the account scimbridge uses stay out of SCIM."""
        run_now(small)
        names = set(ScimGroup.objects.values_list("display_name", flat=True))
        assert "jira-administrators" not in names
        assert not ScimUser.objects.filter(user_name="admin").exists()


class TestLockAndFailures:
    """One run per directory, crash recovery, and a clean stop on auth errors."""

    def test_second_request_is_refused_while_running(self, small: Directory) -> None:
        """The active run row is the lock."""
        run = run_request(directory=small, kind=SyncRun.Kind.SYNC)
        with pytest.raises(DirectoryBusy) as busy:
            run_request(directory=small, kind=SyncRun.Kind.CLEAR_TABLES)
        assert busy.value.run == run

    def test_stale_run_of_a_dead_worker_is_taken_over(
        self, fake_jira: FakeJira, small: Directory
    ) -> None:
        """A run whose worker died mid-way (no heartbeat) is abandoned; the next one completes."""
        dead = run_request(directory=small, kind=SyncRun.Kind.SYNC)
        SyncRun.objects.filter(pk=dead.pk).update(
            status=SyncRun.Status.RUNNING,
            started_at=timezone.now() - timedelta(hours=1),
            heartbeat_at=timezone.now() - timedelta(hours=1),
        )
        ScimGroup.objects.create(directory=small, display_name="eng", jira_group_name="eng")
        run = run_now(small)
        assert run.status == SyncRun.Status.SUCCEEDED
        dead.refresh_from_db()
        assert dead.status == SyncRun.Status.ABANDONED
        assert_mirrors_jira(fake_jira, small)

    def test_redelivered_message_of_a_finished_run_does_nothing(self, small: Directory) -> None:
        """Late acks can deliver a task twice: the second finds the run finished."""
        run = run_now(small)
        assert run_execute(run_id=run.pk) is None

    def test_injected_crash_after_some_batches_then_rerun_completes(
        self, fake_jira: FakeJira, small: Directory, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """An exception mid-way fails the run and frees the lock; a rerun ends complete."""
        fake_jira.seed_users(30, prefix="bulk")
        monkeypatch.setattr("django.conf.settings.SYNC_BATCH_SIZE", 10)
        from provisioning.sync import users

        original = users._write_batch
        calls = {"n": 0}

        def crashing(*args: object, **kwargs: object) -> None:
            calls["n"] += 1
            if calls["n"] == 3:
                raise RuntimeError("worker killed")
            original(*args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(users, "_write_batch", crashing)
        run = run_now(small)
        assert run.status == SyncRun.Status.FAILED
        assert "worker killed" in run.message
        assert 0 < ScimUser.objects.filter(directory=small).count() < 33
        monkeypatch.setattr(users, "_write_batch", original)
        assert run_now(small).status == SyncRun.Status.SUCCEEDED
        assert_mirrors_jira(fake_jira, small)

    def test_bad_credentials_stop_the_run_cleanly(
        self, fake_jira: FakeJira, small: Directory
    ) -> None:
        """401: no retry, run failed with a clear message, nothing written, lock released."""
        site = small.jira_site
        site.set_secret("wrong-token")
        site.save()
        run = run_now(small)
        assert run.status == SyncRun.Status.FAILED
        assert "credentials" in run.message
        assert run.errors.filter(object_type="run").exists()
        assert not ScimUser.objects.filter(directory=small).exists()
        assert [r.status for r in fake_jira.requests()] == [401]  # asked once, never retried
        run_request(directory=small, kind=SyncRun.Kind.SYNC)  # lock is free
