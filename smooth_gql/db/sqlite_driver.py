"""aiosqlite connections that cost one trip to their thread per statement.

aiosqlite runs each SQLite connection in a thread of its own, and every call
on it is a trip there and back: a queue put, a thread wake-up, a hand-back to
the event loop. SQLAlchemy's adapter makes four such calls per statement
(cursor, execute, fetchall, close) and one more for a ROLLBACK with nothing to
roll back. Under concurrent requests those trips, not SQLite, were most of
what a SQLite read cost the worker (a hundred-row page: eight trips for a
0.2 ms query).

`OneTripConnection` keeps aiosqlite's thread and its error handling, and
changes only how a cursor uses them: the statement is executed, its rows
fetched and its sqlite3 cursor closed in a single call in the thread, and
the cursor then hands out what that call returned. A rollback outside a
transaction (SQLite says whether one is open) costs nothing. The app reads
no results lazily (no server-side cursors), so nothing is lost by fetching
the rows with the statement.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import SQLiteDialect_aiosqlite
from sqlalchemy.engine import make_url

_Outcome = tuple[list[Any], Any, int, int | None]  # rows, description, rowcount, lastrowid
Statement = Callable[[sqlite3.Cursor, str, Any], Any]  # sqlite3.Cursor.execute or .executemany


class OneTripCursor:
    """The cursor protocol SQLAlchemy's aiosqlite adapter uses with client-side cursors (it
    fetches everything with `fetchall`), one thread trip per statement."""

    arraysize = 1

    def __init__(self, connection: OneTripConnection) -> None:
        self._connection = connection
        self._rows: list[Any] = []
        self.description: Any = None
        self.rowcount = -1
        self.lastrowid: int | None = None

    async def __aenter__(self) -> OneTripCursor:
        return self

    async def execute(self, sql: str, parameters: Any = None) -> OneTripCursor:
        await self._run(sqlite3.Cursor.execute, sql, () if parameters is None else parameters)
        return self

    async def executemany(self, sql: str, parameters: Iterable[Any]) -> OneTripCursor:
        await self._run(sqlite3.Cursor.executemany, sql, parameters)
        return self

    async def _run(self, method: Statement, sql: str, parameters: Any) -> None:
        outcome = await self._connection.in_thread(_statement, method, sql, parameters)
        self._rows, self.description, self.rowcount, self.lastrowid = outcome

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


class OneTripConnection(aiosqlite.Connection):
    def cursor(self) -> OneTripCursor:  # type: ignore[override]
        """No trip: the sqlite3 cursor is made with the statement, in the thread."""
        return OneTripCursor(self)

    async def rollback(self) -> None:
        if self._conn.in_transaction:
            await super().rollback()

    async def in_thread(self, function: Callable[..., Any], *args: Any) -> Any:
        """`function(sqlite3_connection, *args)` in this connection's thread."""
        return await self._execute(function, self._conn, *args)  # type: ignore[no-untyped-call]


def connector(url: str, **connect_args: Any) -> Callable[[], Awaitable[OneTripConnection]]:
    """An `async_creator` for the engine: the URL's own connect arguments (file, `uri=true`,
    its query options) as SQLAlchemy's dialect reads them, plus `connect_args`."""
    [database], keywords = SQLiteDialect_aiosqlite().create_connect_args(make_url(url))
    keywords = {**keywords, **connect_args}

    def connect() -> sqlite3.Connection:
        connection: sqlite3.Connection = sqlite3.connect(database, **keywords)
        return connection

    async def create() -> OneTripConnection:
        connection = OneTripConnection(connect, iter_chunk_size=64)
        await connection  # starts its thread and opens the database there
        return connection

    return create
