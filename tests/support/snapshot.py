"""A world built once per module and database, put back as built before each case.

For modules whose cases all start from the same rows but then write (so they cannot
share one live world, as tests/ops/test_error_texts.py does): building the rows through
the API for every case cost more than the cases themselves. Each case gets the world
exactly as it was built — every row, every id, the sequences where they were — so its
assertions on counts, referrers and the change log hold in any order.

SQLite: the built database file is the snapshot; each case works on a copy of it.
PostgreSQL: the rows are copied into a schema of their own beside the tables; each
case's restore empties the tables and copies the rows back, server-side, in one round
trip, and sets each sequence where the world left it.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from conftest import Api, PostgresReset, _run_script, make_settings
from smooth_gql.app import create_app
from smooth_gql.db.engine import create_engine
from smooth_gql.db.models import Base


@asynccontextmanager
async def api_on(engine: AsyncEngine, url: str) -> AsyncIterator[Api]:
    """The app over `engine`, as the `api` fixture serves it, for building a world outside a case."""
    settings = make_settings(url)
    app = create_app(settings, engine=engine)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield Api(client, engine, settings)


@dataclass
class Snapshot:
    """Where a built world was kept: a file (SQLite) or a schema (PostgreSQL)."""

    url: str
    sqlite_file: Path | None = None
    schema: str = ""
    restore_sql: str = ""

    def case_url(self, tmp_path: Path) -> str:
        """The database a case runs on: a copy of the world's file, or the session's database."""
        if self.sqlite_file is None:
            return self.url
        path = tmp_path / "smooth.db"
        shutil.copyfile(self.sqlite_file, path)
        return f"sqlite+aiosqlite:///{path}"

    async def restore(self, engine: AsyncEngine) -> None:
        """Put the world back as built (PostgreSQL; a SQLite case has its own copy already)."""
        if self.sqlite_file is None:
            async with engine.begin() as conn:
                await _run_script(conn, self.restore_sql)

    async def drop(self) -> None:
        """Take away the snapshot schema (the file goes with pytest's temporary directory)."""
        if self.sqlite_file is None:
            engine = create_engine(self.url)
            async with engine.begin() as conn:
                await conn.execute(text(f'DROP SCHEMA "{self.schema}" CASCADE'))
            await engine.dispose()


async def take(engine: AsyncEngine, url: str) -> Snapshot:
    """Keep the world `engine` holds now; `engine` is disposed (SQLite: so its file is whole)."""
    if url.startswith("sqlite"):
        async with engine.connect() as conn:
            await conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        await engine.dispose()
        return Snapshot(url, sqlite_file=Path(url.removeprefix("sqlite+aiosqlite:///")))
    schema = f"snapshot_{uuid.uuid4().hex[:10]}"
    tables = [f'"{t.name}"' for t in Base.metadata.sorted_tables]
    async with engine.begin() as conn:
        copies = [f'CREATE TABLE "{schema}".{t} AS SELECT * FROM {t}' for t in tables]
        await _run_script(conn, "; ".join([f'CREATE SCHEMA "{schema}"', *copies]))
        sequences = await conn.execute(
            text(
                "SELECT quote_ident(schemaname) || '.' || quote_ident(sequencename), last_value "
                "FROM pg_sequences WHERE schemaname = current_schema()"
            )
        )
        positions = [
            f"ALTER SEQUENCE {name} RESTART" if last is None else f"SELECT setval('{name}', {last}, true)"
            for name, last in sequences
        ]
    await engine.dispose()
    restore = [
        *(f"DELETE FROM {t}" for t in reversed(tables)),
        *(f'INSERT INTO {t} SELECT * FROM "{schema}".{t}' for t in tables),
        *positions,
    ]
    return Snapshot(url, schema=schema, restore_sql="; ".join(restore))


W = TypeVar("W")


@dataclass
class Built(Generic[W]):
    """A module's world as built (what its cases are told of it), and where it was kept."""

    world: W
    snapshot: Snapshot


@asynccontextmanager
async def built_once(
    url: str,
    reset: PostgresReset | None,
    make: Callable[[Any], Awaitable[W]],
    app: Callable[[AsyncEngine, str], AbstractAsyncContextManager[Any]] | None = None,
) -> AsyncIterator[Built[W]]:
    """For a module's `built` fixture: `make` the world once through the API (`api_on`, or
    `app`: e.g. support.auth.auth_app) on an empty database, keep it, and take the snapshot
    away when the module is done."""
    engine = create_engine(url)
    if reset is not None:
        await reset()
    async with (app or api_on)(engine, url) as api:
        world = await make(api)
    snapshot = await take(engine, url)
    try:
        yield Built(world, snapshot)
    finally:
        await snapshot.drop()


@dataclass(frozen=True)
class CaseDatabase:
    """A case's database: its URL, and what readies it once the case's engine exists."""

    url: str
    ready: Callable[[AsyncEngine], Awaitable[None]] | None = None
    pool: PostgresReset | None = None  # PostgreSQL: the session's kept pool (conftest)


def case_database(request: pytest.FixtureRequest, tmp_path: Path, module_url: str) -> CaseDatabase:
    """For a module that overrides `database_url` and `engine`: a case that asks for `world`
    gets the module's world as built (fixture `built`, holding a `snapshot`); any other case
    an empty database, as conftest gives it. (A plain function for a plain fixture: an async
    fixture cannot ask for another by name while the loop runs.)"""
    pool = None if module_url.startswith("sqlite") else request.getfixturevalue("postgres_reset")
    if "world" in request.fixturenames:
        snapshot: Snapshot = request.getfixturevalue("built").snapshot
        return CaseDatabase(snapshot.case_url(tmp_path), snapshot.restore, pool)
    if pool is None:
        path = tmp_path / "smooth.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        return CaseDatabase(f"sqlite+aiosqlite:///{path}")
    return CaseDatabase(module_url, lambda engine: pool(), pool)


# --- fixtures ------------------------------------------------------------------------------------
# A module binds these three (`case_db, database_url, engine = CASE_FIXTURES`, so that pytest
# finds them there) beside its own module-scoped `built` (holding a `snapshot`) and `world`:
# they override conftest's `database_url` and `engine`, so its one backend parameter is
# `module_database_url`'s.


@pytest.fixture
def case_db(module_database_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> CaseDatabase:
    """The built world for a case that asks for `world`, else an empty database."""
    return case_database(request, tmp_path, module_database_url)


@pytest.fixture
def database_url(case_db: CaseDatabase) -> str:
    """Overrides conftest's (one backend parameter per module: module_database_url's)."""
    return case_db.url


@pytest.fixture
async def engine(case_db: CaseDatabase) -> AsyncIterator[AsyncEngine]:
    """Overrides conftest's: the case's database readied (the world put back, or emptied), over
    the session's kept pool on PostgreSQL as conftest's `engine` is."""
    engine = case_db.pool.test_engine() if case_db.pool is not None else create_engine(case_db.url)
    if case_db.ready is not None:
        await case_db.ready(engine)
    yield engine
    if case_db.pool is None:
        await engine.dispose()


CASE_FIXTURES = (case_db, database_url, engine)


@pytest.fixture(scope="module", name="refusing_api")
async def _refusing_api(module_engine: AsyncEngine, module_database_url: str) -> AsyncIterator[Api]:
    """The app once per module and database, for a module's cases that it refuses before
    any query (bad parameters, malformed bodies, unknown routes): they neither read nor
    write, so one app answers each as a fresh one would, without a start-up per case (on
    PostgreSQL: a LISTEN connection, the change-log tail, an emptied database).
    A module binds it with `refusing_api = REFUSING_API`."""
    async with api_on(module_engine, module_database_url) as api:
        yield api


REFUSING_API = _refusing_api
