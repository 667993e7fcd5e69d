"""Django's Redis cache backend, keeping one client object per connection pool.

Django's client builds a new `redis.Redis` around its pool for every call; building one
(its table of response callbacks) cost half the CPU of the one MGET each SCIM request makes
(147 µs through Django, 72 µs with a kept client). A `redis.Redis` is safe to share between
threads (each command takes a connection from the pool), and pools are per process.
"""

from __future__ import annotations

from typing import Any

from django.core.cache.backends import redis


class RedisCacheClient(redis.RedisCacheClient):
    """Django's client, handing out one kept `redis.Redis` per pool."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """As Django's; no client is built before it is needed."""
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        """The kept client of the pool Django would pick."""
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            if index not in self._pools:
                self._pools[index] = self._pool_class.from_url(
                    self._servers[index], **self._pool_options
                )
            client = self._clients[index] = self._client(connection_pool=self._pools[index])
        return client


class RedisCache(redis.RedisCache):
    """`django.core.cache.backends.redis.RedisCache` with the kept client."""

    def __init__(self, server: Any, params: dict[str, Any]) -> None:
        """As Django's."""
        super().__init__(server, params)
        self._class = RedisCacheClient
