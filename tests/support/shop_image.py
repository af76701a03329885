"""The backup tests' shop, built once per module and backend and copied into each test's database.

Building the shop (two accounts, every kind of row, through GraphQL and REST)
costs about a second of CPU; copying it costs milliseconds. Each test still
gets a database of its own, so a test that restores, deletes or replaces rows
leaves the next one untouched:

* SQLite: the shop is built in a file of its own once; each test's database
  file is overwritten with a copy of it before its engine opens it.
* PostgreSQL: the shop is built in the session's database once and saved as
  each table's rows in COPY text format (exact for every type: SQL NULL and
  JSON null stay apart) and each sequence's position. Each test's database is
  emptied as always (PostgresReset), then the rows are copied back and the
  sequences set where they were, so ids and change-log numbers go on as they
  would have.

A copy is the shop as build_shop left it, sessions and keys included, so the
`Shop` handle's credentials work in every copy.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from conftest import PostgresReset
from smooth_gql.db.engine import create_engine
from smooth_gql.db.models import Base
from support.auth import auth_app
from support.backup import Shop, build_shop

SQLITE = "sqlite+aiosqlite:///"


@dataclass
class _PostgresRows:
    """Every table's rows in COPY text format, and every sequence's (last_value, is_called)."""

    tables: dict[str, bytes] = field(default_factory=dict)
    sequences: dict[str, tuple[int, bool]] = field(default_factory=dict)


async def _driver(conn: AsyncConnection) -> Any:
    """The asyncpg connection under a SQLAlchemy one (COPY has no SQLAlchemy spelling)."""
    return (await conn.get_raw_connection()).driver_connection


async def _save_postgres(engine: AsyncEngine) -> _PostgresRows:
    saved = _PostgresRows()
    async with engine.connect() as conn:
        driver = await _driver(conn)
        for table in Base.metadata.sorted_tables:
            out = BytesIO()
            await driver.copy_from_table(table.name, output=out)
            saved.tables[table.name] = out.getvalue()
        names = await driver.fetch(
            "SELECT quote_ident(schemaname) || '.' || quote_ident(sequencename) AS name "
            "FROM pg_sequences WHERE schemaname = current_schema()"
        )
        for row in names:
            state = await driver.fetchrow(f"SELECT last_value, is_called FROM {row['name']}")
            saved.sequences[row["name"]] = (state["last_value"], state["is_called"])
    return saved


async def _load_postgres(engine: AsyncEngine, saved: _PostgresRows) -> None:
    """Into an emptied database: parents before children (sorted_tables), in one transaction."""
    async with engine.connect() as conn:
        driver = await _driver(conn)
        async with driver.transaction():
            for name, rows in saved.tables.items():
                if rows:
                    await driver.copy_to_table(name, source=BytesIO(rows))
            for sequence, (value, called) in saved.sequences.items():
                await driver.execute("SELECT setval($1::regclass, $2, $3)", sequence, value, called)


class ShopImages:
    """One shop per backend for a module: built on a test's first asking, copied for every test."""

    def __init__(self, directory: Path, sqlite_template: Path) -> None:
        self._directory = directory
        self._sqlite_template = sqlite_template
        self._sqlite: Path | None = None
        self._postgres: _PostgresRows | None = None
        self._shops: dict[str, Shop] = {}  # by backend: "sqlite", "postgres"

    async def copy_into(self, database_url: str, reset: PostgresReset | None) -> Shop:
        """The test's database (not yet opened by its engine) holding the shop; the shop's handle."""
        if database_url.startswith(SQLITE):
            shutil.copyfile(await self._sqlite_image(), database_url.removeprefix(SQLITE))
            return self._shops["sqlite"]
        assert reset is not None, "a PostgreSQL test's database is emptied by its PostgresReset"
        saved = await self._postgres_image(database_url, reset)
        await reset()
        await _load_postgres(reset.engine, saved)  # over the reset's kept connection: no new engine
        return self._shops["postgres"]

    async def _sqlite_image(self) -> Path:
        if self._sqlite is None:
            path = self._directory / "shop.db"
            shutil.copyfile(self._sqlite_template, path)
            engine = create_engine(f"{SQLITE}{path}")
            try:
                self._shops["sqlite"] = await _build(engine, f"{SQLITE}{path}")
            finally:
                await engine.dispose()
            # The last connection's close checkpointed the write-ahead log: the file alone is the shop.
            assert not path.with_name(f"{path.name}-wal").exists(), "the shop's WAL was not checkpointed"
            self._sqlite = path
        return self._sqlite

    async def _postgres_image(self, database_url: str, reset: PostgresReset) -> _PostgresRows:
        if self._postgres is None:
            await reset()
            engine = create_engine(database_url)
            try:
                self._shops["postgres"] = await _build(engine, database_url)
                self._postgres = await _save_postgres(engine)
            finally:
                await engine.dispose()
        return self._postgres


async def _build(engine: AsyncEngine, database_url: str) -> Shop:
    async with auth_app(engine, database_url) as auth:
        return await build_shop(auth)


# --- fixtures ------------------------------------------------------------------------------------
# A test module binds these five (`engine, shop, ... = SHOP_FIXTURES`, so that pytest finds them
# there): its tests that ask for `shop` get a copy of the module's shop, opened by `engine` after
# the copy is in place; its other tests get tests/conftest.py's empty database, as before.


@pytest.fixture(scope="module")
def shop_images(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> ShopImages:
    return ShopImages(tmp_path_factory.mktemp("shop"), sqlite_template)


@pytest.fixture
async def shop_copied(database_url: str, reset: PostgresReset | None, shop_images: ShopImages) -> Shop:
    return await shop_images.copy_into(database_url, reset)


@pytest.fixture
def shop_copy(request: pytest.FixtureRequest) -> Shop | None:
    """The shop copied into this test's database if the test asks for `shop`, else None.

    A plain fixture: an async one cannot ask for another by name while the loop runs.
    """
    return request.getfixturevalue("shop_copied") if "shop" in request.fixturenames else None


@pytest.fixture
async def engine(
    database_url: str, reset: PostgresReset | None, shop_copy: Shop | None
) -> AsyncIterator[AsyncEngine]:
    """tests/conftest.py's `engine`, opened after the shop (if asked for) is in place."""
    engine = create_engine(database_url)
    if reset is not None and shop_copy is None:  # a copy went into a database emptied just before
        await reset()
    yield engine
    await engine.dispose()


@pytest.fixture
def shop(shop_copy: Shop | None) -> Shop:
    assert shop_copy is not None
    return shop_copy


SHOP_FIXTURES = (engine, shop, shop_copied, shop_copy, shop_images)
