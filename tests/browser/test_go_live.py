"""Flow 8: safe go-live — shadow mode records the IdP's writes, Drift counts them, go live.

The drift check and the reconcile are utility runs; without a worker (SQLite, or PostgreSQL
without the `worker` fixture) they run inside the request, which is what this flow needs.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from configurations.models import Directory, ScimConfiguration
from configurations.services import scim_configuration_create
from provisioning.sync.drift_models import PlannedChange
from tests.fakejira import FakeJira

from .scim import Idp

pytestmark = pytest.mark.browser

PEOPLE = ("ada.lovelace", "alan.turing", "grace.hopper")


def test_shadow_writes_are_planned_then_go_live_reconciles(
    logged_in: Any, live_server: Any, fake_jira: FakeJira, fake_directory: Directory, shot: Any
) -> None:
    """Shadow: Jira untouched, planned changes and drift shown; Go live → Jira gets the users."""
    configuration, issued = scim_configuration_create(
        name="Okta", directory=fake_directory, mode=ScimConfiguration.Mode.SHADOW
    )
    idp = Idp(live_server.url, issued.token)
    for name in PEOPLE:
        status, body = idp.create_user(name)
        assert status == 201, body
    assert not {name for name in PEOPLE if fake_jira.user(name)}, "shadow mode wrote to Jira"
    assert PlannedChange.objects.filter(configuration=configuration).count() >= len(PEOPLE)

    page = logged_in
    page.goto("/admin/")
    row = page.locator(f'#home-configurations tr[data-configuration="{configuration.pk}"]')
    expect(row.locator(".sb-mode")).to_have_text("SHADOW")
    drift_row = page.locator(f'#home-drift-checks tr[data-directory="{fake_directory.pk}"]')
    expect(drift_row).to_contain_text("never checked")

    drift_row.get_by_role("link", name="Drift…").click()
    expect(page.locator("h1")).to_contain_text("Drift of Okta users")
    expect(page.locator("#planned-changes")).to_contain_text("ada.lovelace")
    page.get_by_role("button", name="Check drift now").click()
    missing = page.locator('#drift-counts tr[data-kind="missing_in_jira"] td').nth(1)
    expect(missing).to_have_text(str(len(PEOPLE)))
    expect(page.locator("#drift-items")).to_contain_text("grace.hopper")
    shot("08-drift-shadow")

    page.goto("/admin/")
    expect(drift_row).to_contain_text(f"Missing in Jira: {len(PEOPLE)}")
    expect(drift_row).to_contain_text("Drift check: succeeded")
    shot("08-home-shadow-drift")
    row.get_by_role("link", name="SHADOW").click()
    expect(page.locator("#scim-mode")).to_contain_text("SHADOW")
    expect(page.locator("#drift-counts")).to_contain_text("Missing in Jira")
    shot("08-go-live")
    page.get_by_role("button", name="Go live and reconcile now").click()

    expect(page.locator("ul.messagelist")).to_contain_text("Okta is live")
    # The reconcile counted the drift it found first; a new check finds none left.
    expect(page.locator("#drift-run")).to_contain_text("Reconcile succeeded")
    shot("08-reconciled")
    page.get_by_role("button", name="Check drift now").click()
    expect(page.locator("#drift-run")).to_contain_text("Drift check succeeded")
    expect(missing).to_have_text("0")
    configuration.refresh_from_db()
    assert configuration.mode == ScimConfiguration.Mode.LIVE
    for name in PEOPLE:
        user = fake_jira.user(name)
        assert user is not None, name
        assert user.active, name
        assert user.email == f"{name}@example.com"
    page.goto("/admin/")
    expect(row.locator(".sb-mode")).to_have_text("LIVE")
    shot("08-live")
