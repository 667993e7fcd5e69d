"""`manage.py auditlog`: enable, disable, status, export, clear, prune."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from auditlog.filters import AuditEntryFilterSet
from auditlog.management.commands.auditlog import FILTER_OPTIONS
from auditlog.models import AuditEntry
from auditlog.selectors import audit_settings_get

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("auditlog", *args, stdout=out)
    return out.getvalue()


def _request_ids(path) -> list[str]:
    with path.open(newline="", encoding="utf-8") as file:
        return [row["request_id"] for row in csv.DictReader(file)]


class TestSwitch:
    """enable / disable / status."""

    def test_enable_disable(self, scim):
        assert run("enable").strip() == "Recording of SCIM requests is on."
        assert audit_settings_get().enabled
        scim.get("/scim/v2/Nothing")
        assert run("disable").strip() == "Recording of SCIM requests is off."
        assert not audit_settings_get().enabled
        scim.get("/scim/v2/Nothing")
        assert AuditEntry.objects.count() == 1

    def test_status(self, make_entries, settings):
        settings.AUDITLOG_RETENTION_DAYS = 0
        make_entries(2)
        settings.AUDITLOG_MAX_BODY_BYTES = 1000
        assert run("status").strip() == (
            "Recording is off; 2 entries; bodies cut at 1000 bytes; retention forever."
        )
        run("enable")
        settings.AUDITLOG_RETENTION_DAYS = 9
        assert run("status").strip() == (
            "Recording is on; 2 entries; bodies cut at 1000 bytes; retention 9 days."
        )


class TestExport:
    """export --out FILE [filters]."""

    def test_everything_newest_first(self, make_entries, tmp_path):
        entries = make_entries(3)
        out = tmp_path / "log.csv"
        assert run("export", "--out", str(out)).strip() == f"Wrote 3 entries to {out}."
        assert _request_ids(out) == [e.request_id for e in reversed(entries)]

    def test_filters(self, make_entries, make_configuration, tmp_path):
        configuration, _ = make_configuration("idp-x")
        make_entries(2, status=200)
        wanted = make_entries(2, status=409, configuration=configuration, method="POST")
        make_entries(1, status=409, method="POST")
        out = tmp_path / "log.csv"
        run("export", "--out", str(out), "--configuration", "idp-x", "--status-class", "4xx",
            "--method", "POST")  # fmt: skip
        assert _request_ids(out) == [e.request_id for e in reversed(wanted)]

    def test_date_range_and_search(self, make_entries, tmp_path):
        now = timezone.now()
        make_entries(start=now - timedelta(days=5), request_body='{"familyName": "fn_lk10fjjz"}')
        [wanted] = make_entries(
            start=now - timedelta(days=3), request_body='{"familyName": "fn_lk10fjjz"}'
        )
        make_entries(start=now - timedelta(days=1), request_body='{"familyName": "fn_lk10fjjz"}')
        out = tmp_path / "log.csv"
        run("export", "--out", str(out), "--search", "FN_lk10fjjz",
            "--since", (now - timedelta(days=4)).isoformat(),
            "--until", (now - timedelta(days=2)).isoformat())  # fmt: skip
        assert _request_ids(out) == [wanted.request_id]

    def test_limit(self, make_entries, tmp_path, settings):
        settings.AUDITLOG_EXPORT_LIMIT = 2
        entries = make_entries(4)
        out = tmp_path / "log.csv"
        run("export", "--out", str(out))
        assert _request_ids(out) == [entries[3].request_id, entries[2].request_id]
        run("export", "--out", str(out), "--limit", "3")
        assert len(_request_ids(out)) == 3

    def test_to_stdout(self, make_entries):
        [entry] = make_entries(user_agent="=evil()")
        rows = list(csv.DictReader(io.StringIO(run("export", "--out", "-"))))
        assert [(row["request_id"], row["user_agent"]) for row in rows] == [
            (entry.request_id, "'=evil()")
        ]

    @pytest.mark.parametrize(
        ("args", "message"),
        [
            (["--status", "abc"], "Invalid filter: status"),
            (["--status-class", "7xx"], "Invalid filter: status_class"),
            (["--configuration", "nobody"], "No SCIM configuration named 'nobody'."),
            (["--limit", "0"], "--limit must be at least 1."),
        ],
    )
    def test_errors(self, db, tmp_path, args, message):
        with pytest.raises(CommandError, match=message):
            run("export", "--out", str(tmp_path / "x.csv"), *args)

    def test_every_filter_has_an_option(self):
        form_parameters = set()
        for name, field in AuditEntryFilterSet().form.fields.items():
            widget = field.widget
            if hasattr(widget, "suffixes"):  # a range: one parameter per end
                form_parameters |= {widget.suffixed(name, suffix) for suffix in widget.suffixes}
            else:
                form_parameters.add(name)
        assert {parameter for _, parameter, _ in FILTER_OPTIONS} == form_parameters


class TestClear:
    """clear asks for --yes."""

    def test_needs_yes(self, make_entries):
        make_entries(2)
        with pytest.raises(CommandError, match="deletes all 2 entries"):
            run("clear")
        assert AuditEntry.objects.count() == 2
        assert run("clear", "--yes").strip() == "Deleted 2 entries."
        assert not AuditEntry.objects.exists()


class TestPrune:
    """prune [--days N]."""

    def test_default_retention(self, make_entries, settings):
        settings.AUDITLOG_RETENTION_DAYS = 30
        make_entries(2, start=timezone.now() - timedelta(days=31))
        kept = make_entries(1, start=timezone.now() - timedelta(days=29))
        assert run("prune").strip() == "Deleted 2 entries older than the retention."
        assert list(AuditEntry.objects.values_list("pk", flat=True)) == [kept[0].pk]

    def test_days(self, make_entries):
        make_entries(1, start=timezone.now() - timedelta(days=3))
        make_entries(1, start=timezone.now() - timedelta(hours=1))
        run("prune", "--days", "2")
        assert AuditEntry.objects.count() == 1

    def test_days_must_be_positive(self, db):
        with pytest.raises(CommandError, match="at least 1"):
            run("prune", "--days", "0")
