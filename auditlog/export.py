"""CSV export of audit log entries: streamed, capped, with formula-like cells made inert."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any, TextIO

from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone

from .models import AuditEntry
from .selectors import entries_for_export

# Rows fetched per database round trip while streaming.
CHUNK_SIZE = 2000

# Cells a spreadsheet would evaluate as a formula (CWE-1236): an IdP controls user agents,
# paths, ids and bodies, so such a cell gets a leading apostrophe and stays text.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

# CSV column -> AuditEntry field; most columns are named as their field.
_COLUMN_FIELDS = {
    "time": "created_at",
    "configuration": "configuration_name",
}
COLUMNS = (
    "time",
    "request_id",
    "configuration",
    "client_address",
    "user_agent",
    "method",
    "path",
    "query",
    "status",
    "duration_ms",
    "operation",
    "resource_type",
    "resource_id",
    "jira_calls",
    "request_body",
    "response_body",
)
_FIELDS = tuple(_COLUMN_FIELDS.get(column, column) for column in COLUMNS)


def inert(value: Any) -> Any:
    """The value, with text that a spreadsheet would run as a formula prefixed by `'`."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def format_jira_calls(calls: list[dict[str, Any]]) -> str:
    """Jira calls as one cell: `GET /rest/api/2/user?username=x 200 12.0ms; ...`."""
    parts = []
    for call in calls or []:
        target = call.get("path", "")
        if call.get("query"):
            target = f"{target}?{call['query']}"
        outcome = call.get("status") or call.get("error") or "no response"
        parts.append(f"{call.get('method', '')} {target} {outcome} {call.get('duration_ms', 0)}ms")
    return "; ".join(parts)


def _row(values: tuple[Any, ...]) -> list[Any]:
    created_at, *rest = values
    row = [timezone.localtime(created_at).isoformat(), *rest]
    row[COLUMNS.index("jira_calls")] = format_jira_calls(row[COLUMNS.index("jira_calls")])
    return [inert(value) for value in row]


def csv_rows(queryset: QuerySet[AuditEntry], *, limit: int) -> Iterator[list[Any]]:
    """The header, then at most `limit` of the newest matching entries, newest first."""
    yield list(COLUMNS)
    rows = entries_for_export(queryset, limit=limit).values_list(*_FIELDS)
    for values in rows.iterator(chunk_size=CHUNK_SIZE):
        yield _row(values)


class _Echo:
    """A file-like object whose write returns the line, so csv.writer can feed a generator."""

    def write(self, value: str) -> str:
        """Return the value instead of storing it."""
        return value


# Excel opens a CSV as UTF-8 only when it starts with a byte order mark; without it, names
# with accents or non-Latin scripts come out garbled. Other tools prefer the file without.
UTF8_BOM = "\ufeff"


def stream_csv(queryset: QuerySet[AuditEntry], *, limit: int, bom: bool = False) -> Iterator[str]:
    """CSV lines of `csv_rows`, one string per row (the first led by a BOM when asked)."""
    writer = csv.writer(_Echo())
    if bom:
        yield UTF8_BOM
    for row in csv_rows(queryset, limit=limit):
        yield writer.writerow(row)


def export_filename(*, excel: bool = False) -> str:
    """A download name carrying the export's time (and -excel for the BOM variant)."""
    return f"scim-audit-log-{timezone.now():%Y%m%d-%H%M%S}{'-excel' if excel else ''}.csv"


def csv_response(
    queryset: QuerySet[AuditEntry], *, limit: int, excel: bool = False
) -> StreamingHttpResponse:
    """A streamed CSV download of the newest `limit` entries; `excel`: UTF-8 with BOM."""
    response = StreamingHttpResponse(
        stream_csv(queryset, limit=limit, bom=excel), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{export_filename(excel=excel)}"'
    response["Cache-Control"] = "no-store"
    return response


def write_csv(queryset: QuerySet[AuditEntry], *, limit: int, out: TextIO) -> int:
    """Write the CSV to `out`; returns the number of entries written."""
    writer = csv.writer(out)
    count = -1  # the header is not an entry
    for row in csv_rows(queryset, limit=limit):
        writer.writerow(row)
        count += 1
    return count
