"""Settings for the test suite: the production settings with test-only defaults."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-never-used-in-production")

from .settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# One process per test run: its in-process cache is the shared one, so the process caches
# of credentials and lists are on, as in production with Redis.
SCIM_CONFIG_CACHE_SECONDS = 5.0
SCIM_LIST_CACHE_SECONDS = 60.0
# Tests exercise absolute URLs built from arbitrary Host headers.
ALLOWED_HOSTS = ["*"]
# Tasks run inside the test's own process unless a test asks for a real worker (the tests
# of the worker and of scripts/start configure their apps themselves).
CELERY_TASK_ALWAYS_EAGER = True
