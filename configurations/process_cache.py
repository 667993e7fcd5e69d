"""Process-local caches of what every SCIM request reads: credentials, directory settings.

Each process keeps what it loaded for a short time (`SCIM_CONFIG_CACHE_SECONDS`) and drops
it at once when the cache's *generation* changes. The generation is a random stamp in
Django's cache, replaced after every commit that changes what the cache holds (credential
rotated, configuration disabled or deleted, site or directory changed): with a shared cache
(`CACHE_URL` on Redis, as docs/deployment.md asks for several processes) every process sees
the new stamp on its next request; with the in-process default only the process that made
the change does, and the others within the TTL. Reading the stamp is a cache read, never a
database query. Misses are never cached (an unknown token always costs its query), and a
cached value is copied for each caller, so that no request sees another's changes.

Within a `stamp_snapshot()` block (every SCIM request: auditlog's middleware opens one) the
stamps of all process caches, and the other shared keys registered with `snapshot_key`, are
read together on first use: one `get_many` (a single Redis MGET) per request instead of one
round trip per cache. A stamp this process moves inside the block is updated in the snapshot.
"""

from __future__ import annotations

import pickle
import threading
import time
import uuid
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

T = TypeVar("T")

# Entries a process keeps per cache at most; past it the cache starts again empty.
MAX_ENTRIES = 1000

# Shared keys read with the stamps in one round trip: every cache's, and those registered.
_SNAPSHOT_KEYS: list[str] = []
# The values read for the block in progress in this thread/task; None outside a block, and
# an empty dict until the first read fills it.
_snapshot: ContextVar[dict[str, Any] | None] = ContextVar("process_cache_snapshot", default=None)


def snapshot_key(key: str) -> str:
    """Register a key of Django's cache to be read with the stamps (returns `key`)."""
    if key not in _SNAPSHOT_KEYS:
        _SNAPSHOT_KEYS.append(key)
    return key


@contextmanager
def stamp_snapshot() -> Iterator[None]:
    """Within the block, read every registered key once, all in one `get_many`, on first use."""
    token = _snapshot.set({})
    try:
        yield
    finally:
        _snapshot.reset(token)


def shared_get(key: str) -> Any:
    """`cache.get(key)`, from the block's snapshot inside a `stamp_snapshot()` block."""
    snapshot = _snapshot.get()
    if snapshot is None or key not in _SNAPSHOT_KEYS:
        return cache.get(key)
    if not snapshot:
        snapshot.update(cache.get_many(_SNAPSHOT_KEYS))
        # Marks the snapshot read even when no key is set (a fresh cache).
        snapshot.setdefault("", None)
    return snapshot.get(key)


def shared_set(key: str, value: Any, timeout: float | None) -> None:
    """`cache.set(...)`, and the block's snapshot sees the new value."""
    cache.set(key, value, timeout=timeout)
    snapshot = _snapshot.get()
    if snapshot:
        snapshot[key] = value


@dataclass(frozen=True)
class _Entry:
    # Pickled: unpickling is the cheapest deep copy of a model instance and its relations.
    value: bytes
    generation: Any
    loaded_at: float


class ProcessCache(Generic[T]):
    """A keyed process-local cache, TTL-bounded and invalidated through a shared stamp."""

    def __init__(self, name: str, *, ttl_setting: str = "SCIM_CONFIG_CACHE_SECONDS") -> None:
        """`name` keys the shared stamp; `ttl_setting` names the setting holding the TTL."""
        self.generation_key = snapshot_key(f"scimbridge-generation:{name}")
        self.ttl_setting = ttl_setting
        self._entries: dict[Hashable, _Entry] = {}
        self._lock = threading.Lock()
        _ALL.append(self)

    def ttl(self) -> float:
        """How long an entry may serve without reloading, in seconds (0 turns caching off)."""
        return float(getattr(settings, self.ttl_setting))

    def generation(self) -> Any:
        """The current stamp: read it before computing what `put` will store."""
        return shared_get(self.generation_key)

    def get(self, key: Hashable, load: Callable[[], T | None]) -> T | None:
        """The value for `key`: cached when fresh, else `load()` (None is not cached)."""
        if self.ttl() <= 0:
            return load()
        # The stamp is read before loading: a change committed during the load replaces
        # the stamp afterwards, so what was loaded is never served under the new one.
        generation = self.generation()
        found = self.peek(key, generation)
        if found is not None:
            return found
        value = load()
        self.put(key, value, generation)
        return value

    def peek(self, key: Hashable, generation: Any) -> T | None:
        """The fresh value cached for `key` under `generation`, else None."""
        entry = self._entries.get(key)
        if entry is None or entry.generation != generation:
            return None
        if time.monotonic() - entry.loaded_at >= self.ttl():
            return None
        return pickle.loads(entry.value)  # noqa: S301 - pickled by this process

    def put(self, key: Hashable, value: T | None, generation: Any) -> None:
        """Keep `value` (computed after reading `generation`); None is never kept."""
        if value is None or self.ttl() <= 0:
            return
        with self._lock:
            if len(self._entries) >= MAX_ENTRIES:
                self._entries.clear()
            self._entries[key] = _Entry(pickle.dumps(value), generation, time.monotonic())

    def clear(self) -> None:
        """Drop this process's entries only (tests: a rolled-back test moves no stamp)."""
        with self._lock:
            self._entries.clear()

    def invalidate(self) -> None:
        """Drop every entry: here at once, and in every process (the stamp) after commit.

        A value reloaded by another thread before the commit was read under the old stamp
        and is dropped when the stamp moves; a change rolled back only cost a reload.
        """
        self.clear()
        transaction.on_commit(self._invalidate_now)

    def _invalidate_now(self) -> None:
        self.clear()
        shared_set(self.generation_key, uuid.uuid4().hex, timeout=None)


_ALL: list[ProcessCache[Any]] = []


def clear_all() -> None:
    """Drop the entries of every process cache of this process (tests, between tests)."""
    for process_cache in _ALL:
        process_cache.clear()
