"""Drift and reconcile end to end against the fake Jira over HTTP (docs/go-live.md)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from configurations.models import Directory
from configurations.services import scim_configuration_create
from provisioning.models import DriftItem, Origin, ScimGroup, ScimMembership, ScimUser
from provisioning.services.apply import applier_override
from provisioning.sync.models import SyncRun
from provisioning.writethrough.applier import JiraApplier
from tests.fakejira import FakeJira
from tests.fakejira.snapshot import jira_snapshot

from .conftest import run_now

pytestmark = pytest.mark.django_db(transaction=True)

FAST: dict[str, Any] = {"timeout": 2.0, "backoff_factor": 0.0, "max_retry_wait": 1.0}
WRITES = ("POST", "PUT", "DELETE")
Kind = DriftItem.Kind


@pytest.fixture(autouse=True)
def fast_applier(settings: Any) -> Iterator[None]:
    """Reconcile's writes go through the Jira applier with no back-off sleeps, no blip re-runs."""
    settings.JIRA_BLIP_ATTEMPTS = 1
    with applier_override(JiraApplier(**FAST)):
        yield


@pytest.fixture
def mirrored(fake_jira: FakeJira, make_directory: Callable[..., Directory]) -> Directory:
    """Four users in two groups, mapped by Sync: the tables intend exactly what Jira holds."""
    for name in ("alice", "bob", "carol", "dave"):
        fake_jira.seed_user(name, email=f"{name}@example.com", display_name=name.title())
    fake_jira.seed_group("eng", members=["alice", "bob"])
    fake_jira.seed_group("ops", members=["carol"])
    directory = make_directory(fake_jira)
    scim_configuration_create(name="idp", directory=directory)
    assert run_now(directory).status == SyncRun.Status.SUCCEEDED
    return directory


def found(run: SyncRun) -> set[tuple[str, str, str]]:
    """(kind, object, attribute) of every difference the run stored."""
    return set(run.drift_items.values_list("kind", "object_name", "attribute"))


def writes(fake: FakeJira) -> list[str]:
    """Every request that could have changed the fake Jira."""
    return [f"{r.method} {r.path}" for r in fake.requests() if r.method in WRITES]


def change_jira_by_hand(fake: FakeJira) -> None:
    """What a Jira administrator (or a lost write) did behind the IdP's back."""
    state = fake.state
    with state.lock:
        state.find_user(username="alice").active = False
        state.find_user(username="bob").email = "bob@elsewhere.example"
        state.remove_member(state.find_group("ops"), state.find_user(username="carol"))
        state.remove_user(state.find_user(username="dave"))
    fake.seed_user("eve", email="eve@example.com", groups=["eng"])


EXPECTED = {
    (Kind.ATTRIBUTE_DIFFERS, "alice", "active"),
    (Kind.ATTRIBUTE_DIFFERS, "bob", "email"),
    (Kind.MEMBERSHIP_MISSING, "ops/carol", ""),
    (Kind.MISSING_IN_JIRA, "dave", ""),
    (Kind.EXTRA_IN_JIRA, "eve", ""),
    (Kind.MEMBERSHIP_EXTRA, "eng/eve", ""),
}
# What reconcile leaves alone: Jira's own user, and its membership of a SCIM group.
REPORT_ONLY = {
    (Kind.EXTRA_IN_JIRA, "eve", ""),
    (Kind.MEMBERSHIP_EXTRA, "eng/eve", ""),
    # Jira granted the re-created user its default application access: reported, kept (a
    # group Sync mapped keeps the members Jira gives it).
    (Kind.MEMBERSHIP_EXTRA, "jira-software-users/dave", ""),
}


class TestDrift:
    """The drift check reads Jira and lists exactly what differs."""

    def test_no_drift_after_sync(self, fake_jira: FakeJira, mirrored: Directory) -> None:
        fake_jira.clear_requests()
        run = run_now(mirrored, SyncRun.Kind.DRIFT)
        assert run.status == SyncRun.Status.SUCCEEDED, run.message
        assert found(run) == set()
        assert run.counters["drift"] == dict.fromkeys(Kind.values, 0)
        assert writes(fake_jira) == []

    def test_manual_changes_are_listed_exactly(
        self, fake_jira: FakeJira, mirrored: Directory
    ) -> None:
        change_jira_by_hand(fake_jira)
        before = jira_snapshot(fake_jira)
        run = run_now(mirrored, SyncRun.Kind.DRIFT)
        assert run.status == SyncRun.Status.SUCCEEDED, run.message
        assert found(run) == EXPECTED
        assert run.counters["drift"][Kind.ATTRIBUTE_DIFFERS] == 2
        alice = run.drift_items.get(object_name="alice")
        assert (alice.scim_value, alice.jira_value) == ("true", "false")
        assert jira_snapshot(fake_jira) == before  # a drift check only reads

    def test_unlinked_rows_are_missing_with_their_memberships(
        self, fake_jira: FakeJira, mirrored: Directory
    ) -> None:
        frank = ScimUser.objects.create(
            directory=mirrored, user_name="frank", display_name="Frank",
            resource={"emails": [{"value": "frank@example.com"}]},
        )
        qa = ScimGroup.objects.create(directory=mirrored, display_name="qa")
        ScimMembership.objects.create(group=qa, user=frank)
        run = run_now(mirrored, SyncRun.Kind.DRIFT)
        assert found(run) == {
            (Kind.MISSING_IN_JIRA, "frank", ""),
            (Kind.MISSING_IN_JIRA, "qa", ""),
            (Kind.MEMBERSHIP_MISSING, "qa/frank", ""),
        }


class TestReconcile:
    """Reconcile applies the intended state through the write-through and converges."""

    def test_converges_and_a_second_reconcile_changes_nothing(
        self, fake_jira: FakeJira, mirrored: Directory
    ) -> None:
        change_jira_by_hand(fake_jira)
        run = run_now(mirrored, SyncRun.Kind.RECONCILE)
        assert run.status == SyncRun.Status.SUCCEEDED, run.message
        assert not run.errors.exclude(message__startswith="Not a user").exclude(
            message__contains="not created through SCIM").exists(), list(
            run.errors.values_list("object_name", "message")
        )
        assert fake_jira.user("alice").active is True
        assert fake_jira.user("bob").email == "bob@example.com"
        assert fake_jira.is_member("ops", "carol")
        assert fake_jira.user("dave") is not None  # re-created and relinked
        assert fake_jira.user("eve") is not None  # never deleted: SCIM did not create it
        assert fake_jira.is_member("eng", "eve")
        dave = ScimUser.objects.get(directory=mirrored, user_name="dave")
        assert dave.jira_user_key == fake_jira.user("dave").key

        assert found(run_now(mirrored, SyncRun.Kind.DRIFT)) == REPORT_ONLY
        before = jira_snapshot(fake_jira)
        fake_jira.clear_requests()
        again = run_now(mirrored, SyncRun.Kind.RECONCILE)
        assert again.status == SyncRun.Status.SUCCEEDED, again.message
        assert writes(fake_jira) == []
        assert jira_snapshot(fake_jira) == before

    def test_a_rerun_after_jira_faults_finishes_the_job(
        self, fake_jira: FakeJira, mirrored: Directory
    ) -> None:
        change_jira_by_hand(fake_jira)
        fake_jira.fail("PUT", "/rest/api/2/user", status=503)
        fake_jira.timeout("POST", "/rest/api/2/user", seconds=3.0, apply=True, count=1)

        first = run_now(mirrored, SyncRun.Kind.RECONCILE)
        assert first.status == SyncRun.Status.SUCCEEDED, first.message
        failed = set(first.errors.filter(message__startswith="503").values_list("object_name"))
        assert ("alice",) in failed
        assert ("bob",) in failed
        assert fake_jira.is_member("ops", "carol")  # the rest was applied

        fake_jira.clear_faults()
        second = run_now(mirrored, SyncRun.Kind.RECONCILE)
        assert second.status == SyncRun.Status.SUCCEEDED, second.message
        assert found(run_now(mirrored, SyncRun.Kind.DRIFT)) == REPORT_ONLY
        # The create that timed out but was applied is adopted, not duplicated.
        assert [u.name for u in fake_jira.users.values()].count("dave") == 1

    def test_only_chosen_kinds(self, fake_jira: FakeJira, mirrored: Directory) -> None:
        change_jira_by_hand(fake_jira)
        run = run_now_with(mirrored, SyncRun.Kind.RECONCILE, {"only": [Kind.MEMBERSHIP_MISSING]})
        assert run.status == SyncRun.Status.SUCCEEDED, run.message
        assert fake_jira.is_member("ops", "carol")
        assert fake_jira.user("alice").active is False
        assert fake_jira.user("dave") is None


class TestProtected:
    """A difference on a protected object is reported as such and never reconciled."""

    def test_protected_user_and_group(self, fake_jira: FakeJira, mirrored: Directory) -> None:
        site = mirrored.jira_site
        site.protected_users = "carol"
        site.save()
        with fake_jira.state.lock:
            fake_jira.state.find_user(username="carol").display_name = "Changed by hand"
        admins = ScimGroup.objects.create(
            directory=mirrored, display_name="jira-administrators", origin=Origin.SCIM
        )
        ScimMembership.objects.create(
            group=admins, user=ScimUser.objects.get(directory=mirrored, user_name="bob")
        )
        before = jira_snapshot(fake_jira)

        drift = run_now(mirrored, SyncRun.Kind.DRIFT)
        assert found(drift) == {
            (Kind.PROTECTED, "carol", ""),
            (Kind.PROTECTED, "jira-administrators", ""),
        }
        fake_jira.clear_requests()
        reconcile = run_now(mirrored, SyncRun.Kind.RECONCILE)
        assert reconcile.status == SyncRun.Status.SUCCEEDED, reconcile.message
        assert writes(fake_jira) == []
        assert jira_snapshot(fake_jira) == before


def run_now_with(directory: Directory, kind: str, options: dict[str, Any]) -> SyncRun:
    """Like run_now, with the run's options."""
    from provisioning.sync.engine import run_execute
    from provisioning.sync.runs import run_request

    run = run_request(directory=directory, kind=kind, options=options)
    finished = run_execute(run_id=run.pk)
    assert finished is not None
    return finished


class TestCommands:
    """`manage.py drift` and `manage.py reconcile`."""

    def exit_code(self, *args: str) -> tuple[int, str]:
        out = StringIO()
        try:
            call_command(*args, stdout=out, stderr=StringIO())
        except SystemExit as exc:
            return int(exc.code or 0), out.getvalue()
        return 0, out.getvalue()

    def test_drift_exit_codes_and_json(self, fake_jira: FakeJira, mirrored: Directory) -> None:
        assert self.exit_code("drift", "--directory", mirrored.name)[0] == 0
        change_jira_by_hand(fake_jira)
        code, out = self.exit_code("drift", "--directory", mirrored.name, "--json")
        assert code == 1
        data = json.loads(out)
        assert data["total"] == len(EXPECTED)
        assert data["counts"][Kind.MEMBERSHIP_MISSING] == 1
        assert {(d["kind"], d["object"], d["attribute"]) for d in data["differences"]} == EXPECTED
        with pytest.raises(CommandError) as error:
            call_command("drift", "--directory", "nope", stdout=StringIO(), stderr=StringIO())
        assert error.value.returncode == 2

    def test_reconcile_dry_run_changes_nothing(
        self, fake_jira: FakeJira, mirrored: Directory
    ) -> None:
        change_jira_by_hand(fake_jira)
        before = jira_snapshot(fake_jira)
        out = StringIO()
        call_command(
            "reconcile", "--directory", mirrored.name, "--dry-run", stdout=out, stderr=StringIO()
        )
        assert "would update user alice active 'false' -> 'true'" in out.getvalue()
        assert "would create user dave" in out.getvalue()
        assert "eve" not in out.getvalue()
        assert "4 change(s) would be applied" in out.getvalue()
        assert jira_snapshot(fake_jira) == before
        with pytest.raises(CommandError, match="--yes"):
            call_command("reconcile", "--directory", mirrored.name, stdout=StringIO(),
                         stderr=StringIO())
        with pytest.raises(CommandError, match="never reconciled"):
            call_command("reconcile", "--directory", mirrored.name, "--only", "protected",
                         "--yes", stdout=StringIO(), stderr=StringIO())
        assert jira_snapshot(fake_jira) == before

        out = StringIO()
        call_command("reconcile", "--directory", mirrored.name, "--only",
                     "attribute_differs", "--yes", stdout=out, stderr=StringIO())
        assert "Reconcile of" in out.getvalue()
        assert fake_jira.user("alice").active is True
        assert fake_jira.user("dave") is None


class TestScheduledCheck:
    """The beat task and where its result shows."""

    def test_off_by_default(self) -> None:
        from django.conf import settings

        assert settings.DRIFT_CHECK_INTERVAL == 0
        assert "provisioning-drift-check" not in settings.CELERY_BEAT_SCHEDULE

    def test_queues_a_check_per_directory_and_healthz_shows_it(
        self, fake_jira: FakeJira, mirrored: Directory, admin_client: Any, client: Any
    ) -> None:
        from provisioning.tasks import scheduled_drift_check

        change_jira_by_hand(fake_jira)
        assert scheduled_drift_check() == 1  # runs in-process without a broker
        run = SyncRun.objects.get(kind=SyncRun.Kind.DRIFT)
        assert (run.status, run.requested_by) == (SyncRun.Status.SUCCEEDED, "schedule")

        details = admin_client.get("/healthz").json()
        assert details["drift"][mirrored.name]["total"] == len(EXPECTED)
        assert details["drift"][mirrored.name]["counts"][Kind.MISSING_IN_JIRA] == 1
        assert details["status"] == "ok"  # drift informs; it does not degrade health
        assert "drift" not in client.get("/healthz").json()  # anonymous: status only
