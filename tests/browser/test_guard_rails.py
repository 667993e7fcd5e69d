"""Flows 9 and 10: the deprovisioning breaker pauses, the admin resumes; rotation with grace."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from configurations.models import Directory, HeldRequest
from configurations.services import scim_configuration_create
from provisioning.models import ScimUser
from scimbridge.templatetags.when import format_moment
from tests.fakejira import FakeJira

from .scim import Idp

pytestmark = pytest.mark.browser

LIMIT = 2
USERS = 4


def test_deprovisioning_past_the_limit_pauses_until_resumed(
    logged_in: Any, live_server: Any, fake_jira: FakeJira, fake_directory: Directory, shot: Any
) -> None:
    """Deactivations past the limit are held (503); home shows PAUSED; Resume lifts it."""
    configuration, issued = scim_configuration_create(
        name="Okta", directory=fake_directory, max_deprovisions=LIMIT,
        deprovision_window_minutes=60,
    )
    idp = Idp(live_server.url, issued.token)
    ids = []
    for n in range(USERS):
        status, body = idp.create_user(f"leaver.number{n}")
        assert status == 201, body
        ids.append(body["id"])
    answered = [idp.deactivate(user_id)[0] for user_id in ids]
    assert answered == [200] * LIMIT + [503] * (USERS - LIMIT)
    held = USERS - LIMIT
    assert sum(1 for n in range(USERS) if fake_jira.user(f"leaver.number{n}").active) == held

    page = logged_in
    page.goto("/admin/")
    cell = page.locator(
        f'#home-configurations tr[data-configuration="{configuration.pk}"] .sb-deprovisioning'
    )
    expect(cell).to_contain_text("PAUSED")
    expect(cell).to_contain_text(f"{held} held requests")
    shot("09-home-paused")

    cell.get_by_role("link", name="PAUSED").click()
    expect(page.locator("#breaker-state")).to_contain_text("Deprovisioning is paused")
    rows = page.locator("#held-requests tbody tr")
    expect(rows).to_have_count(held)
    for user_id in ids[LIMIT:]:
        expect(page.locator("#held-requests")).to_contain_text(f"/scim/v2/Users/{user_id}")
    shot("09-deprovisioning-paused")
    page.get_by_role("button", name="Resume deprovisioning").click()
    expect(page.locator("ul.messagelist")).to_contain_text(f"{held} held request(s) released")
    assert not HeldRequest.objects.filter(configuration=configuration, released_at=None).exists()

    page.goto("/admin/")
    expect(cell).to_have_text("running")
    # The IdP's retries now go through.
    assert [idp.deactivate(user_id)[0] for user_id in ids[LIMIT:]] == [200] * held
    assert not ScimUser.objects.filter(directory=fake_directory, active=True).exists()
    assert not any(fake_jira.user(f"leaver.number{n}").active for n in range(USERS))


def test_rotate_with_grace_shows_both_tokens_and_their_expiry(
    logged_in: Any, fake_directory: Directory, shot: Any
) -> None:
    """The new token's expiry and the old one's grace end, on the home page and the config."""
    configuration, issued = scim_configuration_create(name="Entra", directory=fake_directory)
    page = logged_in
    page.goto("/admin/")
    row = page.locator(f'#home-configurations tr[data-configuration="{configuration.pk}"]')
    expect(row.locator(".sb-expiry")).to_have_text("never")

    row.get_by_role("link", name="Entra").click()
    page.locator("#rotate-token").click()
    page.get_by_label("Grace period (hours)").fill("6")
    page.get_by_label("New credentials expire after (days, empty: never)").fill("10")
    page.get_by_role("button", name="Yes, rotate the token").click()
    new_token = page.locator("#token").inner_text()
    assert new_token != issued.token
    configuration.refresh_from_db()
    assert configuration.token_expires_at - timezone.now() > timedelta(days=9)
    grace_end = configuration.previous_token_expires_at
    assert timedelta(hours=5) < grace_end - timezone.now() <= timedelta(hours=6)

    page.locator("#content-main").get_by_role("link", name="Home").click()
    expiry = row.locator(".sb-expiry")
    expect(expiry).to_contain_text(format_moment(configuration.token_expires_at))
    expect(expiry.locator(".sb-warning-mark")).to_be_visible()  # within 14 days
    expect(expiry.locator(".sb-grace")).to_contain_text(
        f"previous token {issued.token[:len(configuration.previous_token_prefix)]}… until "
        f"{format_moment(grace_end)}"
    )
    shot("10-home-rotated-with-grace")
    row.get_by_role("link", name="Entra").click()
    expect(page.locator("#content")).to_contain_text(configuration.previous_token_prefix)
    shot("10-configuration-in-grace")
