"""Fixtures: every test that takes `api` runs once on SQLite and once on PostgreSQL.

SQLite: the schema is migrated once into a template file that each test copies.
PostgreSQL (when SMOOTH_TEST_POSTGRES_URL is set): a database of its own is
created for the session, migrated once, and emptied between tests (PostgresReset).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
import zlib
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from smooth_gql.app import create_app
from smooth_gql.config import Settings, normalize_database_url
from smooth_gql.db.engine import create_engine
from smooth_gql.db.migrate import upgrade
from smooth_gql.db.models import Base
from support.clock import StepClock
from support.loopback import served

POSTGRES_URL = os.environ.get("SMOOTH_TEST_POSTGRES_URL")
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


# Modules whose helpers start real `smooth-gql serve` processes (several workers each), a
# LinuxCNC bridge process beside a live server, or a load run: a test module that uses one is
# marked `servers` (below). The bridge's shutdown waits (its exit after stdin closes, the live
# server's stop) missed their bounds now and then with both xdist workers busy beside them.
SERVER_HELPERS = ("support.serve_process", "support.stock_server", "support.bridge", "bench.load")


# The modules whose tests run longest (a minute and more each, under coverage): run first.
# pytest-xdist hands out tests in collection order, so one of these collected late started
# when the other worker was nearly done and ran alone for its whole length; first, they
# run side by side and the short tests fill in around them. Order only: nothing is dropped.
LONG_RUNNING = (
    "tests/rest/test_rest_schemathesis.py",
    "tests/property/test_graphql_fuzz.py",
    "tests/feed/test_feed_replica.py",
    "tests/property/test_property_accounts.py",
    "tests/ops/test_cli_ops.py",
    "tests/property/test_property_backup.py",
)


def _run_order(item: pytest.Item) -> int:
    path = item.nodeid.partition("::")[0]
    return LONG_RUNNING.index(path) if path in LONG_RUNNING else len(LONG_RUNNING)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    items.sort(key=_run_order)  # stable: the rest keep their order
    if POSTGRES_URL:
        return
    skip = pytest.mark.skip(reason="SMOOTH_TEST_POSTGRES_URL is not set")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


def pytest_itemcollected(item: pytest.Item) -> None:
    """Mark `servers` the tests whose module starts server processes.

    .ci/run runs them in a serial pytest of their own, the rest under
    pytest-xdist on both cores: two of them at once would put four server
    processes and their clients on two cores, and their bounded waits
    (readiness, a killed worker's recovery, a load run) are sized for one.
    (The PostgreSQL leg runs beside them at nice 10: it takes the CPU they
    leave idle and yields it whenever they need it; scripts/test.)
    Everything else is independent across xdist workers: each worker has its
    own SQLite template, PostgreSQL database, ports (bound to 0) and process
    globals. (Not an `xdist_group`: with pytest 9.2, xdist 3.8's loadgroup
    silently stops grouping, pytest-xdist issue #1386.)
    """
    module = getattr(item, "module", None)
    if module is not None and any(
        getattr(value, "__module__", None) in SERVER_HELPERS for value in vars(module).values()
    ):
        item.add_marker(pytest.mark.servers)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"

    async def build() -> None:
        engine = create_engine(f"sqlite+aiosqlite:///{path}")
        await upgrade(engine)
        await engine.dispose()

    asyncio.run(build())
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A throw-away database on the server SMOOTH_TEST_POSTGRES_URL points at."""
    assert POSTGRES_URL, "postgres tests need SMOOTH_TEST_POSTGRES_URL"
    base = normalize_database_url(POSTGRES_URL)
    server, _, _ = base.rpartition("/")
    name = f"smooth_test_{uuid.uuid4().hex[:10]}"

    async def admin(sql: str) -> None:
        engine = create_async_engine(base, isolation_level="AUTOCOMMIT")
        async with engine.connect() as conn:
            await conn.execute(text(sql))
        await engine.dispose()

    async def migrate() -> None:
        engine = create_engine(f"{server}/{name}")
        await upgrade(engine)
        await engine.dispose()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    # A commit returns before its WAL reaches the disk (about 10 ms a commit here, several per
    # request). What a commit makes visible, and when, is unchanged; only a crash of the
    # server itself could lose the last commits, and no test crashes it.
    asyncio.run(admin(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    asyncio.run(migrate())
    yield f"{server}/{name}"
    asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=BACKENDS)
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of its own, for migration tests (they must not touch the shared schema)."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
        return
    server = str(request.getfixturevalue("postgres_url")).rpartition("/")[0]
    name = f"smooth_empty_{uuid.uuid4().hex[:10]}"

    async def admin(sql: str) -> None:
        engine = create_async_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
        async with engine.connect() as conn:
            await conn.execute(text(sql))
        await engine.dispose()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    yield f"{server}/{name}"
    asyncio.run(admin(f'DROP DATABASE "{name}" WITH (FORCE)'))


@pytest.fixture
async def empty_database(empty_database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(empty_database_url)
    yield engine
    await engine.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        path = tmp_path / "smooth.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite+aiosqlite:///{path}"
    return str(request.getfixturevalue("postgres_url"))


async def _reset_sql(conn: AsyncConnection) -> str:
    sequences = await conn.execute(
        text(
            "SELECT quote_ident(schemaname) || '.' || quote_ident(sequencename) "
            "FROM pg_sequences WHERE schemaname = current_schema()"
        )
    )
    deletes = [f'DELETE FROM "{t.name}"' for t in reversed(Base.metadata.sorted_tables)]
    restarts = [f"ALTER SEQUENCE {name} RESTART" for name in sequences.scalars()]
    return "; ".join(deletes + restarts)


async def _run_script(conn: AsyncConnection, sql: str) -> None:
    """Several statements in one round trip (asyncpg's simple protocol, no prepared statement)."""
    raw = await conn.get_raw_connection()
    await raw.driver_connection.execute(sql)  # type: ignore[union-attr]


async def empty_postgres(engine: AsyncEngine) -> None:
    """Every row of a migrated PostgreSQL database gone, ids and change-log `seq` from 1 again.

    In a transaction that commits (`begin`): the query for the sequences opens one,
    and the script runs inside it; a plain `connect` would roll it all back.
    """
    async with engine.begin() as conn:
        await _run_script(conn, await _reset_sql(conn))


class PostgresReset:
    """Empties the session's PostgreSQL database before each test, over one kept connection,
    and keeps the pool of connections the tests' engines share.

    A DELETE of every table (children first) and a restart of every sequence,
    sent as one string: about 4 ms, where a new engine and a TRUNCATE of all
    the tables took 50–150 ms (TRUNCATE locks each table exclusively and makes
    new files for it).

    Each test's engine is a view of one kept engine (`execution_options()`): the same pool,
    but event listeners of its own, so a test's StatementCounter hears only its test. A new
    engine per test opened two or three connections per test (the app's start-up, a request,
    the budgets), each a new PostgreSQL backend: about 15 ms and 6 ms of client CPU apiece,
    measured on 2026-12-08. Connections go back to the pool rolled back, and the tests set
    nothing on a session (the app only uses SET LOCAL).
    """

    def __init__(self, url: str) -> None:
        self.engine = create_async_engine(url, pool_size=1, max_overflow=0)
        self.pooled = create_engine(url)
        self.sql = ""

    def test_engine(self) -> AsyncEngine:
        """An engine for one test (or module) over the kept pool."""
        return self.pooled.execution_options()

    async def __call__(self) -> None:
        async with self.engine.begin() as conn:  # commits (see empty_postgres)
            self.sql = self.sql or await _reset_sql(conn)
            await _run_script(conn, self.sql)


@pytest.fixture(scope="session")
async def postgres_reset(postgres_url: str) -> AsyncIterator[PostgresReset]:
    reset = PostgresReset(postgres_url)
    yield reset
    await reset.engine.dispose()
    await reset.pooled.dispose()


@pytest.fixture
def reset(database_url: str, request: pytest.FixtureRequest) -> PostgresReset | None:
    """The session's PostgresReset on PostgreSQL (a SQLite test has a fresh copy already).

    A plain fixture: an async one cannot ask for another by name while the loop runs.
    """
    return None if database_url.startswith("sqlite") else request.getfixturevalue("postgres_reset")


@pytest.fixture
async def engine(database_url: str, reset: PostgresReset | None) -> AsyncIterator[AsyncEngine]:
    if reset is not None:
        await reset()
        yield reset.test_engine()
        return
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


# --- one database for a whole module ----------------------------------------------------------
# For a table of cases that all run against one dataset (tests/ops/test_error_texts.py): the
# dataset is built once per module and backend instead of once per case. The module must keep
# its cases independent itself (they only read or are refused, and it checks that each left the
# dataset as it found it). Safe beside the per-test fixtures: a worker runs a module's tests one
# after another, so no other test resets the session's PostgreSQL database in between, and the
# next one to use it empties it first, as always.


@pytest.fixture(scope="module", params=BACKENDS)
def module_database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("module") / "smooth.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite+aiosqlite:///{path}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture(scope="module")
def module_reset(module_database_url: str, request: pytest.FixtureRequest) -> PostgresReset | None:
    """`reset` for module_engine (a plain fixture for the same reason)."""
    return None if module_database_url.startswith("sqlite") else request.getfixturevalue("postgres_reset")


@pytest.fixture(scope="module")
async def module_engine(
    module_database_url: str, module_reset: PostgresReset | None
) -> AsyncIterator[AsyncEngine]:
    if module_reset is not None:
        await module_reset()
        yield module_reset.test_engine()
        return
    engine = create_engine(module_database_url)
    yield engine
    await engine.dispose()


# The app's background tasks (changes/): their statements are nobody's request. The tail's
# probe for unannounced commits after an idle second once landed inside a measured request on a
# loaded machine (19 statements where the same request sent 18).
BACKGROUND_TASKS = frozenset(
    {"smooth-gql change-log tail", "smooth-gql change-log retention", "smooth-gql change listener"}
)


def _in_background_task() -> bool:
    try:
        task = asyncio.current_task()
    except RuntimeError:  # no running loop in this thread
        return False
    return task is not None and task.get_name() in BACKGROUND_TASKS


class StatementCounter:
    """Counts SQL statements sent on an engine (DataLoader batching tests): the operations' own.
    Left out: the budgets' statements on PostgreSQL (services/rate_leases.py, rate_windows.py),
    which tests/services/test_rate_leases.py counts and tests/accounts/test_rate_limits.py and
    tests/ops/test_rate_limit_workers.py cover, and
    the app's background tasks (BACKGROUND_TASKS)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.count = 0
        self.statements: list[str] = []
        event.listen(engine.sync_engine, "before_cursor_execute", self._on_execute)

    def _on_execute(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.strip().upper() in ("BEGIN", "BEGIN IMMEDIATE") or "rate_windows" in statement:
            return
        if _in_background_task():
            return
        self.count += 1
        self.statements.append(statement)

    def reset(self) -> None:
        self.count = 0
        self.statements.clear()


@dataclass
class Api:
    """The real ASGI app over HTTP, plus direct access to its database for assertions."""

    client: httpx.AsyncClient
    engine: AsyncEngine
    settings: Settings
    clock: StepClock | None = None  # the budgets' clock, where the fixture gave the app one

    async def gql(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """Run a query that must succeed; return its `data`."""
        body = await self.gql_raw(query, variables)
        assert "errors" not in body, body.get("errors")
        return body["data"]  # type: ignore[no-any-return]

    async def gql_raw(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        response = await self.client.post("/graphql", json={"query": query, "variables": variables or {}})
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    async def scalar(self, sql: str, **params: Any) -> Any:
        async with self.engine.connect() as conn:
            return (await conn.execute(text(sql), params)).scalar()

    async def counts(self) -> dict[str, int]:
        """Row counts of every data, history and join table: "nothing changed" in one value."""
        # Without the budgets' windows, which every request changes on PostgreSQL.
        skipped = ("sessions", "api_keys", "rate_windows")
        names = [t.name for t in Base.metadata.sorted_tables if t.name not in skipped]
        # One statement (a round trip per table was 20 on PostgreSQL, several times per case).
        sql = "SELECT " + ", ".join(f'(SELECT count(*) FROM "{n}")' for n in names)
        async with self.engine.connect() as conn:
            row = (await conn.execute(text(sql))).one()
        return dict(zip(names, row, strict=True))


# Issue 18: the whole suite runs under both executors, the query-plan one and graphql-core's,
# without running it twice. A test that runs on both backends runs under one executor on SQLite
# and under the other on PostgreSQL, which one where decided by its name (so each backend sees
# both executors, on half the tests each, the same half on every run). A test on one backend
# only runs under the executor its name picks. SMOOTH_EXECUTOR in the environment runs every
# test under the executor it names instead. Each test's executor is in the JUnit report
# (property `executor`); .ci/run fails when either ran no test.
EXECUTORS = ("plan", "graphql-core")
_current_executor = EXECUTORS[0]


def executor_for(nodeid: str) -> str:
    """The executor a test runs under (see EXECUTORS)."""
    named = os.environ.get("SMOOTH_EXECUTOR")
    if named:
        return named
    name, _, params = nodeid.partition("[")
    ids = params.removesuffix("]").split("-")
    other_half = "postgres" in ids
    test = name + "[" + "-".join(i for i in ids if i not in ("sqlite", "postgres"))
    return EXECUTORS[(zlib.crc32(test.encode()) + other_half) % 2]


@pytest.fixture(autouse=True)
def suite_executor(request: pytest.FixtureRequest) -> Iterator[str]:
    """This test's executor, which make_settings gives every app the test builds."""
    global _current_executor
    _current_executor = executor_for(request.node.nodeid)
    request.node.user_properties.append(("executor", _current_executor))
    yield _current_executor
    _current_executor = EXECUTORS[0]


def make_settings(database_url: str, **overrides: Any) -> Settings:
    """Tests written for the single local admin run with AUTH_ENABLED=false; auth tests
    pass auth_enabled=True. bcrypt at its lowest cost keeps logins fast. The executor is the
    running test's (EXECUTORS)."""
    defaults = {"auth_enabled": False, "bcrypt_rounds": 4, "executor": _current_executor}
    return Settings(database_url=database_url, **{**defaults, **overrides})


def marked_settings(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Overrides a test asks for with `@pytest.mark.settings(name=value, ...)`."""
    marker = request.node.get_closest_marker("settings")
    return dict(marker.kwargs) if marker else {}


@pytest.fixture
async def api(engine: AsyncEngine, database_url: str, request: pytest.FixtureRequest) -> AsyncIterator[Api]:
    settings = make_settings(database_url, **marked_settings(request))
    clock = StepClock()
    app = create_app(settings, engine=engine, clock=clock)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield Api(client, engine, settings, clock)


@dataclass
class LiveServer:
    """The app served by a real uvicorn on 127.0.0.1 (for WebSocket and SSE clients)."""

    api: Api
    port: int

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/graphql"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/graphql"


@pytest.fixture
async def live(
    engine: AsyncEngine, database_url: str, request: pytest.FixtureRequest
) -> AsyncIterator[LiveServer]:
    settings = make_settings(database_url, **{"keep_alive_seconds": 1.0, **marked_settings(request)})
    clock = StepClock()
    app = create_app(settings, engine=engine, clock=clock)
    # The shutdown grace as `smooth-gql serve` runs it.
    async with (
        served(app, timeout_graceful_shutdown=settings.shutdown_grace_seconds) as port,
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client,
    ):
        yield LiveServer(Api(client, engine, settings, clock), port)


@pytest.fixture
async def auth(engine: AsyncEngine, database_url: str, request: pytest.FixtureRequest) -> AsyncIterator[Any]:
    """The app with authentication on (tests/support/auth.py speaks to it); a test's
    `@pytest.mark.settings(...)` overrides its settings, as for `api`."""
    from support.auth import auth_app

    async with auth_app(engine, database_url, **marked_settings(request)) as app:
        yield app
