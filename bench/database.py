"""A fresh, migrated database for one benchmark run, removed again afterwards.

Figures are only comparable when every run starts from the same empty schema,
so the benchmark never reuses a database: on SQLite it makes a temporary file,
on PostgreSQL a throw-away database on the server the given URL names.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import make_url, text
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from smooth_gql.config import normalize_database_url


class DatabaseError(RuntimeError):
    """The database the user named cannot be used for a benchmark run."""


@dataclass(frozen=True)
class FreshDatabase:
    url: str  # the async URL the app and the floors connect to
    dialect: str  # "sqlite" or "postgresql"
    where: str  # a human description for the report


@asynccontextmanager
async def fresh_database(database_url: str | None) -> AsyncIterator[FreshDatabase]:
    """Yield an empty database; drop (PostgreSQL) or delete (temporary SQLite) it on exit."""
    if database_url is None:
        async with _temporary_sqlite() as db:
            yield db
        return
    url = make_url(normalize_database_url(database_url))
    if url.get_backend_name() == "postgresql":
        async with _throwaway_postgres(url) as db:
            yield db
    elif url.get_backend_name() == "sqlite":
        yield _new_sqlite_file(url)
    else:
        raise DatabaseError(
            f"--database-url: unsupported database {url.get_backend_name()!r} (use PostgreSQL or SQLite)"
        )


@asynccontextmanager
async def _temporary_sqlite() -> AsyncIterator[FreshDatabase]:
    directory = Path(tempfile.mkdtemp(prefix="smooth-bench-"))
    try:
        path = directory / "bench.db"
        yield FreshDatabase(
            f"sqlite+aiosqlite:///{path}", "sqlite", f"SQLite {sqlite3.sqlite_version}, temporary file {path}"
        )
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def _new_sqlite_file(url: URL) -> FreshDatabase:
    """A SQLite URL the user chose (e.g. on another disk): it must not exist yet, and is kept."""
    path = url.database
    if not path or path == ":memory:":
        raise DatabaseError(
            "--database-url: an in-memory SQLite database cannot be shared by the app's connections"
        )
    if Path(path).exists():
        raise DatabaseError(f"--database-url: {path} already exists; the benchmark needs a fresh database")
    rendered = url.render_as_string(hide_password=False)
    return FreshDatabase(rendered, "sqlite", f"SQLite {sqlite3.sqlite_version}, file {path} (kept)")


@asynccontextmanager
async def _throwaway_postgres(server_url: URL) -> AsyncIterator[FreshDatabase]:
    """CREATE a uniquely named database next to the one in the URL, DROP it at the end."""
    name = f"smooth_bench_{uuid.uuid4().hex[:12]}"  # only [a-z0-9_]: safe to quote as is
    await _admin(server_url, f'CREATE DATABASE "{name}"')
    try:
        url = server_url.set(database=name)
        version = await _server_version(url)
        where = f"PostgreSQL {version}, throw-away database {name} on {server_url.host or 'localhost'}"
        yield FreshDatabase(url.render_as_string(hide_password=False), "postgresql", where)
    finally:
        await _admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _admin(url: URL, sql: str) -> None:
    """Run CREATE/DROP DATABASE, which PostgreSQL refuses inside a transaction."""
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        async with engine.connect() as conn:
            await conn.execute(text(sql))
    except Exception as exc:
        raise DatabaseError(
            f"{sql.split(' ')[0]} DATABASE on {url.render_as_string()} failed: {exc}"
        ) from exc
    finally:
        await engine.dispose()


async def _server_version(url: URL) -> str:
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as conn:
            return str((await conn.execute(text("SHOW server_version"))).scalar_one())
    finally:
        await engine.dispose()
