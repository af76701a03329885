"""API keys recently checked, so a bridge's every request does not read its key again.

A request with an API key used to cost a session, a read of the key and its
owner, and the digest comparison: on a small operation, as much as the
operation itself. A key that checked out is kept here, under the SHA-256 of
its secret (never the secret), for `SMOOTH_API_KEY_CACHE_SECONDS`; within
that time the same secret is the same principal without a read. `0` turns
the cache off.

What must end a key at once ends it here too: this worker's revocation of a
key, any change to an account (deactivation), and a backup restore (which
replaces keys and accounts) forget every cached key (`forget_all`). Another
worker's changes (`--workers N`, or a CLI restore beside a running server)
reach this one once its entries are older than the setting. A key's own
expiry is checked on every hit. Only keys that checked out are kept: an
unknown or refused secret is read every time, as before.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime
from weakref import WeakKeyDictionary

from ..auth.principal import Principal
from ..runtime import Runtime

MAX_KEYS = 1024  # distinct keys kept per database; the least recently used leaves first


class KeyCache:
    """Principals by secret digest, each with the monotonic time it was read from the database."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self.clock = clock  # monotonic seconds; a test may set its own
        self._entries: OrderedDict[str, tuple[Principal, float]] = OrderedDict()
        # Counts `forget_all` calls: a principal read before one is not put back after it.
        self.generation = 0

    def get(self, digest: str, now: datetime) -> Principal | None:
        """The principal read for this digest within `seconds`, unless its key has expired."""
        entry = self._entries.get(digest)
        if entry is None:
            return None
        principal, read_at = entry
        expired = principal.expires_at is not None and principal.expires_at <= now
        if expired or self.clock() - read_at >= self.seconds:
            del self._entries[digest]
            return None
        self._entries.move_to_end(digest)
        return principal

    def put(self, digest: str, principal: Principal, generation: int) -> None:
        """Keep `principal`, read from the database when the cache was at `generation`."""
        if self.seconds <= 0 or generation != self.generation:
            return
        self._entries[digest] = (principal, self.clock())
        self._entries.move_to_end(digest)
        while len(self._entries) > MAX_KEYS:
            self._entries.popitem(last=False)

    def forget_all(self) -> None:
        self._entries.clear()
        self.generation += 1

    def __len__(self) -> int:
        return len(self._entries)


_CACHES: WeakKeyDictionary[object, KeyCache] = WeakKeyDictionary()


def cache_of(runtime: Runtime) -> KeyCache:
    """The cache of the database `runtime` reaches (one per session factory, so per app)."""
    cache = _CACHES.get(runtime.sessions)
    if cache is None:
        cache = _CACHES[runtime.sessions] = KeyCache(runtime.settings.api_key_cache_seconds)
    return cache


def forget_all(runtime: Runtime) -> None:
    """After a change that may end a key (revocation, an account's change, a restore)."""
    cache_of(runtime).forget_all()
