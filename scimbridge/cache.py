"""Django's Redis cache backend, with one Redis client per connection pool instead of per call.

Django's `RedisCacheClient` builds a `redis.Redis` for every operation; its constructor
(the table of response callbacks) costs about twice a GET on a local Redis, and every SCIM
request reads several stamps (credentials, customizations, the audit switch). A
`redis.Redis` is safe to share between threads (each command takes a connection from the
pool), so the client is built once per pool; the pools are Django's own.
"""

from __future__ import annotations

from typing import Any

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class KeptRedisCacheClient(RedisCacheClient):
    """`RedisCacheClient` whose `get_client` returns the same client for the same pool."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """As Django's; no client is built before it is needed."""
        super().__init__(*args, **kwargs)
        self._clients: dict[Any, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        """The client of the pool Django would pick (built on first use)."""
        pool = self._get_connection_pool(write)
        client = self._clients.get(pool)
        if client is None:
            client = self._clients[pool] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    """Django's Redis cache with `KeptRedisCacheClient`."""

    def __init__(self, server: Any, params: dict[str, Any]) -> None:
        """As Django's."""
        super().__init__(server, params)
        self._class = KeptRedisCacheClient
