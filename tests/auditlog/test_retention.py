"""Retention: pruning old entries, by the service, the Celery task and the beat schedule."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from auditlog.models import AuditEntry
from auditlog.services import audit_settings_update, entries_clear, entries_prune
from auditlog.tasks import prune_audit_log
from scimbridge.celery import app

pytestmark = pytest.mark.django_db


def _ages(days: list[float], make_entries) -> None:
    now = timezone.now()
    for age in days:
        make_entries(start=now - timedelta(days=age), request_id=f"age-{age}")


def _remaining() -> set[str]:
    return set(AuditEntry.objects.values_list("request_id", flat=True))


class TestPrune:
    """entries_prune."""

    def test_deletes_only_entries_older_than_the_retention(self, make_entries, settings):
        settings.AUDITLOG_RETENTION_DAYS = 7
        _ages([1, 6.9, 7.1, 30], make_entries)
        assert entries_prune() == 2
        assert _remaining() == {"age-1", "age-6.9"}

    def test_the_admin_override_wins_over_the_setting(self, make_entries, settings):
        settings.AUDITLOG_RETENTION_DAYS = 7
        audit_settings_update(retention_days=2)
        _ages([1, 3], make_entries)
        entries_prune()
        assert _remaining() == {"age-1"}

    def test_zero_keeps_everything(self, make_entries, settings):
        settings.AUDITLOG_RETENTION_DAYS = 0
        _ages([1, 3000], make_entries)
        assert entries_prune() == 0
        assert len(_remaining()) == 2

    def test_in_batches(self, make_entries):
        make_entries(7, start=timezone.now() - timedelta(days=40))
        make_entries(2)
        assert entries_prune(older_than_days=30, batch_size=3) == 7
        assert AuditEntry.objects.count() == 2

    def test_clear_deletes_everything(self, make_entries):
        make_entries(4)
        assert entries_clear() == 4
        assert not AuditEntry.objects.exists()


class TestTask:
    """The Celery task and its schedule."""

    def test_task_prunes(self, make_entries, settings):
        settings.AUDITLOG_RETENTION_DAYS = 5
        _ages([1, 10], make_entries)
        assert prune_audit_log.delay().get() == 1
        assert _remaining() == {"age-1"}

    def test_beat_runs_the_registered_task_periodically(self, settings):
        entry = settings.CELERY_BEAT_SCHEDULE["auditlog-prune"]
        assert entry["task"] == prune_audit_log.name
        assert entry["task"] in app.tasks
        assert entry["schedule"] == float(settings.AUDITLOG_PRUNE_INTERVAL) > 0
