"""Read-side queries of the audit log: the switch, filtered entries, pages and counts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import QuerySet

from configurations.process_cache import shared_get, snapshot_key

from .filters import AuditEntryFilterSet
from .models import AuditEntry, AuditLogSettings

# Bumped when the cached value's shape changes, so that old processes' values are ignored.
# Read with the process caches' stamps: one cache round trip per SCIM request for all.
SETTINGS_CACHE_KEY = snapshot_key("auditlog:settings:1")


@dataclass(frozen=True)
class RecordingSettings:
    """What the middleware needs on every request, cached: the switch and the body cap."""

    enabled: bool
    max_body_bytes: int


def audit_settings_get() -> AuditLogSettings:
    """The settings row; before anyone changed a setting, the defaults (switched off, unsaved)."""
    row = AuditLogSettings.objects.filter(pk=AuditLogSettings.SINGLETON_PK).first()
    return row or AuditLogSettings(pk=AuditLogSettings.SINGLETON_PK)


def recording_settings() -> RecordingSettings:
    """The switch and body cap, from the cache when fresh (no query on most requests).

    The value lives in Django's cache for AUDITLOG_SETTINGS_CACHE_SECONDS: with a shared
    cache (Redis) a change applies to every process at once, with the in-process default
    within that many seconds.
    """
    cached = shared_get(SETTINGS_CACHE_KEY)
    if cached is not None:
        return RecordingSettings(*cached)
    row = audit_settings_get()
    current = RecordingSettings(enabled=row.enabled, max_body_bytes=row.effective_max_body_bytes)
    cache.set(
        SETTINGS_CACHE_KEY,
        (current.enabled, current.max_body_bytes),
        settings.AUDITLOG_SETTINGS_CACHE_SECONDS,
    )
    return current


def entries_filter(data: Mapping[str, Any] | None) -> AuditEntryFilterSet:
    """The FilterSet of all entries bound to `data` (request.GET or CLI options)."""
    return AuditEntryFilterSet(data or None, queryset=AuditEntry.objects.all())


def entries_count_upto(queryset: QuerySet[AuditEntry], limit: int) -> int:
    """How many entries match, counting at most `limit` (bounded work on a large table)."""
    return queryset.order_by()[:limit].count()


@dataclass(frozen=True)
class EntryPage:
    """One page of the changelist, found without counting the whole match."""

    entries: list[AuditEntry]
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        """Whether there is a newer page."""
        return self.number > 1


# Columns the changelist shows; the bodies stay in the table.
_LIST_COLUMNS = (
    "id",
    "created_at",
    "configuration_name",
    "method",
    "path",
    "status",
    "duration_ms",
    "operation",
    "resource_type",
    "resource_id",
    "request_id",
    "jira_call_count",
)


def entries_page(queryset: QuerySet[AuditEntry], *, number: int, size: int) -> EntryPage:
    """Entries of page `number` (1-based), newest first, and whether an older page exists."""
    number = max(number, 1)
    offset = (number - 1) * size
    rows = list(
        queryset.order_by("-created_at", "-id").only(*_LIST_COLUMNS)[offset : offset + size + 1]
    )
    return EntryPage(entries=rows[:size], number=number, has_next=len(rows) > size)


def entries_for_export(queryset: QuerySet[AuditEntry], *, limit: int) -> QuerySet[AuditEntry]:
    """The newest `limit` entries of `queryset`, newest first."""
    return queryset.order_by("-created_at", "-id")[:limit]
