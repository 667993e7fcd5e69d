"""CSV export: columns, streaming, the cap, the filter, formula-inert cells."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.http import StreamingHttpResponse
from django.utils import timezone

from auditlog.export import COLUMNS, csv_response, format_jira_calls, inert, write_csv
from auditlog.selectors import entries_filter

pytestmark = pytest.mark.django_db

EXPORT_URL = "/admin/auditlog/auditentry/export/"


def _read(response: StreamingHttpResponse) -> list[dict[str, str]]:
    text = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.DictReader(io.StringIO(text)))


class TestInert:
    """Cells a spreadsheet would run as a formula."""

    @pytest.mark.parametrize(
        "value", ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", '=HYPERLINK("http://x")']
    )
    def test_formula_like_text_gets_an_apostrophe(self, value):
        assert inert(value) == "'" + value

    @pytest.mark.parametrize("value", ["alice", "", "a=1", '{"x": -1}', 409, 12.5, -3, None])
    def test_everything_else_is_kept(self, value):
        assert inert(value) == value


class TestCsv:
    """What the file holds."""

    def test_columns_and_values(self, make_entries, make_configuration):
        configuration, _ = make_configuration("okta")
        make_entries(
            configuration=configuration,
            method="POST",
            path="/scim/v2/Users",
            query="attributes=id",
            status=201,
            operation="create",
            resource_id="u-1",
            request_id="req-x",
            request_body='{"userName": "alice"}',
            response_body='{"id": "u-1"}',
            jira_calls=[
                {"method": "POST", "path": "/rest/api/2/user", "query": "", "status": 201,
                 "duration_ms": 40.2, "error": None, "attempt": 1},
                {"method": "GET", "path": "/rest/api/2/user", "query": "username=alice",
                 "status": None, "duration_ms": 2000.0, "error": "JiraTimeout", "attempt": 1},
            ],
        )  # fmt: skip
        response = csv_response(entries_filter(None).qs, limit=10)
        assert isinstance(response, StreamingHttpResponse)
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert response["Content-Disposition"].startswith('attachment; filename="scim-audit-log-')
        [row] = _read(response)
        assert tuple(row) == COLUMNS
        assert row["configuration"] == "okta"
        assert (row["method"], row["path"], row["query"], row["status"]) == (
            "POST",
            "/scim/v2/Users",
            "attributes=id",
            "201",
        )
        assert (row["operation"], row["resource_type"], row["resource_id"]) == (
            "create",
            "User",
            "u-1",
        )
        assert row["request_id"] == "req-x"
        assert row["request_body"] == '{"userName": "alice"}'
        assert row["response_body"] == '{"id": "u-1"}'
        assert row["jira_calls"] == (
            "POST /rest/api/2/user 201 40.2ms; "
            "GET /rest/api/2/user?username=alice JiraTimeout 2000.0ms"
        )
        assert row["time"].startswith(str(timezone.localdate().year))
        assert float(row["duration_ms"]) == 12.5

    def test_formula_like_values_from_an_idp_are_inert(self, make_entries):
        make_entries(
            user_agent="=cmd|' /C calc'!A0",
            resource_id="+SUM(1)",
            request_id="@x",
            request_body="-2+3",
            path="/scim/v2/Users/=1",
        )
        [row] = _read(csv_response(entries_filter(None).qs, limit=10))
        assert row["user_agent"] == "'=cmd|' /C calc'!A0"
        assert row["resource_id"] == "'+SUM(1)"
        assert row["request_id"] == "'@x"
        assert row["request_body"] == "'-2+3"
        assert row["path"] == "/scim/v2/Users/=1"  # only a leading character is dangerous

    def test_at_most_the_limit_newest_first(self, make_entries):
        entries = make_entries(7)
        rows = _read(csv_response(entries_filter(None).qs, limit=3))
        assert [row["request_id"] for row in rows] == [e.request_id for e in entries[:-4:-1]]

    def test_only_entries_matching_the_filter(self, make_entries):
        make_entries(3, status=200)
        conflicts = make_entries(2, status=409)
        rows = _read(csv_response(entries_filter({"status": "409"}).qs, limit=10))
        assert {row["request_id"] for row in rows} == {e.request_id for e in conflicts}

    def test_empty_log_has_the_header_only(self, db):
        text = b"".join(csv_response(entries_filter(None).qs, limit=10).streaming_content)
        assert text.decode().splitlines() == [",".join(COLUMNS)]

    def test_write_csv_counts_entries(self, make_entries):
        make_entries(4)
        out = io.StringIO()
        assert write_csv(entries_filter(None).qs, limit=3, out=out) == 3
        assert len(list(csv.reader(io.StringIO(out.getvalue())))) == 4

    def test_multiline_bodies_stay_in_one_cell(self, make_entries):
        make_entries(request_body='{\n  "a": "line\\nbreak"\n}')
        [row] = _read(csv_response(entries_filter(None).qs, limit=10))
        assert row["request_body"] == '{\n  "a": "line\\nbreak"\n}'

    def test_format_jira_calls_without_calls(self):
        assert format_jira_calls([]) == ""


class TestAdminExport:
    """Export to CSV from the admin: the current filter, the 10,000 cap."""

    def test_streams_the_filtered_entries(self, admin_client, make_entries):
        make_entries(2, method="GET")
        [post] = make_entries(method="POST")
        response = admin_client.get(EXPORT_URL, {"method": "POST", "page": "3"})
        assert response.status_code == 200
        assert response.streaming
        assert [row["request_id"] for row in _read(response)] == [post.request_id]

    def test_the_cap_is_the_setting(self, admin_client, make_entries, settings):
        settings.AUDITLOG_EXPORT_LIMIT = 4
        entries = make_entries(6)
        rows = _read(admin_client.get(EXPORT_URL))
        assert [row["request_id"] for row in rows] == [e.request_id for e in entries[:-5:-1]]

    def test_the_default_cap_is_10000(self, settings):
        assert settings.AUDITLOG_EXPORT_LIMIT == 10_000

    def test_date_range_through_the_url(self, admin_client, make_entries):
        old = make_entries(start=timezone.now() - timedelta(days=3))
        make_entries(2)
        before = (timezone.now() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
        rows = _read(admin_client.get(EXPORT_URL, {"created_before": before}))
        assert [row["request_id"] for row in rows] == [old[0].request_id]

    def test_an_invalid_filter_exports_nothing(self, admin_client, make_entries):
        make_entries(2)
        response = admin_client.get(EXPORT_URL, {"status": "abc"})
        assert response.status_code == 302
        assert "status=abc" in response["Location"]

    def test_needs_the_view_permission(self, client, staff_user, make_entries):
        client.force_login(staff_user)
        assert client.get(EXPORT_URL).status_code == 403


class TestExcelExport:
    """"Export to CSV for Excel": the same rows, UTF-8 with a byte order mark."""

    def test_bom_only_when_asked(self, admin_client, make_entries) -> None:
        make_entries(1, configuration_name="Zoë 東京")
        url = "/admin/auditlog/auditentry/export/"
        excel = admin_client.get(url, {"excel": "1"})
        data = b"".join(excel.streaming_content)
        assert data.startswith(b"\xef\xbb\xbf")
        assert excel["Content-Disposition"].endswith('-excel.csv"')
        [row] = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
        assert row["configuration"] == "Zoë 東京"
        plain = b"".join(admin_client.get(url).streaming_content)
        assert not plain.startswith(b"\xef\xbb\xbf")
        assert plain.decode("utf-8") == data.decode("utf-8-sig")

    def test_excel_link_keeps_the_filter(self, admin_client, db) -> None:
        html = admin_client.get("/admin/auditlog/auditentry/", {"method": "POST"}).content
        assert b'href="/admin/auditlog/auditentry/export/?method=POST&amp;excel=1"' in html
