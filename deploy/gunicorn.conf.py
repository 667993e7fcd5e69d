"""gunicorn configuration of scimbridge: `gunicorn -c deploy/gunicorn.conf.py`.

Every setting can be overridden by the environment variable named beside it (documented in
docs/configuration.md); gunicorn's own command-line options override both.
"""

import os


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


wsgi_app = "scimbridge.wsgi:application"
bind = [os.environ.get("BIND") or "127.0.0.1:8000"]

# Processes times threads: gthread lets a worker wait on Jira while others answer reads.
worker_class = "gthread"
workers = _int("WEB_CONCURRENCY", 2)
threads = _int("GUNICORN_THREADS", 4)

# Workers keep the peak memory of their largest request (1 MiB bodies, 20,000-value lists):
# recycle each after this many requests, jittered so that they never restart together.
max_requests = _int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 200)

# A worker whose main loop is silent this long is killed and replaced (with gthread this
# catches a stuck process, not a slow request). Jira calls time out well before it.
timeout = _int("GUNICORN_TIMEOUT", 120)
# On restart or recycling, requests in flight get this long to finish.
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
# Idle keep-alive connections; keep it above the idle timeout of the proxy in front.
keepalive = _int("GUNICORN_KEEPALIVE", 75)

# Request limits that fit the SCIM API. The request line carries GET filters: 8190 bytes
# (gunicorn's largest) holds ~120 `or` clauses, longer filters go in POST .search bodies
# (SCIM_MAX_BODY_BYTES). Headers: bearer tokens and proxy headers up to 16 KiB each.
limit_request_line = _int("GUNICORN_LIMIT_REQUEST_LINE", 8190)
limit_request_fields = _int("GUNICORN_LIMIT_REQUEST_FIELDS", 100)
limit_request_field_size = _int("GUNICORN_LIMIT_REQUEST_FIELD_SIZE", 16384)

# "-": standard output; empty: no access log.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
# Proxies whose X-Forwarded-* headers are trusted (comma-separated addresses).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS") or "127.0.0.1"


def child_exit(server: object, worker: object) -> None:
    """Multiprocess metrics: a gone worker's live gauges no longer count (docs/monitoring.md)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def post_worker_init(worker: object) -> None:
    """gunicorn's own refusals (414, 431, bad request lines) answer SCIM JSON, not HTML."""
    from scimbridge.serving import install_gunicorn_json_errors

    install_gunicorn_json_errors()
