"""The admin's Audit log pages: list and filter, entry, switch, settings, clear."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import Permission

from auditlog.models import AuditEntry, AuditLogSettings
from auditlog.selectors import audit_settings_get, recording_settings

pytestmark = pytest.mark.django_db

LIST_URL = "/admin/auditlog/auditentry/"
CLEAR_URL = LIST_URL + "clear/"
SWITCH_URL = LIST_URL + "switch/"
SETTINGS_URL = LIST_URL + "settings/"


def _grant(user, *codenames: str) -> None:
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))


class TestChangelist:
    """The filtered list."""

    def test_lists_entries_newest_first(self, admin_client, make_entries):
        first, second = make_entries(2)
        response = admin_client.get(LIST_URL)
        assert response.status_code == 200
        page = response.context["page"]
        assert [e.pk for e in page.entries] == [second.pk, first.pk]
        html = response.content.decode()
        assert "Recording of SCIM requests is" in html
        assert 'id="auditlog-reset"' in html
        assert f'href="{LIST_URL}{first.pk}/change/"' in html
        assert "2 entries match." in html

    def test_finds_the_request_that_created_fn_lk10fjjz(self, admin_client, make_entries):
        make_entries(3, method="POST", request_body='{"name": {"familyName": "someone_else"}}')
        [wanted] = make_entries(
            method="POST",
            status=201,
            request_body=json.dumps({"userName": "u", "name": {"familyName": "fn_lk10fjjz"}}),
        )
        response = admin_client.get(LIST_URL, {"q": "fn_lk10fjjz"})
        assert [e.pk for e in response.context["page"].entries] == [wanted.pk]
        assert "1 entry matches the filter." in response.content.decode()

    def test_the_form_shows_every_filter_and_keeps_values(self, admin_client, db):
        response = admin_client.get(LIST_URL, {"status_class": "4xx", "q": "needle"})
        html = response.content.decode()
        for name in ("created_after", "created_before", "configuration", "method",
                     "status_class", "status", "operation", "resource_type", "resource_id",
                     "request_id", "q"):  # fmt: skip
            assert f'name="{name}"' in html
        assert 'value="needle"' in html
        assert '<option value="4xx" selected>' in html

    def test_export_link_carries_the_filter_without_the_page(self, admin_client, db):
        response = admin_client.get(LIST_URL, {"method": "POST", "page": "2"})
        assert f'href="{LIST_URL}export/?method=POST"' in response.content.decode()

    def test_reset_filter_links_to_the_bare_list(self, admin_client, db):
        html = admin_client.get(LIST_URL, {"method": "POST"}).content.decode()
        assert f'<a href="{LIST_URL}" id="auditlog-reset"' in html

    def test_invalid_filter_shows_errors_and_no_entries(self, admin_client, make_entries):
        make_entries(2)
        response = admin_client.get(LIST_URL, {"status": "abc"})
        assert response.status_code == 200
        assert response.context["invalid"]
        assert response.context["page"] is None
        assert "The filter is not valid" in response.content.decode()

    def test_paging(self, admin_client, make_entries, monkeypatch):
        from auditlog import admin as audit_admin

        monkeypatch.setattr(audit_admin, "PAGE_SIZE", 2)
        entries = make_entries(3, method="PUT")
        response = admin_client.get(LIST_URL, {"method": "PUT", "page": "2"})
        assert [e.pk for e in response.context["page"].entries] == [entries[0].pk]
        assert "?method=PUT&amp;page=1" in response.content.decode()
        assert admin_client.get(LIST_URL, {"page": "x"}).status_code == 200

    def test_more_matches_than_the_export_holds(self, admin_client, make_entries, settings):
        settings.AUDITLOG_EXPORT_LIMIT = 2
        make_entries(3)
        html = admin_client.get(LIST_URL).content.decode()
        assert "More than 2 entries match; the export holds the 2 most recent." in html

    def test_view_permission_is_enough_to_read(self, client, staff_user, make_entries):
        make_entries()
        _grant(staff_user, "view_auditentry")
        client.force_login(staff_user)
        html = client.get(LIST_URL).content.decode()
        assert "auditlog-export" in html
        assert "auditlog-clear" not in html
        assert "auditlog-switch" not in html

    def test_without_permission(self, client, staff_user, db):
        client.force_login(staff_user)
        assert client.get(LIST_URL).status_code == 403

    def test_listed_on_the_admin_index(self, admin_client, db):
        html = admin_client.get("/admin/").content.decode()
        assert f'<a href="{LIST_URL}">Audit log</a>' in html


class TestEntryPage:
    """One entry: bodies pretty-printed, the Jira calls."""

    def test_shows_everything(self, admin_client, make_entries):
        [entry] = make_entries(
            request_body='{"userName": "alice", "name": {"familyName": "A"}}',
            response_body='{"detail": "cut',
            response_body_truncated=True,
            jira_calls=[{"method": "GET", "path": "/rest/api/2/user", "query": "username=alice",
                         "status": 404, "duration_ms": 8.5, "error": None, "attempt": 1}],
            jira_call_count=3,
        )  # fmt: skip
        response = admin_client.get(f"{LIST_URL}{entry.pk}/change/")
        assert response.status_code == 200
        html = response.content.decode()
        assert "{\n  &quot;userName&quot;: &quot;alice&quot;,\n  &quot;name&quot;: {" in html
        assert "{&quot;detail&quot;: &quot;cut" in html  # not JSON: shown as stored
        assert "(cut at the size limit)" in html
        assert "/rest/api/2/user?username=alice" in html
        assert "2 more calls were made but not stored." in html
        assert entry.request_id in html

    def test_missing_entry(self, admin_client, db):
        assert admin_client.get(f"{LIST_URL}999999/change/").status_code == 404
        assert admin_client.get(f"{LIST_URL}abc/change/").status_code == 404

    def test_entries_cannot_be_added_changed_or_deleted(self, admin_client, make_entries):
        [entry] = make_entries()
        assert admin_client.get(f"{LIST_URL}add/").status_code == 403
        assert admin_client.post(f"{LIST_URL}{entry.pk}/change/", {}).status_code == 200
        assert (
            admin_client.post(f"{LIST_URL}{entry.pk}/delete/", {"post": "yes"}).status_code == 403
        )
        assert AuditEntry.objects.filter(pk=entry.pk).exists()


class TestSwitch:
    """The on/off button."""

    def test_on_and_off(self, admin_client, scim):
        response = admin_client.post(SWITCH_URL, {"enabled": "on"})
        assert response.status_code == 302
        assert audit_settings_get().enabled
        assert recording_settings().enabled
        scim.get("/scim/v2/Nothing")
        assert AuditEntry.objects.count() == 1
        html = admin_client.get(LIST_URL).content.decode()
        assert "Turn recording off" in html
        admin_client.post(SWITCH_URL, {"enabled": "off"})
        assert not audit_settings_get().enabled
        scim.get("/scim/v2/Nothing")
        assert AuditEntry.objects.count() == 1

    def test_get_is_refused(self, admin_client, db):
        assert admin_client.get(SWITCH_URL).status_code == 405

    def test_needs_the_settings_permission(self, client, staff_user, db):
        _grant(staff_user, "view_auditentry")
        client.force_login(staff_user)
        assert client.post(SWITCH_URL, {"enabled": "on"}).status_code == 403
        _grant(staff_user, "change_auditlogsettings")
        assert client.post(SWITCH_URL, {"enabled": "on"}).status_code == 302
        assert audit_settings_get().enabled


class TestSettingsPage:
    """The body cap and retention overrides."""

    def test_shows_the_defaults(self, admin_client, settings):
        settings.AUDITLOG_RETENTION_DAYS = 45
        html = admin_client.get(SETTINGS_URL).content.decode()
        assert "entries kept 45 days" in html

    def test_saves_overrides(self, admin_client, db):
        response = admin_client.post(
            SETTINGS_URL, {"enabled": "on", "max_body_bytes": "1000", "retention_days": "7"}
        )
        assert response.status_code == 302
        row = AuditLogSettings.objects.get()
        assert (row.enabled, row.max_body_bytes, row.retention_days) == (True, 1000, 7)
        assert recording_settings().max_body_bytes == 1000

    def test_empty_fields_mean_the_defaults(self, admin_client, settings):
        settings.AUDITLOG_MAX_BODY_BYTES = 123
        admin_client.post(SETTINGS_URL, {"max_body_bytes": "", "retention_days": ""})
        row = AuditLogSettings.objects.get()
        assert (row.enabled, row.effective_max_body_bytes) == (False, 123)

    def test_invalid_values(self, admin_client, db):
        response = admin_client.post(SETTINGS_URL, {"max_body_bytes": "-1"})
        assert response.status_code == 200
        assert response.context["form"].errors
        assert not AuditLogSettings.objects.exists()


class TestClear:
    """Clear history, after a confirmation page."""

    def test_confirmation_then_clear(self, admin_client, make_entries):
        make_entries(3)
        response = admin_client.get(CLEAR_URL)
        assert response.status_code == 200
        assert "all 3 entries" in response.content.decode()
        assert AuditEntry.objects.count() == 3  # GET deletes nothing
        response = admin_client.post(CLEAR_URL, follow=True)
        assert response.redirect_chain[-1][0] == LIST_URL
        assert not AuditEntry.objects.exists()
        assert "3 entries deleted" in response.content.decode()

    def test_needs_the_delete_permission(self, client, staff_user, make_entries):
        make_entries()
        _grant(staff_user, "view_auditentry")
        client.force_login(staff_user)
        assert client.get(CLEAR_URL).status_code == 403
        assert client.post(CLEAR_URL).status_code == 403
        assert AuditEntry.objects.count() == 1
        _grant(staff_user, "delete_auditentry")
        assert client.post(CLEAR_URL).status_code == 302
        assert not AuditEntry.objects.exists()
