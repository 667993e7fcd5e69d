"""The Redis cache backend builds its Redis client once per pool, and behaves as Django's."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import uuid

from scimbridge.cache import RedisCache
from tests.processes import require_redis

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")


def backend() -> RedisCache:
    require_redis(REDIS_URL)
    return RedisCache(REDIS_URL, {"KEY_PREFIX": f"cache-test-{uuid.uuid4().hex[:8]}"})


class TestRedisCache:
    """Django's behaviour, one client."""

    def test_one_client_for_every_operation(self) -> None:
        cache = backend()
        client = cache._cache.get_client()
        assert cache._cache.get_client(write=True) is client
        cache.set("stamp", "a", timeout=30)
        assert cache.get("stamp") == "a"
        assert cache.get_many(["stamp", "missing"]) == {"stamp": "a"}
        assert cache.add("stamp", "b") is False
        cache.delete("stamp")
        assert cache.get("stamp", "gone") == "gone"
        assert cache._cache.get_client() is client

    def test_the_client_is_shared_by_threads(self) -> None:
        cache = backend()
        failures: list[BaseException] = []

        def hammer(n: int) -> None:
            try:
                for i in range(50):
                    cache.set(f"k{n}", i, timeout=30)
                    assert cache.get(f"k{n}") == i
            except BaseException as exc:
                failures.append(exc)

        threads = [threading.Thread(target=hammer, args=(n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not failures


def test_a_redis_cache_url_selects_this_backend() -> None:
    """settings.py replaces Django's Redis backend by this one (same URL and options)."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "scimbridge.settings",
        "DEBUG": "1",
        "CACHE_URL": "redis://127.0.0.1:6379/7",
    }
    script = "from django.conf import settings; print(settings.CACHES['default']['BACKEND'])"
    result = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["scimbridge.cache.RedisCache"]
