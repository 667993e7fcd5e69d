"""Flow 1: log in; the home page shows the site health and the configurations."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from configurations.services import scim_configuration_create

pytestmark = pytest.mark.browser


def test_login_shows_site_health_and_configurations(
    logged_in: Any, fake_directory: Any, shot: Any
) -> None:
    """After login: sections in the plugin's order, each site checked, each configuration."""
    scim_configuration_create(name="Okta", directory=fake_directory)
    page = logged_in
    page.goto("/")  # "/" leads to the admin's home page
    expect(page).to_have_url(re.compile(r"/admin/$"))
    expect(page.get_by_role("heading", name="SCIM provisioning for Jira")).to_be_visible()
    headings = page.locator("#content-main section.module > h2 > .sb-title").all_inner_texts()
    assert [h.split(" — ")[0] for h in headings] == [
        "General",
        "New configuration",
        "Utils for existing users/directories",
        "Drift",
        "SCIM customization",
        "Audit log",
        "Jira sites",
        "Runs",
    ], headings
    row = page.locator("#home-configurations tbody tr").first
    expect(row).to_contain_text("Okta")
    expect(row).to_contain_text("Okta users")
    expect(row).to_contain_text("Enabled")
    expect(row).to_contain_text("never")
    expect(row.locator(".sb-mode")).to_have_text("LIVE")
    expect(row.locator(".sb-deprovisioning")).to_have_text("running")
    expect(row.locator(".sb-expiry")).to_have_text("never")
    drift = page.locator("#home-drift-checks tbody tr").first
    expect(drift).to_contain_text("never checked")
    # Never checked: the page does not wait for Jira, its script asks for a short check.
    health = page.locator("#home-site-health tbody tr").first
    expect(health).to_contain_text("Reachable")
    expect(health).to_contain_text("Jira 9.12.4")
    expect(health).to_contain_text("credentials ok")
    expect(page.get_by_role("link", name="View site")).to_have_count(0)
    shot("01-home")
