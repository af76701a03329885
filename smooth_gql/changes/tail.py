"""One reader of the change log per worker, shared by every follower in it.

Each commit would otherwise be read by every follower on its own: with a
hundred subscribers, a hundred small queries (pool checkout, BEGIN, SELECT,
ROLLBACK) per commit, which is what made delivery slow. Instead the tail reads
the new rows once per wake-up, unfiltered, into a bounded buffer of recent
rows, and followers that are caught up take their rows from there, filtered in
memory by the access policy (auth/policy.py keeps that predicate beside its SQL
twin, and a test holds the two to the same answers).

The buffer holds every row with `floor < seq <= position`. A follower behind
`floor` (a slow reader the buffer has moved past, or one resuming an old
cursor) reads the log itself, filtered in SQL, until it reaches the buffer. So
a slow follower never holds up a writer, the tail or another follower, and
never loses a change: it only pays for its own catching up.

Rows below `position` are all committed: the tail reads up to the head that a
commit (or a PostgreSQL NOTIFY, sent on commit) announced, and change-log
appends are serialized until commit (services/unit_of_work.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from bisect import bisect_right
from collections.abc import Iterator, Mapping
from typing import Any

from sqlalchemy import func, select

from ..db import models
from ..db.queries import mappings
from ..runtime import Runtime
from .broadcaster import Broadcaster
from .shared import SharedResults

CHANGES = models.table_of(models.ChangeLog)
Row = Mapping[str, Any]
log = logging.getLogger("smooth_gql.changes")


class Behind(Exception):
    """The follower's position is older than the buffer: it must read the log itself."""


async def log_head(runtime: Runtime) -> int:
    """The newest seq in the log, of any tenant (a start point; never shown to a client)."""
    async with runtime.sessions() as session:
        return int((await session.execute(select(func.max(CHANGES.c.seq)))).scalar() or 0)


class LogTail:
    def __init__(
        self,
        runtime: Runtime,
        announced: Broadcaster,
        *,
        capacity: int = 4096,
        batch: int = 500,
        retry_seconds: float = 1.0,
        idle_seconds: float = 60.0,
    ) -> None:
        self._runtime = runtime
        self._announced = announced  # moved by commits here and NOTIFYs from other workers
        self._capacity = capacity
        self._batch = batch
        self._retry = retry_seconds
        self._idle = idle_seconds
        self._rows: list[Row] = []
        self._floor = 0
        self._position = 0
        self._followers = 0
        self._moved = Broadcaster()  # wakes this worker's followers when the tail has read more
        self._task: asyncio.Task[None] | None = None
        self.shared = SharedResults()  # work this worker's followers do once for all (shared.py)

    @property
    def position(self) -> int:
        return self._position

    @property
    def floor(self) -> int:
        return self._floor

    @property
    def closed(self) -> bool:
        return self._moved.closed

    async def start(self) -> None:
        self._floor = self._position = await log_head(self._runtime)
        self._task = asyncio.create_task(self._run(), name="smooth-gql change-log tail")

    async def stop(self) -> None:
        """Shutdown: every follower wakes and its subscription ends cleanly."""
        self._moved.close()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    @contextlib.contextmanager
    def following(self) -> Iterator[None]:
        """Counts a follower in; with none, the tail skips reading instead of filling the buffer."""
        self._followers += 1
        try:
            yield
        finally:
            self._followers -= 1

    def next_after(self, seq: int) -> Row | None:
        """The first buffered row after `seq`; None when caught up; Behind when older than the buffer."""
        if seq < self._floor:
            raise Behind
        index = bisect_right(self._rows, seq, key=_seq)
        return self._rows[index] if index < len(self._rows) else None

    async def wait_beyond(self, seq: int, timeout: float) -> None:
        await self._moved.wait_beyond(seq, timeout)

    async def _run(self) -> None:
        while not self._moved.closed:
            await self._announced.wait_beyond(self._position, timeout=self._idle)
            if self._announced.closed:
                self._moved.close()
                return
            try:
                head = self._announced.head
                if head <= self._position:
                    # Quiet for a while: look for commits nobody announced here (on SQLite,
                    # writes through another worker; PostgreSQL's listener also checks).
                    head = await log_head(self._runtime)
                await self._advance(head)
            except Exception:  # the database may be away; followers wait, the tail retries
                log.exception("reading the change log failed; retrying")
                await asyncio.sleep(self._retry)

    async def _advance(self, head: int) -> None:
        while head > self._position:
            if not self._followers:
                # Nobody to serve: skip the read; a follower arriving later starts at or after here.
                self._rows.clear()
                self._floor = self._position = head
                return
            async with self._runtime.sessions() as session:
                rows = mappings(
                    await session.execute(
                        select(CHANGES)
                        .where(CHANGES.c.seq > self._position, CHANGES.c.seq <= head)
                        .order_by(CHANGES.c.seq)
                        .limit(self._batch)
                    )
                )
            self._rows.extend(rows)
            self._position = head if len(rows) < self._batch else int(rows[-1]["seq"])
            self._trim()
            self._moved.publish(self._position)

    def _trim(self) -> None:
        """Keep about `capacity` rows (trimmed in halves, so appends stay cheap)."""
        if len(self._rows) > 2 * self._capacity:
            dropped = len(self._rows) - self._capacity
            self._floor = int(self._rows[dropped - 1]["seq"])
            del self._rows[:dropped]


def _seq(row: Row) -> int:
    return int(row["seq"])
