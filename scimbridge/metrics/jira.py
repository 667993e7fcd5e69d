"""The Jira client's observer that feeds the Jira series (registered by apps.py).

jiraclient stays a plain library: it only tells its observers about each HTTP attempt
(jiraclient/observers.py); this module turns those into metrics.
"""

from __future__ import annotations

from jiraclient.observers import JiraCall

from . import series


def record_jira_call(call: JiraCall) -> None:
    """Count and time one attempt; retries and 401/403 in their own series."""
    site = call.base_url or "-"
    series.JIRA_CALLS.labels(site, call.method, series.status_class(call.status)).inc()
    series.JIRA_CALL_SECONDS.labels(site, call.method).observe(call.duration_ms / 1000)
    if call.attempt > 1:
        series.JIRA_RETRIES.labels(site, call.method).inc()
    if call.status in (401, 403):
        series.JIRA_AUTH_FAILURES.labels(site, str(call.status)).inc()
