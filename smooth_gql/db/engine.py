"""Engine and session factory, with each dialect's quirks kept in this one module."""

from __future__ import annotations

import asyncio
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from ..config import SQLITE_CONNECTIONS
from ..json_codec import loads
from . import sqlite_driver

# Execution option a write unit of work sets so SQLite takes the write lock at BEGIN.
IMMEDIATE = "smooth_begin_immediate"


def create_engine(
    url: str,
    *,
    sqlite_busy_timeout_ms: int = 30_000,
    sqlite_connections: int = SQLITE_CONNECTIONS,
    echo: bool = False,
) -> AsyncEngine:
    """Build the one engine of a process (created in the app lifespan or the CLI).

    JSON columns are decoded by `json_codec.loads`: the standard library's
    values, mostly at orjson's speed (a tool item has up to five of them).

    A SQLite worker gets few connections, each kept open (a thread, the
    pragmas, the functions: cheap to keep, not to make), and requests beyond
    them wait their turn in the pool. Every connection is a thread of its own,
    and threads that all want the one interpreter lock only take it from each
    other: 16 concurrent lists of 100 items cost the worker 5.1 ms of CPU each
    over 20 connections, 2.7 ms over two, and the two served more requests a
    second. Two, so that a read never waits for a write to finish (writers of
    a worker take one connection at a time, db/engine `write_queue`).
    """
    if url.startswith("sqlite"):
        engine = create_async_engine(
            url,
            echo=echo,
            json_deserializer=loads,
            pool_size=sqlite_connections,
            max_overflow=0,
            async_creator=sqlite_driver.connector(url, timeout=sqlite_busy_timeout_ms / 1000),
        )
        _configure_sqlite(engine, sqlite_busy_timeout_ms)
        return engine
    return create_async_engine(
        url, echo=echo, json_deserializer=loads, pool_size=10, max_overflow=20, pool_pre_ping=True
    )


def _configure_sqlite(engine: AsyncEngine, busy_timeout_ms: int) -> None:
    """WAL, foreign keys, and transactions we begin ourselves.

    pysqlite defers BEGIN until the first write, which lets two writers both
    read a row's version before either locks; it also breaks SAVEPOINT. So the
    driver is put in autocommit mode and BEGIN is emitted here: DEFERRED for
    reads, IMMEDIATE for writes (the version check then cannot race).
    """

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
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
        immediate = conn.get_execution_options().get(IMMEDIATE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


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


def _unicode_lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


def dialect_name(session: AsyncSession) -> str:
    return session.get_bind().dialect.name
