"""SQLite connections that cost one trip to their thread per statement.

A sqlite3 connection blocks while it works, so each one lives in a thread of
its own and the event loop sends it calls: a queue put, a thread wake-up, a
hand-back to the loop (`call_soon_threadsafe`). That round trip, not SQLite,
was most of what a SQLite read cost the worker under concurrent requests (a
hundred-row page is a 0.2 ms query). aiosqlite's connection, as SQLAlchemy's
adapter drives it, makes four trips per statement (cursor, execute, fetchall,
close) and one more for a ROLLBACK with nothing to roll back.

`ThreadConnection` is that thread and queue, built on the standard library's
public sqlite3, threading and asyncio APIs only, so no release of a
dependency can take its footing away (it used to subclass aiosqlite's
Connection and call its private `_execute`). A statement is executed, its
rows fetched and its sqlite3 cursor closed in one call in the thread, and the
cursor then hands out what that call returned. A rollback or commit outside a
transaction (SQLite says whether one is open) costs nothing. The app reads no
results lazily (no server-side cursors), so nothing is lost by fetching the
rows with the statement.

SQLAlchemy still uses its `sqlite+aiosqlite` dialect (SQL, types, pool) and
wraps this connection in its aiosqlite adapter, which takes it for an
aiosqlite connection: it calls `cursor`, `commit`, `rollback`, `close`,
`create_function` and `stop`, reads `isolation_level`, and, before a commit
or rollback, checks the sqlite3 connection is still open under the name
aiosqlite keeps it in (`_connection`). Its `isolation_level` setter reaches
into aiosqlite's own queue, so the connection is opened in autocommit mode
(`isolation_level=None`, engine.py) and that setter is never used.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Awaitable, Callable, Generator, Iterable
from contextlib import suppress
from queue import SimpleQueue
from typing import Any

from sqlalchemy.dialects.sqlite.aiosqlite import SQLiteDialect_aiosqlite
from sqlalchemy.engine import make_url

_Outcome = tuple[list[Any], Any, int, int | None]  # rows, description, rowcount, lastrowid
Statement = Callable[[sqlite3.Cursor, str, Any], Any]  # sqlite3.Cursor.execute or .executemany
_Call = tuple["asyncio.Future[Any] | None", Callable[..., Any], tuple[Any, ...]]


class _Stop:
    """What a call returns to end its thread once it has answered."""


_STOP = _Stop()


def _serve(calls: SimpleQueue[_Call]) -> None:
    """The connection's thread: runs each call in turn and hands its outcome to the caller's
    loop, until a call returns `_STOP`."""
    while True:
        future, function, args = calls.get()
        try:
            result = function(*args)
        except BaseException as error:  # the caller re-raises it in its own loop
            _answer(future, _fail, error)
            if function is _close:
                return  # the connection is given up on either way
            continue
        _answer(future, _succeed, result)
        if result is _STOP:
            return


def _answer(future: asyncio.Future[Any] | None, settle: Callable[..., None], outcome: Any) -> None:
    if future is None:
        return
    with suppress(RuntimeError):  # its loop is closed: nobody is waiting any more
        future.get_loop().call_soon_threadsafe(settle, future, outcome)


def _succeed(future: asyncio.Future[Any], result: Any) -> None:
    if not future.done():  # its awaiter may have been cancelled meanwhile
        future.set_result(result)


def _fail(future: asyncio.Future[Any], error: BaseException) -> None:
    if not future.done():
        future.set_exception(error)


class OneTripCursor:
    """The cursor protocol SQLAlchemy's aiosqlite adapter uses with client-side cursors (it
    fetches everything with `fetchall`), one thread trip per statement."""

    arraysize = 1

    def __init__(self, connection: ThreadConnection) -> None:
        self._connection = connection
        self._rows: list[Any] = []
        self.description: Any = None
        self.rowcount = -1
        self.lastrowid: int | None = None

    async def __aenter__(self) -> OneTripCursor:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def execute(self, sql: str, parameters: Any = None) -> OneTripCursor:
        await self._run(sqlite3.Cursor.execute, sql, () if parameters is None else parameters)
        return self

    async def executemany(self, sql: str, parameters: Iterable[Any]) -> OneTripCursor:
        await self._run(sqlite3.Cursor.executemany, sql, parameters)
        return self

    async def _run(self, method: Statement, sql: str, parameters: Any) -> None:
        outcome = await self._connection.call(_statement, method, sql, parameters)
        self._rows, self.description, self.rowcount, self.lastrowid = outcome

    async def fetchone(self) -> Any:
        return self._rows.pop(0) if self._rows else None

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        count = self.arraysize if size is None else size
        rows, self._rows = self._rows[:count], self._rows[count:]
        return rows

    async def fetchall(self) -> list[Any]:
        rows, self._rows = self._rows, []
        return rows

    async def close(self) -> None:
        self._rows = []


def _statement(conn: sqlite3.Connection, method: Statement, sql: str, parameters: Any) -> _Outcome:
    """Runs in the connection's thread: the whole life of one sqlite3 cursor."""
    cursor = conn.cursor()
    try:
        method(cursor, sql, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else []
        return rows, description, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


def _close(conn: sqlite3.Connection) -> _Stop:
    conn.close()
    return _STOP


class ThreadConnection:
    """A sqlite3 connection in a thread of its own, driven from the event loop.

    Await it once to start the thread and open the database there; every
    later use of the sqlite3 connection happens in that thread, through
    `call`, one call at a time in the order sent.
    """

    def __init__(self, connect: Callable[[], sqlite3.Connection]) -> None:
        self._connect = connect
        self._calls: SimpleQueue[_Call] = SimpleQueue()
        # A daemon: an engine that is never disposed must not keep the process from exiting.
        self._thread = threading.Thread(target=_serve, args=(self._calls,), name="sqlite", daemon=True)
        # The open sqlite3 connection, None before and after. SQLAlchemy's aiosqlite adapter
        # reads it under this name (aiosqlite's) before a commit or rollback.
        self._connection: sqlite3.Connection | None = None

    def __await__(self) -> Generator[Any, None, ThreadConnection]:
        return self._open().__await__()

    async def _open(self) -> ThreadConnection:
        self._thread.start()
        try:
            self._connection = await self._send(self._connect)
        except BaseException:
            self._calls.put((None, lambda: _STOP, ()))
            raise
        return self

    def _send(self, function: Callable[..., Any], *args: Any) -> asyncio.Future[Any]:
        future = asyncio.get_running_loop().create_future()
        self._calls.put((future, function, args))
        return future

    async def call(self, function: Callable[..., Any], *args: Any) -> Any:
        """`function(sqlite3_connection, *args)` in this connection's thread: one trip."""
        conn = self._connection
        if conn is None:
            raise sqlite3.ProgrammingError("Cannot operate on a closed database.")
        return await self._send(function, conn, *args)

    @property
    def in_transaction(self) -> bool:
        """SQLite's own word (sqlite3_get_autocommit), readable from any thread."""
        return self._connection is not None and self._connection.in_transaction

    @property
    def isolation_level(self) -> str | None:
        return None if self._connection is None else self._connection.isolation_level

    def cursor(self) -> OneTripCursor:
        """No trip: the sqlite3 cursor is made with the statement, in the thread."""
        return OneTripCursor(self)

    async def execute(self, sql: str, parameters: Any = None) -> OneTripCursor:
        return await self.cursor().execute(sql, parameters)

    async def commit(self) -> None:
        if self.in_transaction:  # sqlite3's commit does nothing otherwise
            await self.call(sqlite3.Connection.commit)

    async def rollback(self) -> None:
        if self.in_transaction:
            await self.call(sqlite3.Connection.rollback)

    async def create_function(
        self, name: str, num_params: int, func: Callable[..., Any], *, deterministic: bool = False
    ) -> None:
        await self.call(_create_function, name, num_params, func, deterministic)

    async def close(self) -> None:
        """Closes the database and ends the thread; closing twice does nothing."""
        conn, self._connection = self._connection, None
        if conn is not None:
            await self._send(_close, conn)

    def stop(self) -> None:
        """Ends the thread without waiting (SQLAlchemy's terminate, when `close` cannot run);
        calls already sent run first."""
        conn, self._connection = self._connection, None
        if conn is not None:
            self._calls.put((None, _close, (conn,)))

    def __del__(self) -> None:
        self.stop()  # a connection dropped unclosed still ends its thread


def _create_function(
    conn: sqlite3.Connection, name: str, num_params: int, func: Callable[..., Any], deterministic: bool
) -> None:
    conn.create_function(name, num_params, func, deterministic=deterministic)


def connector(url: str, **connect_args: Any) -> Callable[[], Awaitable[ThreadConnection]]:
    """An `async_creator` for the engine: the URL's own connect arguments (file, `uri=true`,
    its query options) as SQLAlchemy's dialect reads them, plus `connect_args`."""
    [database], keywords = SQLiteDialect_aiosqlite().create_connect_args(make_url(url))
    keywords = {**keywords, **connect_args}

    def connect() -> sqlite3.Connection:
        connection: sqlite3.Connection = sqlite3.connect(database, **keywords)
        return connection

    async def create() -> ThreadConnection:
        return await ThreadConnection(connect)  # starts its thread and opens the database there

    return create
