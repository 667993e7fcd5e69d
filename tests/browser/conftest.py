"""Browser tests: one headless Chromium and one live server for the session (marker `browser`).

Run with `pytest -m browser tests/browser` (the default run leaves them out: pyproject.toml's
addopts). Chromium comes from Debian's `chromium` package (CHROMIUM to use another binary);
screenshots go to var/screenshots/ (SCREENSHOT_DIR), also on failure.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from configurations.models import Directory, JiraSite
from configurations.services import directory_get_or_create
from tests.fakejira import FakeJira

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR", ROOT / "var" / "screenshots"))
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1280, "height": 900}
PASSWORD = "browser-test-password"

@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium for the whole session."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists() and not shutil.which(CHROMIUM):
        pytest.skip(f"No Chromium at {CHROMIUM} (apt-get install chromium)")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    # Playwright's sync API keeps an event loop in this thread, which Django's ORM guard
    # takes for async code; the tests and the live server still use the ORM synchronously.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def admin_account(transactional_db: Any) -> Any:
    """A superuser to log in with."""
    return get_user_model().objects.create_superuser("jiraadmin", "admin@example.com", PASSWORD)


@pytest.fixture
def page(browser: Any, live_server: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh browser tab at 1280 px on the live server; a screenshot if the test fails."""
    context = browser.new_context(
        base_url=live_server.url, viewport=VIEWPORT, accept_downloads=True
    )
    context.set_default_timeout(8_000)
    tab = context.new_page()
    yield tab
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        tab.screenshot(path=str(SCREENSHOTS / f"FAILED-{request.node.name}.png"), full_page=True)
    context.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Any:
    """Keep each phase's report on the item, so that `page` can tell a failed test."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture
def shot(page: Any) -> Callable[[str], Path]:
    """Save a full-page screenshot as var/screenshots/NAME.png."""

    def take(name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def logged_in(page: Any, admin_account: Any) -> Any:
    """The tab, logged in through the login form as the superuser."""
    page.goto("/admin/login/?next=/admin/")
    page.get_by_label("Username").fill(admin_account.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/admin/")
    return page


@pytest.fixture
def fake_site(transactional_db: Any, fake_jira: FakeJira) -> JiraSite:
    """A Jira site on the fake Jira, with the fake's administrator token."""
    site = JiraSite(name="Jira DC", base_url=fake_jira.url, timeout=5)
    site.set_secret(fake_jira.admin_token)
    site.save()
    return site


@pytest.fixture
def fake_directory(fake_site: JiraSite) -> Directory:
    """A directory on the fake Jira site."""
    return directory_get_or_create(name="Okta users", jira_site=fake_site)
