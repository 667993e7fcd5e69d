"""Prometheus metrics: the series, what feeds them, GET /metrics (docs/monitoring.md)."""
