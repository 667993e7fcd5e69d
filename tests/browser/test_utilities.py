"""Flows 6 and 8: Remove Directory's confirmation; last login on a Jira without it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import expect

from configurations.models import Directory, JiraSite
from configurations.services import directory_get_or_create, scim_configuration_create
from provisioning.models import ScimUser
from tests.fakejira import FakeJira

pytestmark = pytest.mark.browser


def _scim_user(page: Any, token: str, user_name: str, family: str) -> None:
    """Create a user through the SCIM API over HTTP, as an identity provider does."""
    response = page.request.post(
        "/scim/v2/Users",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/scim+json"},
        data={
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": user_name,
            "name": {"givenName": "Test", "familyName": family},
            "emails": [{"value": f"{user_name}@example.com", "primary": True}],
            "active": True,
        },
    )
    assert response.status == 201, response.text()


def test_remove_directory_lists_and_requires_the_name(
    logged_in: Any, fake_jira: FakeJira, fake_directory: Directory, shot: Any
) -> None:
    """The page counts what goes in Jira; a wrong name starts nothing; the right one does."""
    _, issued = scim_configuration_create(name="Okta", directory=fake_directory)
    page = logged_in
    for n, family in enumerate(("Lovelace", "Hopper", "Turing")):
        _scim_user(page, issued.token, f"user{n}", family)
    fake_jira.seed_user("legacy", display_name="Legacy user")

    page.goto(f"/admin/configurations/directory/{fake_directory.pk}/change/")
    page.locator("#directory-utilities").click()
    expect(page.locator(f"#directory-{fake_directory.pk}")).to_have_class("selected")
    page.get_by_role("link", name="Remove Directory…").click()
    expect(page.locator("#users-delete")).to_have_text("3")
    expect(page.locator("#groups-delete")).to_have_text("0")
    with page.expect_download() as info:
        page.locator("#plan-csv").click()
    assert info.value.suggested_filename == "remove-directory-okta-users.csv"
    plan = info.value.path().read_text(encoding="utf-8")
    assert all(f"user{n}" in plan for n in range(3))
    assert "legacy" not in plan
    shot("06-remove-directory-confirm")

    page.get_by_label("Type the directory's name").fill("Okta")
    page.get_by_role("button", name="Remove directory Okta users").click()
    expect(page.locator("#confirm-error")).to_contain_text("exactly to confirm")
    assert ScimUser.objects.filter(directory=fake_directory).count() == 3
    assert fake_jira.user("user0") is not None

    page.get_by_label("Type the directory's name").fill("Okta users")
    page.get_by_role("button", name="Remove directory Okta users").click()
    expect(page.locator("ul.messagelist")).to_contain_text("Remove directory of Okta users")
    assert ScimUser.objects.filter(directory=fake_directory).count() == 0
    assert fake_jira.user("user0") is None
    assert fake_jira.user("legacy") is not None

    # The run, from the home page: named by its directory, its counters as a table.
    page.goto("/admin/")
    runs = page.locator("#home-recent-runs tbody tr").first
    expect(runs).to_contain_text("Remove directory")
    expect(runs).to_contain_text("Succeeded")
    runs.get_by_role("link").click()
    expect(page.locator("#content h2").first).to_contain_text("Remove directory of Okta users")
    counters = page.locator("table.sb-counters")
    expect(counters.locator("tr", has_text="users").locator("td").nth(4)).to_have_text("3")
    shot("06-run-page")


def test_last_login_unsupported_is_said_before_any_click(
    logged_in: Any, fake_jira_factory: Callable[..., FakeJira], shot: Any
) -> None:
    """On Jira 10.3 the SCIM customization section says so and offers no button to press."""
    old = fake_jira_factory("10.3.2")
    site = JiraSite(name="Jira 10", base_url=old.url, timeout=5)
    site.set_secret(old.admin_token)
    site.save()
    directory = directory_get_or_create(name="Legacy directory", jira_site=site)
    page = logged_in
    page.goto("/admin/")
    page.get_by_role("link", name="Users last login info").click()
    row = page.locator("#scim-customization + .sb-table-wrap tr", has_text=directory.name)
    expect(row.locator(".last-login-unavailable")).to_contain_text(
        "Jira 10.3.2 does not provide last login"
    )
    expect(row.get_by_role("button", name="Sync users last login info")).to_be_disabled()
    shot("08-last-login-unsupported")
    assert not old.requests("GET", "/rest/api/2/user/search")
