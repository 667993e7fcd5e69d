"""Celery tasks of the audit log: retention."""

from __future__ import annotations

import logging

from celery import shared_task

from .services import entries_prune

logger = logging.getLogger("scimbridge.auditlog")


@shared_task(name="auditlog.tasks.prune_audit_log", ignore_result=True)
def prune_audit_log() -> int:
    """Delete entries older than the retention (run periodically by Celery beat)."""
    deleted = entries_prune()
    if deleted:
        logger.info("Audit log retention: %d old entries deleted", deleted)
    return deleted
