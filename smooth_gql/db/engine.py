"""Engine and session factory, with each dialect's quirks kept in this one module."""

from __future__ import annotations

import asyncio
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from ..config import SQLITE_READERS
from ..json_codec import loads
from . import sqlite_driver

# Execution option a write unit of work sets so SQLite takes the write lock at BEGIN.
IMMEDIATE = "smooth_begin_immediate"
# Execution option of a read that is one statement: on SQLite it needs no BEGIN (_on_begin).
ONE_STATEMENT = "smooth_one_statement"


def create_engine(
    url: str,
    *,
    sqlite_busy_timeout_ms: int = 30_000,
    sqlite_readers: int = SQLITE_READERS,
    echo: bool = False,
) -> AsyncEngine:
    """Build the one engine of a process (created in the app lifespan or the CLI).

    JSON columns are decoded by `json_codec.loads`: the standard library's
    values, mostly at orjson's speed (a tool item has up to five of them).

    A SQLite worker keeps few connections open (each is a thread, with the
    pragmas and functions set up: cheap to keep, not to make): its reads take
    turns on `sqlite_readers` of them (`read_lane`), and its one writer at a
    time (`write_queue`) has its own, so a write never waits for reads. Every
    connection is a thread, and threads that all want the interpreter lock
    mostly take it from each other: 16 concurrent lists of 100 items cost a
    served worker 4.5 ms of CPU each over 20 connections and 2.3 ms over one.
    Two readers cost a little more than one, but one read runs while the
    other's rows are being shaped, and under a mix of reads and writes a read
    is not stuck behind a queue of others (bench --load: reads' median 17 ms
    with two, 137 ms with one).
    """
    if url.startswith("sqlite"):
        engine = create_async_engine(
            url,
            echo=echo,
            json_deserializer=loads,
            pool_size=sqlite_readers + 1,  # and one for the writer
            max_overflow=0,
            async_creator=sqlite_driver.connector(
                url, timeout=sqlite_busy_timeout_ms / 1000, isolation_level=None
            ),
        )
        _configure_sqlite(engine, sqlite_busy_timeout_ms)
        _READERS[engine.sync_engine] = sqlite_readers
        return engine
    return create_async_engine(
        url, echo=echo, json_deserializer=loads, pool_size=10, max_overflow=20, pool_pre_ping=True
    )


def _configure_sqlite(engine: AsyncEngine, busy_timeout_ms: int) -> None:
    """WAL, foreign keys, and transactions we begin ourselves.

    pysqlite defers BEGIN until the first write, which lets two writers both
    read a row's version before either locks; it also breaks SAVEPOINT. So the
    driver is opened in autocommit mode (`isolation_level=None`, passed to
    sqlite3.connect by create_engine) and BEGIN is emitted here: DEFERRED for
    reads, IMMEDIATE for writes (the version check then cannot race).
    """

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
        # SQLite's own lower() folds ASCII only; text filters ("Fräser" vs "FRÄSER")
        # must match the way they do on PostgreSQL.
        dbapi_connection.create_function("lower", 1, _unicode_lower, deterministic=True)

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        """A read of ONE_STATEMENT gets no BEGIN: SQLite runs a lone statement in a read
        transaction of its own, the same snapshot, two trips to the driver's thread fewer
        (BEGIN, and the ROLLBACK that then has nothing to end)."""
        options = conn.get_execution_options()
        if options.get(ONE_STATEMENT, False):
            return
        conn.exec_driver_sql("BEGIN IMMEDIATE" if options.get(IMMEDIATE, False) else "BEGIN")


_WRITE_QUEUES: WeakKeyDictionary[Engine, WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock]] = (
    WeakKeyDictionary()
)


def write_queue(bind: Engine | Connection) -> asyncio.Lock | None:
    """The queue this process's SQLite writers wait in before BEGIN IMMEDIATE; None elsewhere.

    Without it, concurrent writers of one worker all race for SQLite's write
    lock and the losers sleep in its busy handler, whose sleeps grow (up to
    100 ms a try), so an unlucky writer can wait seconds while others pass.
    An asyncio.Lock hands the turn over in arrival order the moment the holder
    commits. The busy timeout still covers writers in other processes. One
    lock per engine and event loop: a Lock belongs to the loop it first waits on.
    """
    if bind.dialect.name != "sqlite":
        return None
    loop = asyncio.get_running_loop()
    per_loop = _WRITE_QUEUES.setdefault(bind.engine, WeakKeyDictionary())
    lock = per_loop.get(loop)
    if lock is None:
        lock = per_loop[loop] = asyncio.Lock()
    return lock


_READERS: WeakKeyDictionary[Engine, int] = WeakKeyDictionary()
_READ_LANES: WeakKeyDictionary[Engine, WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore]] = (
    WeakKeyDictionary()
)


def read_lane(bind: Engine | Connection) -> asyncio.Semaphore | None:
    """What this process's SQLite readers take turns on (`sqlite_readers` at a time); None
    elsewhere. Taken before a connection, so waiting readers hold none (the writer's stays free)."""
    readers = _READERS.get(bind.engine)
    if readers is None:
        return None
    loop = asyncio.get_running_loop()
    per_loop = _READ_LANES.setdefault(bind.engine, WeakKeyDictionary())
    lane = per_loop.get(loop)
    if lane is None:
        lane = per_loop[loop] = asyncio.Semaphore(readers)
    return lane


class LanedSession(AsyncSession):
    """A session that, used as `async with sessions() as session`, first waits for a SQLite
    read lane and gives it back once closed. The unit of work (the one writer of a worker,
    services/unit_of_work.py) opens and closes its session itself and takes no lane."""

    _lane: asyncio.Semaphore | None = None

    async def __aenter__(self) -> LanedSession:
        bind = self.get_bind()
        lane = read_lane(bind) if bind is not None else None
        if lane is not None:
            await lane.acquire()
            self._lane = lane
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        try:
            await super().__aexit__(*exc_info)
        finally:
            if self._lane is not None:
                self._lane.release()
                self._lane = None


def _unicode_lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, class_=LanedSession, expire_on_commit=False, autoflush=False)


def dialect_name(session: AsyncSession) -> str:
    return session.get_bind().dialect.name
