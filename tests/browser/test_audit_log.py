"""Flow 7: audit log: enable, SCIM requests, filter, CSV export, reset, clear."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from playwright.sync_api import expect

from auditlog.models import AuditEntry
from configurations.services import scim_configuration_create

from .test_utilities import _scim_user

pytestmark = pytest.mark.browser


def test_audit_log_filter_export_reset_clear(
    logged_in: Any, fake_directory: Any, shot: Any
) -> None:
    """Each step shows what it did; the CSV holds exactly the filtered requests."""
    _, issued = scim_configuration_create(name="Okta", directory=fake_directory)
    page = logged_in
    page.goto("/admin/")
    expect(page.locator("#home-audit-state")).to_have_text("off")
    page.get_by_role("link", name="Open the audit log").click()
    page.get_by_role("button", name="Turn recording on").click()
    expect(page.locator(".auditlog-state-on")).to_have_text("on")

    _scim_user(page, issued.token, "ada", "Lovelace")
    _scim_user(page, issued.token, "grace", "Hopper")
    page.reload()
    expect(page.locator("#auditlog-matched")).to_contain_text("2 entries match")

    page.get_by_label("Search bodies").fill("Lovelace")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("#auditlog-matched")).to_contain_text("1 entry matches the filter")
    shot("07-audit-log-filtered")

    with page.expect_download() as info:
        page.locator("#auditlog-export").click()
    download = info.value
    assert download.suggested_filename.endswith(".csv")
    rows = list(csv.DictReader(io.StringIO(download.path().read_text(encoding="utf-8"))))
    assert len(rows) == 1
    assert "Lovelace" in "".join(rows[0].values())

    page.locator("#auditlog-reset").click()
    expect(page.locator("#auditlog-matched")).to_contain_text("2 entries match")
    expect(page.get_by_label("Search bodies")).to_have_value("")

    page.locator("#auditlog-clear").click()
    page.get_by_role("button", name="Yes, clear the history").click()
    expect(page.locator("#auditlog-matched")).to_contain_text("0 entries match")
    assert AuditEntry.objects.count() == 0
