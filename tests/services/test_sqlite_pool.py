"""A SQLite worker's connections: few, one thread trip per statement, never left in a transaction.

db/sqlite_driver.py runs a statement, fetches its rows and closes its cursor
in one call in the connection's thread, and skips a ROLLBACK when SQLite says
no transaction is open. db/engine.py gives a worker's reads a lane of few
connections (SMOOTH_SQLITE_READERS), where further reads wait their turn, and
its writer a connection of its own. These tests show the driver still behaves
as a DB-API connection under SQLAlchemy (rows, row counts, errors, URL
options) while making fewer trips, and that reads queue without holding up
the writer.
"""

from __future__ import annotations

import asyncio
import gc
import threading
from typing import Any

import pytest
from sqlalchemy import event, make_url, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.util import greenlet_spawn

from conftest import make_settings
from smooth_gql.app import create_app
from smooth_gql.auth.principal import local_admin
from smooth_gql.db import sqlite_driver
from smooth_gql.db.engine import IMMEDIATE, create_engine, session_factory
from smooth_gql.db.sqlite_driver import ThreadConnection
from smooth_gql.enums import EntityType
from smooth_gql.runtime import Runtime
from smooth_gql.services import bulk_create, reads
from smooth_gql.services.reads import ListQuery
from smooth_gql.services.users import ensure_local_admin
from smooth_gql.services.write_request import WriteRequest

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


class Trips:
    """Counts the calls a driver connection sends to its thread (every one goes through `call`)."""

    def __init__(self, driver: ThreadConnection) -> None:
        self.count = 0
        self._driver = driver
        self._original = driver.call

    async def _counted(self, fn: Any, *args: Any) -> Any:
        self.count += 1
        return await self._original(fn, *args)

    def __enter__(self) -> Trips:
        self._driver.call = self._counted  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc_info: object) -> None:
        del self._driver.call  # the class's method again


def _driver(conn: AsyncConnection) -> ThreadConnection:
    found = conn.sync_connection.connection.driver_connection  # type: ignore[union-attr]
    assert isinstance(found, ThreadConnection)
    return found


async def test_a_read_is_three_trips_begin_select_rollback(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        with Trips(_driver(conn)) as trips:
            async with conn.begin():
                rows = (await conn.execute(text("SELECT value FROM json_each('[1, 2, 3]')"))).all()
        assert [r.value for r in rows] == [1, 2, 3]
        assert trips.count == 3  # aiosqlite under SQLAlchemy's adapter: BEGIN 3, SELECT 4, ROLLBACK 1


async def test_row_counts_ids_and_many_rows_in_one_statement(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TEMP TABLE probe (id INTEGER PRIMARY KEY, name TEXT UNIQUE)"))
        inserted = await conn.execute(text("INSERT INTO probe (name) VALUES ('a')"))
        assert inserted.lastrowid == 1
        many = await conn.execute(
            text("INSERT INTO probe (name) VALUES (:name)"), [{"name": n} for n in "bcd"]
        )
        assert many.rowcount == 3
        updated = await conn.execute(text("UPDATE probe SET name = name || '!' WHERE id > 2"))
        assert updated.rowcount == 2
        result = await conn.execute(text("SELECT name FROM probe ORDER BY id"))
        assert result.scalars().all() == ["a", "b", "c!", "d!"]


async def test_errors_keep_their_types_and_leave_the_connection_usable(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        await conn.execute(text("CREATE TEMP TABLE probe (name TEXT UNIQUE)"))
        await conn.execute(text("INSERT INTO probe VALUES ('a')"))
        await conn.commit()
        await conn.execute(text("INSERT INTO probe VALUES ('b')"))
        with pytest.raises(IntegrityError, match="UNIQUE"):
            await conn.execute(text("INSERT INTO probe VALUES ('a')"))
        await conn.rollback()
        with pytest.raises(OperationalError, match="no such table"):
            await conn.execute(text("SELECT * FROM nowhere"))
        await conn.rollback()
        assert (await conn.execute(text("SELECT name FROM probe"))).scalars().all() == [
            "a"
        ]  # "b" rolled back


async def test_a_connection_returned_inside_a_transaction_is_rolled_back(engine: AsyncEngine) -> None:
    raw = await engine.raw_connection()
    driver = raw.driver_connection
    assert driver is not None
    await driver.execute("BEGIN IMMEDIATE")  # the write lock, as a failed unit of work might leave it
    assert driver.in_transaction
    await greenlet_spawn(raw.close)  # back to the pool without a rollback of its own
    assert not driver.in_transaction
    async with engine.connect() as conn:  # so another writer gets the lock (held, it would time out)
        writer = await conn.execution_options(**{IMMEDIATE: True})
        async with writer.begin():
            await writer.execute(text("SELECT 1"))


async def test_a_rollback_with_nothing_open_costs_no_trip(engine: AsyncEngine) -> None:
    raw = await engine.raw_connection()
    driver = raw.driver_connection
    assert isinstance(driver, ThreadConnection)
    with Trips(driver) as trips:
        await driver.rollback()
        await greenlet_spawn(raw.close)  # the pool's reset-on-return rolls back too
    assert trips.count == 0


async def test_readers_take_turns_and_a_writer_passes_them(database_url: str) -> None:
    """Two read lanes (the default): reads run two at a time, and a write that arrives behind
    a queue of reads does not wait for them; it has its own connection."""
    engine = create_engine(database_url)
    runtime = Runtime(session_factory(engine), make_settings(database_url))
    await ensure_local_admin(runtime)
    reading = peak = finished = 0

    async def read() -> None:
        nonlocal reading, peak, finished
        async with runtime.sessions() as session:
            reading += 1
            peak = max(peak, reading)
            await session.execute(text("SELECT count(*) FROM tool_items"))
            await asyncio.sleep(0.02)  # a slow read, holding its turn
            reading -= 1
        finished += 1

    try:
        reads = [asyncio.create_task(read()) for _ in range(8)]
        await asyncio.sleep(0)  # every read is waiting or running
        outcome = await bulk_create.create_entities(
            runtime,
            local_admin(),
            WriteRequest(EntityType.TOOL_ITEM, [{"category": "CUTTING_TOOL", "name": "T1"}]),
        )
        assert not outcome.errors
        assert finished < 8  # the write was not queued behind the reads
        await asyncio.gather(*reads)
        assert peak == 2
    finally:
        await engine.dispose()


async def test_a_list_is_one_statement_without_begin(engine: AsyncEngine) -> None:
    """A page and its total are one SELECT, a snapshot of its own: no BEGIN, no ROLLBACK."""
    runtime = Runtime(session_factory(engine), make_settings(str(engine.url)))
    sent: list[str] = []

    def note(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        sent.append(statement.split()[0])

    event.listen(engine.sync_engine, "before_cursor_execute", note)
    try:
        window = await reads.list_window(
            runtime, local_admin(), ListQuery(EntityType.TOOL_ITEM, {}), limit=10, offset=0
        )
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", note)
    assert (window.rows, window.total) == ([], 0)
    assert sent == ["SELECT"]


async def test_url_options_reach_sqlite(database_url: str) -> None:
    path = make_url(database_url).database
    read_only = create_engine(f"sqlite+aiosqlite:///file:{path}?mode=ro&uri=true")
    try:
        async with read_only.connect() as conn:
            assert (await conn.execute(text("SELECT count(*) FROM tool_items"))).scalar_one() == 0
        with pytest.raises(OperationalError, match="readonly"):
            async with read_only.begin() as conn:
                await conn.execute(text("DELETE FROM tool_items"))
    finally:
        await read_only.dispose()


async def test_the_served_app_sizes_its_pool_from_the_setting(database_url: str) -> None:
    """SMOOTH_SQLITE_READERS reaches the engine the app builds: that many read connections
    and one for the writer."""
    app = create_app(make_settings(database_url, sqlite_readers=3))
    async with app.router.lifespan_context(app):
        assert app.state.engine.pool.size() == 4


async def test_a_commit_with_nothing_open_costs_no_trip(engine: AsyncEngine) -> None:
    raw = await engine.raw_connection()
    driver = raw.driver_connection
    assert isinstance(driver, ThreadConnection)
    try:
        with Trips(driver) as trips:
            await driver.commit()
        assert trips.count == 0
        await driver.execute("BEGIN")
        with Trips(driver) as trips:
            await driver.commit()  # one open: it is committed
        assert (trips.count, driver.in_transaction) == (1, False)
    finally:
        await greenlet_spawn(raw.close)


def _sqlite_threads() -> set[threading.Thread]:
    return {thread for thread in threading.enumerate() if thread.name == "sqlite"}


async def test_every_connection_thread_ends_with_its_connection(database_url: str) -> None:
    """A connection is a thread: closing it (here by disposing the engine) ends the thread,
    and so does dropping a connection nobody closed."""
    before = _sqlite_threads()
    engine = create_engine(database_url)
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
    opened = _sqlite_threads() - before
    assert opened
    await engine.dispose()
    dropped = await sqlite_driver.connector(database_url)()
    orphan = _sqlite_threads() - before - opened
    assert (await (await dropped.execute("SELECT 2")).fetchall()) == [(2,)]
    del dropped
    gc.collect()
    for thread in opened | orphan:
        thread.join(timeout=10)  # a bound, not a timing: a live thread fails below
        assert not thread.is_alive()
