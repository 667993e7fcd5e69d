"""Every Prometheus series scimbridge records from inside a process (docs/monitoring.md).

Counters and histograms only: they add up across processes in prometheus_client's
multiprocess mode (PROMETHEUS_MULTIPROC_DIR, set by scripts/start and the systemd units).
What is read from the database at scrape time (gauges) is in collectors.py.
This module imports nothing of the project, so every layer may record into it.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

# Seconds; SCIM requests and Jira calls are sub-second normally, seconds when Jira is slow.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
RUN_BUCKETS = (1, 5, 15, 60, 300, 900, 1800, 3600, 7200)

SCIM_REQUESTS = Counter(
    "scimbridge_scim_requests",
    "SCIM requests answered, by configuration, resource, method and status code.",
    ["configuration", "resource", "method", "status"],
)
SCIM_REQUEST_SECONDS = Histogram(
    "scimbridge_scim_request_duration_seconds",
    "Time to answer a SCIM request, Jira write-through included.",
    ["configuration", "resource", "method"],
    buckets=LATENCY_BUCKETS,
)

JIRA_CALLS = Counter(
    "scimbridge_jira_calls",
    "HTTP attempts to Jira, by site, method and status class (2xx..5xx, or error: no answer).",
    ["site", "method", "status_class"],
)
JIRA_CALL_SECONDS = Histogram(
    "scimbridge_jira_call_duration_seconds",
    "Duration of one HTTP attempt to Jira.",
    ["site", "method"],
    buckets=LATENCY_BUCKETS,
)
JIRA_RETRIES = Counter(
    "scimbridge_jira_retries",
    "HTTP attempts to Jira that repeated an earlier failed attempt of the same call.",
    ["site", "method"],
)
JIRA_AUTH_FAILURES = Counter(
    "scimbridge_jira_auth_failures",
    "Jira answers 401 or 403: the site's credential is wrong, expired or lacks permission.",
    ["site", "status"],
)

WRITETHROUGH_FAILURES = Counter(
    "scimbridge_writethrough_failures",
    "SCIM writes Jira did not take (nothing applied), by kind of failure.",
    ["kind"],
)

UTILITY_RUNS = Counter(
    "scimbridge_utility_runs",
    "Utility runs (sync, remove directory, clear tables, last login) ended, by kind and status.",
    ["kind", "status"],
)
UTILITY_RUN_SECONDS = Histogram(
    "scimbridge_utility_run_duration_seconds",
    "Duration of an ended utility run, from its start.",
    ["kind"],
    buckets=RUN_BUCKETS,
)
UTILITY_RUN_OBJECTS = Counter(
    "scimbridge_utility_run_objects",
    "Objects handled by ended utility runs, by kind, object type and outcome counter.",
    ["kind", "object_type", "outcome"],
)


def status_class(status: int | None) -> str:
    """``2xx``..``5xx`` for an HTTP status, ``error`` when no answer arrived."""
    if status is None:
        return "error"
    return f"{status // 100}xx"
