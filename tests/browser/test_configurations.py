"""Flows 3 and 4: New configuration → Generate token; copy; shown once; rotate; enable/disable."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from configurations.models import JiraSite, ScimConfiguration
from configurations.selectors import scim_configuration_by_token

pytestmark = pytest.mark.browser


def _new_configuration(page: Any, site: JiraSite, name: str = "Okta") -> None:
    page.goto("/admin/")
    page.locator("#home-new-configuration").click()
    page.locator("#id_name").fill(name)
    page.get_by_label("New directory name").fill("Okta users")
    page.get_by_label("Jira site of the new directory").select_option(label=site.name)
    page.get_by_label("Username for Basic auth").fill("okta-basic")


def test_generate_token_shown_once_and_copied(
    logged_in: Any, fake_site: JiraSite, shot: Any
) -> None:
    """The token and both SCIM URLs are shown once; Copy puts them on the clipboard."""
    page = logged_in
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    _new_configuration(page, fake_site)
    shot("03-new-configuration")
    page.get_by_role("button", name="Generate token").click()

    expect(page.locator("p.warning")).to_contain_text("They will not be shown again")
    token = page.locator("#token").inner_text()
    assert token.startswith("scb_")
    assert scim_configuration_by_token(token) == ScimConfiguration.objects.get(name="Okta")
    v2 = page.locator("#scim-v2-url").inner_text()
    assert v2 == f"{page.url.split('/admin/')[0]}/scim/v2"
    shot("03-credentials-shown-once")

    for target, expected in (("token", token), ("scim-v2-url", v2)):
        button = page.locator(f'button[data-copy-target="{target}"]')
        button.click()
        expect(button).to_have_text("Copied")
        assert page.evaluate("navigator.clipboard.readText()") == expected
    expect(page.locator("#basic-password")).to_be_visible()

    page.reload()
    expect(page.locator("#credentials-gone")).to_contain_text("already shown once")
    expect(page.locator("#token")).to_have_count(0)


def test_copy_falls_back_to_selecting_the_text(logged_in: Any, fake_site: JiraSite) -> None:
    """Without the clipboard API (plain http elsewhere, old browsers) the text is selected."""
    page = logged_in
    page.add_init_script("Object.defineProperty(navigator, 'clipboard', {value: undefined})")
    _new_configuration(page, fake_site)
    page.get_by_role("button", name="Generate token").click()
    page.evaluate("document.execCommand = () => false")
    button = page.locator('button[data-copy-target="token"]')
    button.click()
    expect(button).to_have_text("Selected: press Ctrl+C")
    selected = page.evaluate("window.getSelection().toString()")
    assert selected == page.locator("#token").inner_text()


def test_rotate_token_and_enable_disable(logged_in: Any, fake_directory: Any, shot: Any) -> None:
    """Rotation issues a new token (the old one stops); disabling is shown on the home page."""
    from configurations.services import scim_configuration_create

    configuration, issued = scim_configuration_create(name="Entra", directory=fake_directory)
    page = logged_in
    page.goto("/admin/")
    page.locator("#home-configurations").get_by_role("link", name="Entra").click()
    expect(page.locator("#scim-v2-url")).to_contain_text("/scim/v2")
    page.locator("#rotate-token").click()
    expect(page.locator("#content")).to_contain_text(configuration.token_prefix)
    page.get_by_label("Basic auth username").fill("entra-basic")
    # No grace: the old token stops at once (a leak); flow 10 rotates with a grace period.
    page.get_by_label("Grace period (hours)").fill("0")
    shot("04-rotate-token")
    page.get_by_role("button", name="Yes, rotate the token").click()
    new_token = page.locator("#token").inner_text()
    assert new_token != issued.token
    expect(page.locator("#basic-password")).to_be_visible()
    assert scim_configuration_by_token(issued.token) is None
    assert scim_configuration_by_token(new_token) == configuration

    page.get_by_role("link", name="Back to Entra").click()
    page.get_by_label("Enabled").uncheck()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("ul.messagelist")).to_contain_text("was changed successfully")
    page.goto("/admin/")
    row = page.locator("#home-configurations tbody tr", has_text="Entra")
    expect(row).to_contain_text("Disabled")

    page.get_by_role("link", name="All configurations").click()
    page.locator("input.action-select").first.check()
    page.locator("select[name=action]").select_option("enable_selected")
    page.get_by_role("button", name="Go").click()
    expect(page.locator("ul.messagelist")).to_contain_text("1 configuration(s) enabled.")
    expect(page).to_have_url(re.compile(r"/scimconfiguration/"))
    shot("04-configurations-list")
    configuration.refresh_from_db()
    assert configuration.enabled
