"""The Redis cache backend: Django's behaviour, with one kept client per pool."""

from __future__ import annotations

import os
import threading
import uuid

from scimbridge.cachebackends import RedisCache

from .processes import require_redis

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")


def test_reads_and_writes_through_one_kept_client() -> None:
    require_redis(REDIS_URL)
    cache = RedisCache(REDIS_URL, {"KEY_PREFIX": f"test-{uuid.uuid4().hex}"})
    assert cache._cache.get_client() is cache._cache.get_client(write=True)
    cache.set("a", {"n": 1}, timeout=30)
    cache.set("b", 2, timeout=30)
    assert cache.get("a") == {"n": 1}
    assert cache.get_many(["a", "b", "missing"]) == {"a": {"n": 1}, "b": 2}
    assert cache.add("a", 3) is False
    assert cache.incr("b") == 3
    cache.delete_many(["a", "b"])
    assert cache.get_many(["a", "b"]) == {}


def test_the_kept_client_serves_threads_at_once() -> None:
    require_redis(REDIS_URL)
    cache = RedisCache(REDIS_URL, {"KEY_PREFIX": f"test-{uuid.uuid4().hex}"})
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(50):
                cache.set(f"k{n}-{i}", i, timeout=30)
                assert cache.get(f"k{n}-{i}") == i
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
