"""GET /metrics through the load balancer, read back as numbers."""

from __future__ import annotations

import requests

from .report import Checks


def scrape(lb: str) -> str:
    """GET /metrics through nginx with the token."""
    answer = requests.get(
        f"{lb}/metrics", headers={"Authorization": "Bearer topology-metrics"}, timeout=30
    )
    answer.raise_for_status()
    return answer.text


def series_sum(text: str, name: str, **labels: str) -> float:
    """Sum of a series' samples whose labels include `labels`."""
    total = 0.0
    for line in text.splitlines():
        if not line.startswith(name + "{"):
            continue
        if all(f'{key}="{value}"' in line for key, value in labels.items()):
            total += float(line.rsplit(" ", 1)[1])
    return total


def check_metrics(lb: str, checks: Checks, sent: int) -> None:
    """/metrics through nginx: refused without the token; every process of the host summed."""
    refused = requests.get(f"{lb}/metrics", timeout=30).status_code
    counted = series_sum(scrape(lb), "scimbridge_scim_requests_total", configuration="topology")
    checks.figures["metrics_scim_requests"] = counted
    checks.check(
        "/metrics through nginx: token required, both gunicorn instances summed",
        refused == 401 and counted == sent,
        f"anonymous {refused}; {counted:g} SCIM requests counted of {sent} sent",
    )
