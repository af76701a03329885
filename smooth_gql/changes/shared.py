"""Work that a worker's followers of the change feed share: each piece done once, awaited by all.

A commit wakes every follower of the worker at once, and followers that ask
the same question of the same change (the same operation and variables, with
the same access) would each do the same work: a read of the entity, an
execution of the selection. `SharedResults` keeps the one task doing it under
a key, for every follower that comes asking.

It keeps a task for at most `max_age` seconds (and at most `capacity` of
them, oldest out first): a follower that comes later does the work anew, so a
shared answer is never much older than its own would have been. A task that
failed is forgotten at once, so a failure is not handed to later followers.
A follower that goes away (a closed WebSocket) cancels only its own wait,
never the shared task.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import Any


class SharedResults:
    def __init__(
        self, *, max_age: float = 1.0, capacity: int = 4096, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._max_age = max_age
        self._clock = clock
        self._capacity = capacity
        self._tasks: OrderedDict[Hashable, tuple[float, asyncio.Future[Any]]] = OrderedDict()
        self.started = 0  # tasks started (for tests and the benchmark: work done, not shared)

    def __len__(self) -> int:
        return len(self._tasks)

    async def get(self, key: Hashable, work: Callable[[], Awaitable[Any]]) -> Any:
        """The result of `work()` under `key`: started here unless a recent task has it already."""
        now = self._clock()
        held = self._tasks.get(key)
        task: asyncio.Future[Any]
        if held is None or now - held[0] > self._max_age:
            # Only a new task makes room and drops the old: every follower of a commit asks once
            # per change, and most find a fresh task, whose age is all they need to check.
            self._expire(now)
            task = asyncio.ensure_future(work())
            task.add_done_callback(lambda done: self._forget_failed(key, done))
            self._tasks[key] = (now, task)
            self.started += 1
        else:
            task = held[1]
        return await asyncio.shield(task)

    def _expire(self, now: float) -> None:
        while self._tasks:
            key, (made, _) = next(iter(self._tasks.items()))
            if now - made <= self._max_age and len(self._tasks) < self._capacity:
                return
            del self._tasks[key]

    def _forget_failed(self, key: Hashable, done: asyncio.Future[Any]) -> None:
        held = self._tasks.get(key)
        if held is not None and held[1] is done and (done.cancelled() or done.exception() is not None):
            del self._tasks[key]
