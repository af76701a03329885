"""Wakes the followers of the change log in this process.

It carries no events, only the newest `seq` it has heard of: the log is the
source of truth and every follower reads it from its own cursor. So a slow
follower never holds up a writer or another follower (there is no buffer to
overflow), and a missed or extra wake-up costs one read, never a lost or
repeated change.
"""

from __future__ import annotations

import asyncio
import contextlib


class Broadcaster:
    def __init__(self) -> None:
        self._head = 0
        self._moved = asyncio.Event()
        self._closed = False

    @property
    def head(self) -> int:
        return self._head

    @property
    def closed(self) -> bool:
        return self._closed

    def publish(self, seq: int) -> None:
        """Called on the event loop after a commit (or a NOTIFY) with the new seq."""
        if seq > self._head:
            self._head = seq
            self._wake()

    async def wait_beyond(self, seen: int, timeout: float) -> None:
        """Return once the head moves past `seen`, after `timeout`, or at shutdown."""
        if self._head > seen or self._closed:
            return
        moved = self._moved
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(moved.wait(), timeout)

    def close(self) -> None:
        """Shutdown: wake every follower so subscriptions end cleanly."""
        self._closed = True
        self._wake()

    def _wake(self) -> None:
        moved, self._moved = self._moved, asyncio.Event()
        moved.set()
