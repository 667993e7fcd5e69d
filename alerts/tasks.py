"""Celery tasks of alerts: the daily check of expiring credentials."""

from __future__ import annotations

from celery import shared_task

from .services import alert_expiring_credentials, deliver


@shared_task(name="alerts.tasks.deliver_alert")
def deliver_alert(fields: dict[str, object]) -> None:
    """Send one alert (deduplicated, by email and webhook)."""
    deliver(fields)


@shared_task(name="alerts.tasks.check_expiring_credentials")
def check_expiring_credentials() -> int:
    """Alert about every credential expiring within 14 days."""
    return alert_expiring_credentials()
