"""Flow 2: add a Jira site (the fake Jira over HTTP) and Test connection it three ways."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.fakejira import FakeJira

pytestmark = pytest.mark.browser


def test_add_site_and_test_connection(logged_in: Any, fake_jira: FakeJira, shot: Any) -> None:
    """Success names the version and account; a wrong token and an unreachable URL say why."""
    page = logged_in
    page.get_by_role("link", name="Add Jira site").click()
    page.locator("#id_name").fill("Jira DC")
    page.get_by_label("Base URL").fill(fake_jira.url)
    page.get_by_label("Personal access token or password").fill(fake_jira.admin_token)
    shot("02-site-add")
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator("ul.messagelist")).to_contain_text("was added successfully")

    page.get_by_role("button", name="Test connection").click()
    success = page.locator("ul.messagelist li.success")
    expect(success).to_contain_text("Connected to Jira 9.12.4")
    expect(success).to_contain_text("a Jira administrator: ready to provision")
    shot("02-site-test-connection-ok")

    page.get_by_label("Personal access token or password").fill("not-the-token")
    page.get_by_role("button", name="Save and continue editing").click()
    page.get_by_role("button", name="Test connection").click()
    expect(page.locator("ul.messagelist li.error")).to_contain_text(
        "Jira refused the credentials (401)"
    )
    shot("02-site-test-connection-wrong-token")

    page.get_by_label("Base URL").fill("http://127.0.0.1:9")
    page.get_by_label("Personal access token or password").fill(fake_jira.admin_token)
    page.get_by_role("button", name="Save and continue editing").click()
    page.get_by_role("button", name="Test connection").click()
    expect(page.locator("ul.messagelist li.error")).to_contain_text("Cannot reach http://127.0.0.1:9")

    # The home page shows the last outcome as the site's health, without calling Jira.
    page.goto("/admin/")
    health = page.locator("#home-site-health tbody tr").first
    expect(health).to_contain_text("Failing")
    expect(health).to_contain_text("Cannot reach")
