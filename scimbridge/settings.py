"""Django settings for scimbridge, read from the environment (see docs/configuration.md)."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from .logconfig import logging_config
from .schedule import beat_schedule

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    env.read_env(BASE_DIR / ".env")

# Local state of the embedded default: the SQLite database and the generated secret key.
VAR_DIR = env.path("SCIMBRIDGE_VAR_DIR", default=str(BASE_DIR / "var"))

DEBUG = env.bool("DEBUG", default=False)


def _secret_key() -> str:
    """Return SECRET_KEY from the environment, else from SECRET_KEY_FILE.

    Outside DEBUG a missing key is fatal; in DEBUG a key is generated once into the file
    so that the embedded default starts without any environment.
    """
    key = env.str("SECRET_KEY", default="")
    if key:
        return key
    key_file = Path(env.str("SECRET_KEY_FILE", default=str(Path(VAR_DIR) / "secret_key")))
    if key_file.is_file():
        return key_file.read_text().strip()
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is required when DEBUG is off: set SECRET_KEY, or SECRET_KEY_FILE to a "
            f"file holding it (scripts/start creates {key_file})."
        )
    key_file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    # Created owner-only, never readable by others even for an instant.
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(key)
    return key


SECRET_KEY = _secret_key()

# Fernet key(s) for Jira credentials at rest; comma-separated, the first encrypts, all decrypt
# (rotation). Unset: a key derived from SECRET_KEY (documented development fallback).
JIRA_CREDENTIALS_KEYS = env.list("JIRA_CREDENTIALS_KEYS", default=[])

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
if env.bool("USE_X_FORWARDED_PROTO", default=False):
    # Behind a TLS-terminating proxy that sets X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
USE_X_FORWARDED_HOST = env.bool("USE_X_FORWARDED_HOST", default=False)
# HTTPS=true: the public URL is https (directly or through the proxy above). It turns on the
# redirect to https, HSTS and secure cookies; each stays a variable of its own.
HTTPS = env.bool("HTTPS", default=False)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=HTTPS)
# Load balancers probe /healthz over plain HTTP on the private network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^metrics$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SESSION_COOKIE_SECURE = env.bool(
    "SESSION_COOKIE_SECURE", default=env.bool("SECURE_COOKIES", default=HTTPS)
)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=SESSION_COOKIE_SECURE)

INSTALLED_APPS = [
    # Django's admin with scimbridge's own site: the SCIM home page as its index.
    "scimbridge.apps.ScimbridgeAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "axes",
    "configurations",
    "provisioning",
    "auditlog",
    "alerts",
    "scimbridge",
    "scimbridge.metrics",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "auditlog.middleware.AuditLogMiddleware",
    "scimbridge.metrics.middleware.ScimMetricsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: turns a locked-out admin login into its lockout answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "scimbridge.urls"
WSGI_APPLICATION = "scimbridge.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
            # The `when` and `age` filters (one date format everywhere) without {% load %}.
            "builtins": ["scimbridge.templatetags.when"],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{Path(VAR_DIR) / 'scimbridge.sqlite3'}"),
}
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Health checks of reused connections only after they were idle (the backend's docstring).
    DATABASES["default"]["ENGINE"] = "scimbridge.dbbackends.postgresql"
DATABASE_HEALTH_CHECK_IDLE_SECONDS = env.float("DATABASE_HEALTH_CHECK_IDLE_SECONDS", default=10)
DATABASE_JIT = env.bool("DATABASE_JIT", default=False)  # PostgreSQL's JIT (the backend's docstring)
# Prepared statements for the hottest reads (the backend's docstring).
DATABASE_PREPARED_READS = env.bool("DATABASE_PREPARED_READS", default=True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # One writer at a time: wait for the lock instead of failing, and let readers go on (WAL).
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Shared cache: authentication throttling and health-check results. Use Redis when several
# processes serve the API, so that they share counters.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://scimbridge")}
# Django's Redis backend, without building a Redis client per operation (scimbridge/cache.py).
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    CACHES["default"]["BACKEND"] = "scimbridge.cache.RedisCache"

# Admin login throttling (django-axes): after ADMIN_LOGIN_FAILURE_LIMIT failed logins for one
# username from one address, that pair is locked out for ADMIN_LOGIN_COOLOFF_MINUTES. Only
# the admin site is watched: the SCIM API has its own throttle (provisioning/api).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_ENABLED = env.bool("ADMIN_LOGIN_THROTTLE", default=True)
AXES_ONLY_ADMIN_SITE = True
AXES_FAILURE_LIMIT = env.int("ADMIN_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("ADMIN_LOGIN_COOLOFF_MINUTES", default=15))
# Username and address together: an attacker guessing one account cannot lock its owner out
# from the owner's own address, nor lock every account from one address.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# The address as the SCIM throttle sees it (TRUSTED_PROXY_COUNT), not a spoofable header.
AXES_CLIENT_IP_CALLABLE = "provisioning.api.authentication.client_address"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True
# One date format in the admin, lists and pages alike: local time (TIME_ZONE) with seconds.
FORMAT_MODULE_PATH = ["scimbridge.formats"]

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"] if (BASE_DIR / "static").is_dir() else []
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- SCIM API -----------------------------------------------------------------------------
# Public base URL of this server, used where no request tells it (CLI output).
SCIMBRIDGE_PUBLIC_URL = env.str("SCIMBRIDGE_PUBLIC_URL", default="http://localhost:8000")
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": [],
    "UNAUTHENTICATED_USER": None,
    # Proxies in front that append to X-Forwarded-For; 0 trusts only the socket address.
    "NUM_PROXIES": env.int("TRUSTED_PROXY_COUNT", default=0),
}
# Failed SCIM authentications allowed per client address within the window before 429.
SCIM_AUTH_FAILURE_LIMIT = env.int("SCIM_AUTH_FAILURE_LIMIT", default=10)
SCIM_AUTH_FAILURE_WINDOW = env.int("SCIM_AUTH_FAILURE_WINDOW", default=60)
# Largest request body the SCIM API accepts (bytes); larger gets 413.
# Process caches of what every SCIM request reads (configurations/process_cache.py): a change
# drops them at once in every process through a stamp in the cache, which only a shared
# CACHE_URL (Redis, Memcached) carries to the other processes. On by default only then.
_SHARED_CACHE = not CACHES["default"]["BACKEND"].endswith(("LocMemCache", "DummyCache"))
# Seconds a process reuses a resolved credential and directory settings.
SCIM_CONFIG_CACHE_SECONDS = env.float(
    "SCIM_CONFIG_CACHE_SECONDS", default=5.0 if _SHARED_CACHE else 0.0
)
# Seconds a process reuses the total and page positions of unfiltered user lists while no
# user changed (provisioning/list_cache.py).
SCIM_LIST_CACHE_SECONDS = env.float(
    "SCIM_LIST_CACHE_SECONDS", default=60.0 if _SHARED_CACHE else 0.0
)
# The user reads IdPs repeat most (GET /Users/{id}, GET /Users?filter=...) answered without
# DRF's request machinery (provisioning/api/fast_reads.py); false sends them through DRF.
SCIM_FAST_READS = env.bool("SCIM_FAST_READS", default=True)
SCIM_MAX_BODY_BYTES = env.int("SCIM_MAX_BODY_BYTES", default=1024 * 1024)
# SCIM Bulk (docs/scim-api.md "Bulk"), advertised in ServiceProviderConfig: operations per
# request and body size (beyond either 413, nothing run); and the seconds a Bulk request
# may start operations for (the rest answer 503, not run), well inside GUNICORN_TIMEOUT.
SCIM_BULK_MAX_OPERATIONS = env.int("SCIM_BULK_MAX_OPERATIONS", default=1000)
SCIM_BULK_MAX_PAYLOAD_BYTES = env.int("SCIM_BULK_MAX_PAYLOAD_BYTES", default=4 * 1024 * 1024)
SCIM_BULK_BUDGET_SECONDS = env.float("SCIM_BULK_BUDGET_SECONDS", default=60.0)
DATA_UPLOAD_MAX_MEMORY_SIZE = max(SCIM_MAX_BODY_BYTES, SCIM_BULK_MAX_PAYLOAD_BYTES, 2_621_440)
# Largest page a list request returns (advertised in ServiceProviderConfig).
# Seconds a SCIM write may run before the Jira step (PATCH work, lock wait) before it stops
# with 503 and nothing applied (docs/configuration.md); 0 turns the budget off.
SCIM_WRITE_BUDGET_SECONDS = env.float("SCIM_WRITE_BUDGET_SECONDS", default=30.0)
# Short Jira blips absorbed inside a write (docs/jira-writethrough.md "Jira blips"): each
# Jira step is tried up to JIRA_BLIP_ATTEMPTS times, waiting (Retry-After, else back-off)
# at most JIRA_BLIP_BUDGET_SECONDS in all per request; past that 503 as before. The blip
# budget must fit inside the write budget.
JIRA_BLIP_ATTEMPTS = env.int("JIRA_BLIP_ATTEMPTS", default=3)
JIRA_BLIP_BUDGET_SECONDS = env.float("JIRA_BLIP_BUDGET_SECONDS", default=5.0)
# Seconds a SCIM write's Jira client (and its keep-alive connections) is kept for the next
# write of the same thread and site; 0 builds one per write (provisioning/writethrough).
JIRA_KEEPALIVE_SECONDS = env.float("JIRA_KEEPALIVE_SECONDS", default=5.0)
# Jira DC adds or removes one group member per call: how many of one request's member calls
# may be in flight at once (docs/jira-writethrough.md "Many members"); 1 sends them in turn.
JIRA_MEMBER_WRITE_CONCURRENCY = env.int("JIRA_MEMBER_WRITE_CONCURRENCY", default=16)
if SCIM_WRITE_BUDGET_SECONDS and JIRA_BLIP_BUDGET_SECONDS >= SCIM_WRITE_BUDGET_SECONDS:
    raise ImproperlyConfigured(
        "JIRA_BLIP_BUDGET_SECONDS must be smaller than SCIM_WRITE_BUDGET_SECONDS"
    )
SCIM_MAX_PAGE_SIZE = env.int("SCIM_MAX_PAGE_SIZE", default=1000)
# What one SCIM request may carry (docs/security.md "Limits"); beyond it 400 or 413, nothing
# applied. Group members per POST/PUT/PATCH and operations per PATCH (413 tooMany):
SCIM_MAX_MEMBERS_PER_WRITE = env.int("SCIM_MAX_MEMBERS_PER_WRITE", default=10_000)
SCIM_MAX_PATCH_OPERATIONS = env.int("SCIM_MAX_PATCH_OPERATIONS", default=1_000)
# Filters, checked before they are parsed or become SQL (400 invalidFilter): characters,
# nesting of ( ) and [ ], and comparisons.
SCIM_MAX_FILTER_LENGTH = env.int("SCIM_MAX_FILTER_LENGTH", default=10_000)
SCIM_MAX_FILTER_DEPTH = env.int("SCIM_MAX_FILTER_DEPTH", default=20)
SCIM_MAX_FILTER_TERMS = env.int("SCIM_MAX_FILTER_TERMS", default=200)
# Values per multi-valued user attribute (emails, phoneNumbers, ...; 400 invalidValue).
SCIM_MAX_ATTRIBUTE_VALUES = env.int("SCIM_MAX_ATTRIBUTE_VALUES", default=100)

# --- Jira ---------------------------------------------------------------------------------
# How long /healthz keeps a Jira site's status before asking Jira again (seconds).
HEALTHZ_JIRA_CACHE_SECONDS = env.int("HEALTHZ_JIRA_CACHE_SECONDS", default=30)
HEALTHZ_JIRA_TIMEOUT = env.float("HEALTHZ_JIRA_TIMEOUT", default=5.0)
# The admin home page asks Jira again (in the background, HEALTHZ_JIRA_TIMEOUT per call) when
# a site's last Test connection or check is older than this (seconds).
ADMIN_SITE_HEALTH_SECONDS = env.int("ADMIN_SITE_HEALTH_SECONDS", default=300)
# Bearer token that shows /healthz's details (database, broker, each Jira site); without it
# (or a staff session) /healthz answers only the overall status.
HEALTHZ_TOKEN = env.str("HEALTHZ_TOKEN", default="")
# Jira groups SCIM never creates, changes or adds members to, besides jira-administrators and
# jira-system-administrators: other groups holding Administer Jira (docs/jira-writethrough.md).
JIRA_PROTECTED_GROUPS = env.list("JIRA_PROTECTED_GROUPS", default=[])
# Where SCIM writes go (a dotted path to a ChangeApplier, provisioning/services/apply.py):
# the Jira write-through by default; "provisioning.services.apply.log_changes" only logs.
SCIM_CHANGE_APPLIER = env.str(
    "SCIM_CHANGE_APPLIER", default="provisioning.writethrough.applier.apply_to_jira"
)

# --- Celery -------------------------------------------------------------------------------
# Unset: the embedded broker, kombu's filesystem transport in var/broker/ (one message a file,
# no service to run; scripts/start runs the worker and beat on it). "localhost" only names
# the machine: without a host kombu warns "No hostname was supplied" on every connection.
EMBEDDED_BROKER_URL = "filesystem://localhost/"
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="") or EMBEDDED_BROKER_URL
EMBEDDED_BROKER_DIR = Path(VAR_DIR) / "broker"
# Utility runs never execute inside a web request: tasks always go to a worker. Only the test
# settings run them eagerly (scimbridge/settings_test.py).
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="") or None
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=3600)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=3900)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE

# --- Audit log ----------------------------------------------------------------------------
# Defaults the admin's audit log settings page may override (the on/off switch lives there).
AUDITLOG_MAX_BODY_BYTES = env.int("AUDITLOG_MAX_BODY_BYTES", default=64 * 1024)
AUDITLOG_RETENTION_DAYS = env.int("AUDITLOG_RETENTION_DAYS", default=30)
# Most entries one CSV export holds (the newest that match the filter).
AUDITLOG_EXPORT_LIMIT = env.int("AUDITLOG_EXPORT_LIMIT", default=10_000)
# Seconds between two runs of the pruning task (Celery beat).
AUDITLOG_PRUNE_INTERVAL = env.int("AUDITLOG_PRUNE_INTERVAL", default=3600)
# Seconds a process reuses the switch it read (shared through CACHE_URL when that is Redis).
AUDITLOG_SETTINGS_CACHE_SECONDS = env.int("AUDITLOG_SETTINGS_CACHE_SECONDS", default=10)
# Most entries stored per client address and minute for requests that failed authentication
# (401/429; metadata only, no body). 0 records none of them.
AUDITLOG_UNAUTHENTICATED_PER_MINUTE = env.int("AUDITLOG_UNAUTHENTICATED_PER_MINUTE", default=10)
# One log line per SCIM request with its X-Request-Id, status and duration.
AUDITLOG_LOG_REQUESTS = env.bool("AUDITLOG_LOG_REQUESTS", default=True)

# --- Sync Users & Groups and directory utilities (docs/sync.md) -------------------------
# Jira objects written per database transaction, and users asked per Jira page.
SYNC_BATCH_SIZE = env.int("SYNC_BATCH_SIZE", default=500)
SYNC_PAGE_SIZE = env.int("SYNC_PAGE_SIZE", default=1000)
# Groups whose member lists Sync reads from Jira at once (docs/sync.md "Speed").
SYNC_JIRA_READ_CONCURRENCY = env.int("SYNC_JIRA_READ_CONCURRENCY", default=4)
# A running run whose heartbeat is older than this is taken for a crashed worker (seconds).
SYNC_STALE_SECONDS = env.int("SYNC_STALE_SECONDS", default=300)
# A queued run no worker picked up within this is dropped (lost message; seconds).
SYNC_QUEUED_STALE_SECONDS = env.int("SYNC_QUEUED_STALE_SECONDS", default=3600)
# A worker's run writes its heartbeat from a thread this often, even inside a slow Jira call;
# silent for the grace (several beats) on a worker's run means its worker is gone, and a
# redelivered or re-queued task takes the run over (docs/sync.md, "Takeover").
SYNC_HEARTBEAT_SECONDS = env.float("SYNC_HEARTBEAT_SECONDS", default=5.0)
SYNC_TAKEOVER_GRACE_SECONDS = env.float(
    "SYNC_TAKEOVER_GRACE_SECONDS", default=3 * SYNC_HEARTBEAT_SECONDS
)
# Seconds between two sweeps of beat that re-queue runs whose owner is gone.
SYNC_REQUEUE_INTERVAL = env.int("SYNC_REQUEUE_INTERVAL", default=60)
# Redis gives an unacknowledged message (a worker killed whole) to another worker after this.
# It must be at least SYNC_STALE_SECONDS (the redelivered task must find the run stale) and
# above the longest retry back-off, 600 s (a countdown held longer is delivered twice);
# the system check provisioning.E010/W011 says so at start-up.
CELERY_VISIBILITY_TIMEOUT = env.int(
    "CELERY_VISIBILITY_TIMEOUT", default=max(SYNC_STALE_SECONDS, 600) + 300
)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
    # Look for messages past their visibility timeout this often (kombu scans every
    # interval x throttle seconds; the default throttle of 10 would make it 100 s).
    "unacked_restore_interval": env.int("CELERY_UNACKED_RESTORE_INTERVAL", default=10),
    "unacked_restore_throttle": 1,
}
if CELERY_BROKER_URL.startswith("filesystem:"):
    # Producers and the worker share one folder; scimbridge/celery.py creates it owner-only.
    CELERY_BROKER_TRANSPORT_OPTIONS.update(
        {
            "data_folder_in": str(EMBEDDED_BROKER_DIR / "queue"),
            "data_folder_out": str(EMBEDDED_BROKER_DIR / "queue"),
            "control_folder": str(EMBEDDED_BROKER_DIR / "control"),
        }
    )
# Beat's schedule state (last run of each entry) for `celery beat` / `worker -B`.
CELERY_BEAT_SCHEDULE_FILENAME = env.str(
    "CELERY_BEAT_SCHEDULE_FILENAME", default=str(Path(VAR_DIR) / "celerybeat-schedule")
)
# Seconds between two refreshes of last-login info (directories that show it; Jira 11.3+).
SYNC_LAST_LOGIN_INTERVAL = env.int("SYNC_LAST_LOGIN_INTERVAL", default=3600)
# Seconds between two scheduled drift checks of every directory with an enabled SCIM
# configuration (docs/go-live.md); 0 (the default) schedules none.
DRIFT_CHECK_INTERVAL = env.int("DRIFT_CHECK_INTERVAL", default=0)

# --- Alerts (docs/configuration.md "Alerts") -----------------------------------------------
# Recipients of every alert besides the admin's alert channels (email: Django's EMAIL_* mail
# settings, from DEFAULT_FROM_EMAIL); links point at SCIMBRIDGE_PUBLIC_URL.
ALERT_EMAILS = env.list("ALERT_EMAILS", default=[])
ALERT_WEBHOOK_URL = env.str("ALERT_WEBHOOK_URL", default="")
# At most one message per condition within this many minutes.
ALERT_REPEAT_MINUTES = env.int("ALERT_REPEAT_MINUTES", default=60)
# Jira failing (unreachable, timeouts, 5xx) for this long raises an alert.
ALERT_JIRA_FAILING_MINUTES = env.int("ALERT_JIRA_FAILING_MINUTES", default=10)
# Every periodic job in one place (scimbridge/schedule.py), for `celery beat` / `worker -B`.
CELERY_BEAT_SCHEDULE = beat_schedule(
    auditlog_prune=AUDITLOG_PRUNE_INTERVAL,
    last_login=SYNC_LAST_LOGIN_INTERVAL,
    drift_check=DRIFT_CHECK_INTERVAL,
    requeue_stale_runs=SYNC_REQUEUE_INTERVAL,
)
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="scimbridge@localhost")

# --- Metrics (docs/monitoring.md) ---------------------------------------------------------
# Set: GET /metrics needs "Authorization: Bearer <METRICS_TOKEN>". Unset: loopback only, plus
# the addresses or networks of METRICS_ALLOWED_ADDRESSES (comma-separated, e.g. 10.0.0.5/32).
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
METRICS_ALLOWED_ADDRESSES = env.list("METRICS_ALLOWED_ADDRESSES", default=[])

# --- Logging ------------------------------------------------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO").upper()
SCIMBRIDGE_LOG_LEVEL = env.str("SCIMBRIDGE_LOG_LEVEL", default=LOG_LEVEL).upper()
# "plain" (the human format below) or "json": one object per line (scimbridge/logformat.py).
LOG_FORMAT = env.str("LOG_FORMAT", default="plain").lower()
if LOG_FORMAT not in ("plain", "json"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be plain or json, not {LOG_FORMAT!r}")
# In JSON, the worker's lines go through the same handler (Celery's own format otherwise).
CELERY_WORKER_HIJACK_ROOT_LOGGER = LOG_FORMAT != "json"
LOGGING = logging_config(
    level=LOG_LEVEL,
    scimbridge_level=SCIMBRIDGE_LOG_LEVEL,
    log_format=LOG_FORMAT,
    request_level=env.str("DJANGO_REQUEST_LOG_LEVEL", default="ERROR").upper(),
)
