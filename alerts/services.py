"""Send alerts by email and webhook, at most one per condition per ALERT_REPEAT_MINUTES.

Each alert names a condition (e.g. `breaker:3`): the first occurrence is sent, repeats
within the period are only counted (`AlertSent.suppressed`), across processes (the claim
is a conditional UPDATE or an INSERT on a unique key). Delivery waits for the caller's
transaction to commit (`on_commit`): an alert about a write that rolled back is never sent.
A failed delivery is logged and never fails the caller.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import timedelta

import requests
from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerUnavailable

from configurations.lifetime import expiring_credentials
from configurations.models import ScimConfiguration
from configurations.process_cache import ProcessCache

from .models import AlertChannel, AlertSent, JiraSiteFailure

logger = logging.getLogger("scimbridge.alerts")

WEBHOOK_TIMEOUT = 5.0


@dataclass(frozen=True)
class Alert:
    """One message: what happened, where to act (an admin path), whom it concerns."""

    condition: str
    subject: str
    text: str
    admin_path: str
    jira_site_id: int | None = None

    @property
    def link(self) -> str:
        """The admin page's absolute URL (SCIMBRIDGE_PUBLIC_URL + path)."""
        return settings.SCIMBRIDGE_PUBLIC_URL.rstrip("/") + self.admin_path


def _claim(alert: Alert) -> bool:
    """True when this process may send the alert now (first in its period)."""
    now = timezone.now()
    period = timedelta(minutes=settings.ALERT_REPEAT_MINUTES)
    rows = AlertSent.objects.filter(condition=alert.condition[:200])
    if rows.filter(last_sent_at__lte=now - period).update(
        last_sent_at=now, subject=alert.subject[:300], suppressed=0
    ):
        return True
    try:
        with transaction.atomic():
            AlertSent.objects.create(
                condition=alert.condition[:200], subject=alert.subject[:300], last_sent_at=now
            )
    except IntegrityError:
        rows.update(suppressed=F("suppressed") + 1)
        return False
    return True


def _channels(jira_site_id: int | None) -> tuple[list[str], list[str]]:
    emails = list(settings.ALERT_EMAILS)
    webhooks = [settings.ALERT_WEBHOOK_URL] if settings.ALERT_WEBHOOK_URL else []
    scope = Q(jira_site__isnull=True)
    if jira_site_id is not None:
        scope |= Q(jira_site_id=jira_site_id)
    for channel in AlertChannel.objects.filter(scope, enabled=True):
        emails += channel.email_list
        webhooks += [channel.webhook_url] if channel.webhook_url else []
    return list(dict.fromkeys(emails)), list(dict.fromkeys(webhooks))


def _deliver(alert: Alert) -> None:
    emails, webhooks = _channels(alert.jira_site_id)
    if not emails and not webhooks:
        logger.warning(
            "Alert %s not sent: no recipients configured (%s)", alert.condition, alert.subject
        )
        return
    if not _claim(alert):
        return
    body = f"{alert.text}\n\n{alert.link}\n"
    if emails:
        try:
            send_mail(f"[scimbridge] {alert.subject}", body, None, emails)
        except Exception:  # mail server down: log, never fail the caller
            logger.exception("Alert %s: sending the email failed", alert.condition)
    payload = {
        "condition": alert.condition,
        "subject": alert.subject,
        "text": alert.text,
        "link": alert.link,
        "sent_at": timezone.now().isoformat(),
    }
    for url in webhooks:
        try:
            requests.post(url, json=payload, timeout=WEBHOOK_TIMEOUT).raise_for_status()
        except requests.RequestException as exc:
            logger.warning("Alert %s: webhook failed: %s", alert.condition, type(exc).__name__)


def send_alert(alert: Alert) -> None:
    """Send the alert once its caller's transaction commits (now, outside one).

    With a broker a worker delivers it (a slow mail server never holds up a SCIM request);
    without one, or when the broker refuses the message, it is delivered in this process.
    """
    transaction.on_commit(lambda: _publish(alert))


def _publish(alert: Alert) -> None:
    from .tasks import deliver_alert

    try:
        deliver_alert.delay(asdict(alert))
    except BrokerUnavailable:  # deliver here rather than lose the alert
        logger.warning("Alert %s: broker unavailable, delivering in-process", alert.condition)
        _deliver(alert)


def deliver(fields: dict[str, object]) -> None:
    """Deliver an alert given as a dict (the task's argument)."""
    _deliver(Alert(**fields))  # type: ignore[arg-type]


def _configuration_path(configuration_id: int) -> str:
    return reverse("admin:configurations_scimconfiguration_change", args=[configuration_id])


def alert_breaker_tripped(*, configuration_id: int) -> None:
    """The deprovisioning circuit breaker paused a configuration."""
    configuration = ScimConfiguration.objects.select_related("directory").get(pk=configuration_id)
    send_alert(
        Alert(
            condition=f"breaker:{configuration_id}",
            subject=f"Deprovisioning paused for {configuration.name}",
            text=(
                f"SCIM configuration {configuration.name!r} (directory "
                f"{configuration.directory.name!r}) tried to deactivate or delete more than "
                f"its limit within {configuration.deprovision_window_minutes} minutes. Further "
                "deprovisioning requests are held and answered 503. Review the held requests, "
                "then resume deprovisioning or keep it paused."
            ),
            admin_path=_configuration_path(configuration_id),
            jira_site_id=configuration.directory.jira_site_id,
        )
    )


def _site_path(site_id: int) -> str:
    return reverse("admin:configurations_jirasite_change", args=[site_id])


def note_jira_failure(*, jira_site_id: int, site_name: str, credentials: bool) -> None:
    """A SCIM write failed on Jira: refused credentials alert at once, outages after K min."""
    if credentials:
        send_alert(
            Alert(
                condition=f"jira-credentials:{jira_site_id}",
                subject=f"Jira site {site_name} refuses scimbridge's credentials",
                text=(
                    f"Jira site {site_name!r} answered 401/403 to scimbridge: its personal "
                    "access token (or password) is wrong, expired or lost its administrator "
                    "rights. SCIM writes answer 503 until it is fixed."
                ),
                admin_path=_site_path(jira_site_id),
                jira_site_id=jira_site_id,
            )
        )
        return
    now = timezone.now()
    failure, created = JiraSiteFailure.objects.get_or_create(
        jira_site_id=jira_site_id, defaults={"failing_since": now, "last_failure_at": now}
    )
    if created:
        SITE_OUTAGES.invalidate()  # every process's next success looks again
    JiraSiteFailure.objects.filter(pk=failure.pk).update(last_failure_at=now)
    minutes = settings.ALERT_JIRA_FAILING_MINUTES
    if now - failure.failing_since >= timedelta(minutes=minutes):
        send_alert(
            Alert(
                condition=f"jira-failing:{jira_site_id}",
                subject=f"Jira site {site_name} failing for over {minutes} minutes",
                text=(
                    f"SCIM writes to Jira site {site_name!r} have failed (unreachable, "
                    f"timeouts or 5xx) since {failure.failing_since.isoformat()}. The IdPs "
                    "retry; nothing is lost, but nothing is provisioned either."
                ),
                admin_path=_site_path(jira_site_id),
                jira_site_id=jira_site_id,
            )
        )


# Whether a site has an outage record, per process: every SCIM write that succeeds asks.
# A new record (the first failure of an outage) and its deletion move the shared stamp
# (configurations/process_cache.py), so every process looks again on its next success.
SITE_OUTAGES: ProcessCache[bool] = ProcessCache("jira-site-outages")


def note_jira_success(*, jira_site_id: int) -> None:
    """A SCIM write reached Jira: an outage in progress is over.

    Read first: on the usual path (no outage) this is a cache read (an indexed read when
    not cached) and no write, so a successful SCIM write takes no extra write lock.
    """
    failures = JiraSiteFailure.objects.filter(jira_site_id=jira_site_id)
    if SITE_OUTAGES.get(jira_site_id, failures.exists):
        failures.delete()
        SITE_OUTAGES.invalidate()


def alert_expiring_credentials(days: int | None = None) -> int:
    """One alert per credential expiring within `days` (default 14); returns how many."""
    found = expiring_credentials(days if days is not None else 14)
    for item in found:
        configuration = ScimConfiguration.objects.select_related("directory").get(
            pk=item.configuration_id
        )
        send_alert(
            Alert(
                condition=f"expiring:{item.configuration_id}:{item.credential}:{item.expires_at:%Y%m%d%H%M}",
                subject=f"The {item.credential} of {item.configuration} expires soon",
                text=(
                    f"The {item.credential} ({item.prefix}…) of SCIM configuration "
                    f"{item.configuration!r} stops working at {item.expires_at.isoformat()}. "
                    "Rotate it and give the IdP the new one before then."
                ),
                admin_path=_configuration_path(item.configuration_id),
                jira_site_id=configuration.directory.jira_site_id,
            )
        )
    return len(found)


def alert_run_failed(
    *, run_id: int, kind: str, directory: str, jira_site_id: int, message: str, admin_path: str
) -> None:
    """A Sync, Remove Directory, reconcile or other utility run failed."""
    send_alert(
        Alert(
            condition=f"run-failed:{run_id}",
            subject=f"{kind} failed for directory {directory}",
            text=f"{kind} (run {run_id}) of directory {directory!r} failed: {message}",
            admin_path=admin_path,
            jira_site_id=jira_site_id,
        )
    )
