"""A rising `seq` that tasks can wait on: how commits wake readers of the change log.

It carries no events, only the newest `seq` it has heard of: the log is the
source of truth. Commits in this process and NOTIFYs from other workers move
one broadcaster, which wakes the worker's log tail (tail.py); the tail moves a
second one as it reads, which wakes the followers. A missed or extra wake-up
costs one read, never a lost or repeated change.
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
        # A timeout scope, not `wait_for`: every follower waits here after every commit, and
        # `wait_for` (Python 3.11) wraps the wait in a task of its own each time.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await moved.wait()

    def close(self) -> None:
        """Shutdown: wake every waiter so subscriptions end cleanly."""
        self._closed = True
        self._wake()

    def _wake(self) -> None:
        moved, self._moved = self._moved, asyncio.Event()
        moved.set()
