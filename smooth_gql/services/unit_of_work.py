"""One transaction per service call; change notifications only after commit."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import TracebackType

from sqlalchemy import text

from ..db.engine import IMMEDIATE, dialect_name, write_queue
from ..runtime import Runtime

# Any constant works; it only has to be the same in every worker.
CHANGE_LOG_LOCK = 0x5A00_7001
USERS_LOCK = 0x5A00_7002  # serializes "is this the first user?" with the insert
CHANNEL = "smooth_changes"  # LISTENed to by changes/pg_listener.py


class UnitOfWork:
    """A write transaction that rolls back unless committed.

    On SQLite the transaction begins IMMEDIATE (the write lock is taken before
    any row is read), on PostgreSQL rows are read FOR UPDATE; either way a
    version check done inside it cannot race another writer. On SQLite the
    writers of this process first wait their turn in the engine's write queue
    (db/engine.py `write_queue`), held from BEGIN to commit or rollback only.
    Its session is opened and closed here, not with `async with`, so it takes
    no read lane: the worker's one writer has a connection of its own.
    """

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime
        self._committed = False
        self._turn: asyncio.Lock | None = None
        self.last_seq: int | None = None

    async def __aenter__(self) -> UnitOfWork:
        self.session = self._runtime.sessions()
        queue = write_queue(self.session.get_bind())
        if queue is not None:
            await queue.acquire()
            self._turn = queue
        try:
            await self.session.connection(execution_options={IMMEDIATE: True})
        except BaseException:
            try:
                await self.session.close()
            finally:
                self._end_turn()
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if not self._committed:
                await self.session.rollback()
        finally:
            try:
                await self.session.close()
            finally:
                self._end_turn()

    def _end_turn(self) -> None:
        """Let the next writer of this process begin (once; commit and exit both call it)."""
        if self._turn is not None:
            self._turn.release()
            self._turn = None

    @property
    def is_postgres(self) -> bool:
        return dialect_name(self.session) == "postgresql"

    async def serialize_change_log(self) -> None:
        """Hold the change-log lock until commit, so seq order is commit order (DESIGN §4)."""
        await self.advisory_lock(CHANGE_LOG_LOCK)

    async def advisory_lock(self, key: int) -> None:
        """On PostgreSQL, hold lock `key` until commit; SQLite's IMMEDIATE transaction already
        serializes every writer."""
        if self.is_postgres:
            await self.session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})

    async def announce(self, seq: int) -> None:
        """Tell every worker about `seq` once this transaction commits (NOTIFY is transactional)."""
        self.last_seq = seq
        if self.is_postgres:
            await self.session.execute(
                text("SELECT pg_notify(:channel, :seq)"), {"channel": CHANNEL, "seq": str(seq)}
            )

    async def commit(self) -> None:
        await self.session.commit()
        self._committed = True
        self._end_turn()
        if self.last_seq is not None and self._runtime.notify is not None:
            self._runtime.notify(self.last_seq)


@asynccontextmanager
async def joined(runtime: Runtime, within: UnitOfWork | None) -> AsyncIterator[UnitOfWork]:
    """The caller's unit of work when it passes one (several bulk writes in one
    transaction, as a tool-table import needs), else a new one of our own."""
    if within is not None:
        yield within
        return
    async with UnitOfWork(runtime) as uow:
        yield uow


async def finish(uow: UnitOfWork, within: UnitOfWork | None) -> None:
    """Commit our own unit of work; a caller's is committed (or rolled back) by the caller."""
    if within is None:
        await uow.commit()
