"""Okta- and Entra-style replays in shadow mode: answered as in live mode, Jira left unchanged."""

from __future__ import annotations

import pytest

from provisioning.models import JiraIntent, PlannedChange, ScimUser
from tests.fakejira import FakeJira
from tests.fakejira.snapshot import jira_snapshot

from .client import GROUP, IdpClient, expect, expect_created, expect_error
from .conftest import MakeIdp
from .test_entra import ENTRA_AGENT, entra_user
from .test_okta import OKTA_AGENT, OKTA_JSON, okta_user, rename_op

pytestmark = pytest.mark.django_db(transaction=True)

WRITES = ("POST", "PUT", "DELETE")


def jira_writes(jira: FakeJira) -> list[str]:
    """Every request that could have changed the fake Jira."""
    return [f"{r.method} {r.path}" for r in jira.requests() if r.method in WRITES]


def planned(**match: str) -> list[tuple[str, str]]:
    """(operation, object) of the planned changes, oldest first."""
    rows = PlannedChange.objects.filter(**match).order_by("created_at", "id")
    return list(rows.values_list("operation", "object_name"))


class TestOktaInShadowMode:
    """Okta's lifecycle and group push against a shadow configuration."""

    @pytest.fixture
    def okta(self, make_idp: MakeIdp, jira: FakeJira) -> IdpClient:
        jira.seed_group("okta-users")
        jira.seed_user("existing@okta.example", email="existing@okta.example")
        return make_idp(
            "okta",
            user_agent=OKTA_AGENT,
            content_type=OKTA_JSON,
            default_groups="okta-users",
            application_keys=["jira-software"],
            mode="shadow",
        )

    def test_replay_leaves_jira_unchanged_and_plans_every_write(
        self, okta: IdpClient, jira: FakeJira
    ) -> None:
        before = jira_snapshot(jira)
        jira.clear_requests()

        response = okta.post(
            "Users", okta_user("bob@okta.example", "Bob", "Brown"),
            headers={"X-Request-Id": "okta-create-bob"},
        )
        bob = expect_created(response)
        assert bob["userName"] == "bob@okta.example"  # answered exactly as in live mode
        url = f"Users/{bob['id']}"
        current = expect(okta.get(url), 200)
        current["displayName"] = "Robert Brown"
        assert expect(okta.put(url, current), 200)["displayName"] == "Robert Brown"
        expect(okta.patch_ops(url, {"op": "replace", "value": {"password": "N3w$ecret!"}}), 200)
        assert expect(okta.patch_ops(url, {"op": "replace", "value": {"active": False}}), 200)[
            "active"
        ] is False
        expect(okta.patch_ops(url, {"op": "replace", "value": {"active": True}}), 200)
        group = expect_created(
            okta.post("Groups", {"schemas": [GROUP], "displayName": "Engineering", "members": []})
        )
        expect(
            okta.patch_ops(
                f"Groups/{group['id']}",
                rename_op(group, "Engineering"),
                {"op": "add", "path": "members", "value": [{"value": bob["id"]}]},
            ),
            204,
        )
        # What Jira would refuse, shadow mode refuses alike: an existing Jira user is not ours.
        expect_error(okta.post("Users", okta_user("existing@okta.example", "Ex", "Isting")), 409)
        # ... and an administrator group is protected (read from the policy, as live).
        expect_error(
            okta.post("Groups", {"schemas": [GROUP], "displayName": "jira-administrators"}), 403
        )

        assert jira_snapshot(jira) == before  # byte for byte
        assert jira_writes(jira) == []
        assert jira.requests("GET"), "shadow mode still reads Jira (existence, version)"
        assert planned() == [
            ("create_user", "bob@okta.example"),
            ("add_group_member", "okta-users/bob@okta.example"),
            ("update_user", "bob@okta.example"),
            ("set_password", "bob@okta.example"),
            ("update_user", "bob@okta.example"),
            ("update_user", "bob@okta.example"),
            ("create_group", "Engineering"),
            ("add_group_member", "Engineering/bob@okta.example"),
        ]
        first = PlannedChange.objects.order_by("id").first()
        assert first.request_id == "okta-create-bob"
        assert first.configuration_name == "okta"
        assert first.fields["email"] == "bob@okta.example"
        assert first.fields["password"] == "(set)"  # never the password itself
        assert first.fields["application_keys"] == ["jira-software"]
        assert "N3w$ecret!" not in str(list(PlannedChange.objects.values_list("fields")))
        # Nothing is linked or confirmed: the drift report sees all of it as missing in Jira.
        row = ScimUser.objects.get(pk=bob["id"])
        assert (row.jira_user_key, row.jira_confirmed_at) == (None, None)
        assert not JiraIntent.objects.exists()


class TestEntraInShadowMode:
    """Entra's default PATCH style, disable, soft delete and restore on a shadow configuration."""

    def test_replay_leaves_jira_unchanged(self, make_idp: MakeIdp, jira: FakeJira) -> None:
        jira.seed_user("linked@contoso.com", email="linked@contoso.com", display_name="Linked")
        entra = make_idp("entra", user_agent=ENTRA_AGENT, mode="shadow")
        before = jira_snapshot(jira)
        jira.clear_requests()

        alice = expect_created(
            entra.post("Users", entra_user("alice@contoso.com", "Alice", "Smith", "alice"))
        )
        url = f"Users/{alice['id']}"
        body = expect(
            entra.patch_ops(
                url,
                {
                    "op": "Replace",
                    "path": 'emails[type eq "work"].value',
                    "value": "alice@fabrikam.com",
                },
            ),
            200,
        )
        assert body["emails"][0]["value"] == "alice@fabrikam.com"
        disable = {"op": "Replace", "path": "active", "value": "False"}
        body = expect(entra.patch_ops(url, disable), 200)
        assert body["active"] is False
        expect(entra.delete(url), 204)
        expect_error(entra.get(url), 404)
        again = expect_created(
            entra.post("Users", entra_user("alice@contoso.com", "Alice", "Smith", "alice"))
        )
        assert again["id"] == alice["id"]

        assert jira_snapshot(jira) == before
        assert jira_writes(jira) == []
        assert planned() == [
            ("create_user", "alice@contoso.com"),
            ("update_user", "alice@contoso.com"),
            ("update_user", "alice@contoso.com"),
            # The soft delete of a user Jira never had: nothing to deactivate there.
            ("create_user", "alice@contoso.com"),
        ]

    def test_going_live_sends_the_next_write_to_jira(
        self, make_idp: MakeIdp, jira: FakeJira
    ) -> None:
        from configurations.models import ScimConfiguration

        entra = make_idp("entra", user_agent=ENTRA_AGENT, mode="shadow")
        expect_created(entra.post("Users", entra_user("ann@contoso.com", "Ann", "A", "ann")))
        assert jira.user("ann@contoso.com") is None
        ScimConfiguration.objects.filter(name="entra").update(mode="live")

        expect_created(entra.post("Users", entra_user("ben@contoso.com", "Ben", "B", "ben")))

        assert jira.user("ben@contoso.com") is not None
        assert jira.user("ann@contoso.com") is None  # reconcile's job (tests/golive)


class TestGoLive:
    """Shadow mode, the drift report, reconcile, live: Jira ends up as the IdP intends."""

    def test_reconcile_applies_what_shadow_mode_planned(
        self, make_idp: MakeIdp, jira: FakeJira, idp_directory: object
    ) -> None:
        from configurations.models import ScimConfiguration
        from provisioning.sync.engine import run_execute
        from provisioning.sync.models import SyncRun
        from provisioning.sync.runs import run_request

        def run(kind: str) -> SyncRun:
            finished = run_execute(run_id=run_request(directory=idp_directory, kind=kind).pk)
            assert finished is not None
            assert finished.status == SyncRun.Status.SUCCEEDED, finished.message
            return finished

        jira.seed_group("okta-users")
        okta = make_idp(
            "okta", user_agent=OKTA_AGENT, content_type=OKTA_JSON, default_groups="okta-users",
            application_keys=["jira-software"], mode="shadow",
        )
        ids = [
            expect_created(okta.post("Users", okta_user(f"{n}@okta.example", n, "X")))["id"]
            for n in ("ann", "ben")
        ]
        expect_created(
            okta.post(
                "Groups",
                {"schemas": [GROUP], "displayName": "Sales", "members": [{"value": ids[0]}]},
            )
        )
        drift = run(SyncRun.Kind.DRIFT)
        assert set(drift.drift_items.values_list("kind", "object_name")) == {
            ("missing_in_jira", "ann@okta.example"),
            ("missing_in_jira", "ben@okta.example"),
            ("missing_in_jira", "Sales"),
            ("membership_missing", "Sales/ann@okta.example"),
        }
        assert PlannedChange.objects.filter(operation="create_user").count() == 2

        ScimConfiguration.objects.filter(name="okta").update(mode="live")
        run(SyncRun.Kind.RECONCILE)

        ann = jira.user("ann@okta.example")
        assert (ann.email, ann.active) == ("ann@okta.example", True)
        assert jira.is_member("Sales", "ann@okta.example")
        assert jira.is_member("okta-users", "ben@okta.example")  # the default group
        assert jira.has_application("ben@okta.example", "jira-software")
        assert ScimUser.objects.get(pk=ids[0]).jira_user_key == ann.key
        assert not run(SyncRun.Kind.DRIFT).drift_items.exclude(kind="extra_in_jira").exists()
        # Live now: the IdP's next write reaches Jira directly.
        expect(okta.patch_ops(f"Users/{ids[1]}", {"op": "replace", "value": {"active": False}}),
               200)
        assert jira.user("ben@okta.example").active is False


class TestShadowBlips:
    """A step re-run after a Jira read blip plans its writes once, not twice."""

    def test_recreated_group_planned_once(self, make_idp: MakeIdp, jira: FakeJira) -> None:
        from provisioning.models import ScimGroup

        jira.seed_user("amy", email="amy@example.com")
        jira.seed_group("Old Name", members=["amy"])
        okta = make_idp("okta", recreate_renamed_groups=True, mode="shadow")
        group = expect_created(okta.post("Groups", {"schemas": [GROUP], "displayName": "Temp"}))
        # Linked as Sync would link it: the Jira group exists under its old name.
        ScimGroup.objects.filter(pk=group["id"]).update(jira_group_name="Old Name")
        PlannedChange.objects.all().delete()
        before = jira_snapshot(jira)
        # Reading the old group's members fails past the client's own retries, once: the
        # applier re-runs the whole step after its create_group was already planned.
        blip = jira.fail("GET", "/rest/api/2/group/member", status=503, count=4,
                         query={"groupname": "Old Name"})

        expect(okta.patch_ops(f"Groups/{group['id']}", rename_op(group, "New Name")), 204)

        assert planned() == [
            ("create_group", "New Name"),
            ("add_group_member", "New Name/amy"),
            ("delete_group", "Old Name"),
        ]
        assert blip.fired == 4  # the first attempt of the step failed; the re-run did not
        assert jira_snapshot(jira) == before
