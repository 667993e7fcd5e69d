"""The Drift page, reconcile and going live in the admin, through Django's test client."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from configurations.models import Directory, ScimConfiguration
from configurations.services import scim_configuration_create
from provisioning.models import PlannedChange
from provisioning.services.apply import applier_override
from provisioning.sync.models import SyncRun
from provisioning.writethrough.applier import JiraApplier
from tests.fakejira import FakeJira

from .conftest import run_now
from .test_drift import EXPECTED, FAST, change_jira_by_hand, mirrored  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db(transaction=True)
RUNS = "/admin/provisioning/syncrun/"


@pytest.fixture(autouse=True)
def fast_applier(settings: Any) -> Iterator[None]:
    """Reconcile's writes go to the fake Jira without back-off sleeps."""
    settings.JIRA_BLIP_ATTEMPTS = 1
    with applier_override(JiraApplier(**FAST)):
        yield


def drift_url(directory: Directory) -> str:
    return f"{RUNS}drift/{directory.pk}/"


class TestDriftPage:
    """Counts, the filterable table, CSV, and the buttons."""

    def test_counts_table_filter_and_csv(
        self, admin_client: Client, fake_jira: FakeJira, mirrored: Directory  # noqa: F811
    ) -> None:
        page = admin_client.get(drift_url(mirrored)).content.decode()
        assert "No drift check yet." in page
        change_jira_by_hand(fake_jira)

        response = admin_client.post(f"{drift_url(mirrored)}check/")
        assert response.status_code == 302
        run = SyncRun.objects.get(kind=SyncRun.Kind.DRIFT)
        assert response["Location"] == f"{drift_url(mirrored)}?run={run.pk}"
        assert run.status == SyncRun.Status.SUCCEEDED  # in-process without a broker

        page = admin_client.get(drift_url(mirrored)).content.decode()
        assert (
            '<tr data-kind="attribute_differs"><td>Attribute differs</td>'
            '<td class="sb-count"><strong>2</strong></td></tr>'
        ) in page
        assert page.count("<tr data-kind=") == 6 + len(EXPECTED)  # counts + every row
        filtered = admin_client.get(drift_url(mirrored), {"kind": "attribute_differs"})
        body = filtered.content.decode()
        assert body.count('<tr data-kind="attribute_differs"><td>Attribute differs</td><td') == 3
        assert "eve" not in body.split('id="drift-items"')[1].split("</table>")[0]

        exported = admin_client.get(f"{drift_url(mirrored)}drift.csv", {"kind": "membership_extra"})
        rows = list(csv.reader(io.StringIO(b"".join(exported.streaming_content).decode())))
        assert rows[0][:3] == ["kind", "object_type", "object"]
        assert [row[2] for row in rows[1:]] == ["eng/eve"]

    def test_reconcile_needs_the_name_then_converges(
        self, admin_client: Client, fake_jira: FakeJira, mirrored: Directory  # noqa: F811
    ) -> None:
        change_jira_by_hand(fake_jira)
        refused = admin_client.post(f"{drift_url(mirrored)}reconcile/", {"confirm_name": "x"})
        assert refused.status_code == 302
        assert not SyncRun.objects.filter(kind=SyncRun.Kind.RECONCILE).exists()

        admin_client.post(
            f"{drift_url(mirrored)}reconcile/",
            {"confirm_name": mirrored.name, "kinds": ["attribute_differs"]},
        )
        run = SyncRun.objects.get(kind=SyncRun.Kind.RECONCILE)
        assert run.status == SyncRun.Status.SUCCEEDED, run.message
        assert run.options == {"only": ["attribute_differs"]}
        assert fake_jira.user("alice").active is True
        assert fake_jira.user("dave") is None  # not chosen

    def test_viewers_cannot_start_anything(self, client: Client, mirrored: Directory) -> None:  # noqa: F811
        from django.contrib.auth.models import Permission, User

        staff = User.objects.create_user("viewer", password="pw", is_staff=True)
        staff.user_permissions.add(Permission.objects.get(codename="view_syncrun"))
        client.force_login(staff)
        assert client.get(drift_url(mirrored)).status_code == 200
        assert client.post(f"{drift_url(mirrored)}check/").status_code == 403


class TestGoLive:
    """The configuration shows its mode; going live offers reconcile first."""

    def test_shadow_configuration_goes_live_with_reconcile(
        self, admin_client: Client, fake_jira: FakeJira, mirrored: Directory  # noqa: F811
    ) -> None:
        configuration = ScimConfiguration.objects.get(name="idp")
        listing = admin_client.get("/admin/configurations/scimconfiguration/").content.decode()
        assert "<strong>LIVE</strong>" in listing
        admin_client.post(
            "/admin/configurations/scimconfiguration/",
            {"action": "shadow_selected", "_selected_action": [configuration.pk]},
        )
        configuration.refresh_from_db()
        assert configuration.mode == "shadow"
        change = admin_client.get(
            f"/admin/configurations/scimconfiguration/{configuration.pk}/change/"
        ).content.decode()
        assert "Mode: <strong>SHADOW</strong>" in change
        PlannedChange.objects.create(
            directory=mirrored, configuration=configuration, configuration_name="idp",
            object_type="user", object_name="zed", operation="create_user",
        )
        change_jira_by_hand(fake_jira)
        run_now(mirrored, SyncRun.Kind.DRIFT)

        page = admin_client.get(f"{RUNS}go-live/{configuration.pk}/").content.decode()
        assert 'scim-mode-shadow">SHADOW</span>' in page
        assert "Go live and reconcile now" in page
        # The planned changes beside the drift counts.
        assert "<td><code>create_user</code></td>" in page
        assert 'id="drift-counts"' in page

        response = admin_client.post(
            f"{RUNS}go-live/{configuration.pk}/", {"action": "live_and_reconcile"}
        )
        assert response.status_code == 302
        configuration.refresh_from_db()
        assert configuration.mode == "live"
        run = SyncRun.objects.get(kind=SyncRun.Kind.RECONCILE)
        assert run.status == SyncRun.Status.SUCCEEDED, run.message
        assert fake_jira.user("alice").active is True

    def test_new_configuration_in_shadow_mode(
        self, admin_client: Client, mirrored: Directory  # noqa: F811
    ) -> None:
        _, _ = scim_configuration_create(name="second", directory=mirrored, mode="shadow")
        listing = admin_client.get("/admin/configurations/scimconfiguration/").content.decode()
        assert "<strong>SHADOW</strong>" in listing
        assert admin_client.get("/admin/provisioning/plannedchange/").status_code == 200
