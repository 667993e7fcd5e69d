"""Write-side operations of the audit log: the switch, recording, clearing and pruning."""

from __future__ import annotations

import hashlib
import time
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from .models import AuditEntry, AuditLogSettings
from .selectors import SETTINGS_CACHE_KEY, audit_settings_get

# Rows deleted per statement when pruning, so that no statement holds locks for long.
PRUNE_BATCH_SIZE = 5000

_UNSET: Any = object()


@transaction.atomic
def audit_settings_update(
    *,
    enabled: bool | None = None,
    max_body_bytes: int | None = _UNSET,
    retention_days: int | None = _UNSET,
) -> AuditLogSettings:
    """Change the switch and/or the overrides (None override: use the AUDITLOG_* setting)."""
    row, _ = AuditLogSettings.objects.select_for_update().get_or_create(
        pk=AuditLogSettings.SINGLETON_PK
    )
    if enabled is not None:
        row.enabled = enabled
    if max_body_bytes is not _UNSET:
        row.max_body_bytes = max_body_bytes
    if retention_days is not _UNSET:
        row.retention_days = retention_days
    row.full_clean()
    row.save()
    # Drop the cached copy now and again after commit (a request in between may have cached
    # the old row). Processes with their own in-memory cache see it when their copy expires.
    cache.delete(SETTINGS_CACHE_KEY)
    transaction.on_commit(lambda: cache.delete(SETTINGS_CACHE_KEY))
    return row


def audit_log_set_enabled(*, enabled: bool) -> AuditLogSettings:
    """Turn recording on or off."""
    return audit_settings_update(enabled=enabled)


def entry_record(**fields: Any) -> AuditEntry:
    """Store one entry; a failure never leaves a surrounding transaction unusable."""
    if not transaction.get_connection().in_atomic_block:
        # Autocommit (the middleware's normal case): one INSERT, nothing else to protect.
        return AuditEntry.objects.create(**fields)
    # Inside a transaction a failed INSERT must roll back to a savepoint only: on PostgreSQL
    # it would otherwise abort the whole transaction.
    with transaction.atomic():
        return AuditEntry.objects.create(**fields)


def unauthenticated_entry_allowed(*, address: str) -> bool:
    """Count one unauthenticated entry of `address`; False once its minute's quota is used.

    The quota (AUDITLOG_UNAUTHENTICATED_PER_MINUTE, 0: none recorded) is counted in the
    shared cache per address and clock minute, so that anonymous clients cannot flood the
    table; authenticated requests are never limited.
    """
    limit = settings.AUDITLOG_UNAUTHENTICATED_PER_MINUTE
    if limit <= 0:
        return False
    digest = hashlib.sha256(address.encode()).hexdigest()[:32]
    key = f"auditlog:unauthenticated:{digest}:{int(time.time() // 60)}"
    if cache.add(key, 1, timeout=120):
        return True
    try:
        return cache.incr(key) <= limit
    except ValueError:  # expired between add and incr
        return cache.add(key, 1, timeout=120)


def entries_clear() -> int:
    """Delete every entry ("Clear history"); returns how many were deleted."""
    # No signals and nothing refers to entries, so Django issues one DELETE statement.
    deleted, _ = AuditEntry.objects.all().delete()
    return deleted


def entries_prune(
    *, older_than_days: int | None = None, now: datetime | None = None, batch_size: int = 0
) -> int:
    """Delete entries older than the retention (default: the configured one); 0 days: none.

    Deletes in batches of primary keys so that a first prune of millions of rows neither
    holds one long transaction nor blocks the recording of new requests.
    """
    days = older_than_days
    if days is None:
        days = audit_settings_get().effective_retention_days
    if days <= 0:
        return 0
    cutoff = (now or timezone.now()) - timedelta(days=days)
    batch_size = batch_size or PRUNE_BATCH_SIZE
    old = AuditEntry.objects.filter(created_at__lt=cutoff).order_by("created_at")
    total = 0
    while True:
        ids = list(old.values_list("pk", flat=True)[:batch_size])
        if not ids:
            return total
        deleted, _ = AuditEntry.objects.filter(pk__in=ids).delete()
        total += deleted
