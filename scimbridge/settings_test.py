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
# Tests exercise absolute URLs built from arbitrary Host headers.
ALLOWED_HOSTS = ["*"]
# Tasks run inside the test's own process unless a test asks for a real worker (the tests
# of the worker and of scripts/start configure their apps themselves).
CELERY_TASK_ALWAYS_EAGER = True
