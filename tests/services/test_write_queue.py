"""Writers of one worker take turns in the engine's write queue, not in SQLite's busy handler.

The engines here are built with a 1 ms busy timeout: a writer that reached
BEGIN IMMEDIATE while another transaction of the same process held SQLite's
write lock would fail with "database is locked" almost at once. That every
writer succeeds shows they waited in the queue instead (on PostgreSQL, which
has no such queue, the same load must simply succeed too).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from conftest import Api, make_settings
from smooth_gql.app import create_app
from smooth_gql.db.engine import create_engine, session_factory
from smooth_gql.runtime import Runtime
from smooth_gql.services.unit_of_work import UnitOfWork

WRITERS = 40
BATCH = 5
CREATE = """mutation($input: [ToolItemCreateInput!]!) {
  createToolItems(input: $input) { successCount errors { code message } } }"""
LIST = "{ toolItems(first: 10) { totalCount } }"


@pytest.fixture
async def impatient(engine: AsyncEngine, database_url: str) -> AsyncIterator[Api]:
    """The app on an engine whose SQLite busy timeout is 1 ms (PostgreSQL: the usual engine)."""
    own = create_engine(database_url, sqlite_busy_timeout_ms=1) if database_url.startswith("sqlite") else None
    bound = own or engine
    settings = make_settings(database_url, sqlite_busy_timeout_ms=1)
    app = create_app(settings, engine=bound)
    try:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
                yield Api(client, bound, settings)
    finally:
        if own is not None:
            await own.dispose()


async def test_many_concurrent_writers_in_one_app_all_succeed(impatient: Api) -> None:
    async def write(n: int) -> dict:
        inputs = [{"name": f"w{n} i{i}", "category": "OTHER"} for i in range(BATCH)]
        body = await impatient.gql_raw(CREATE, {"input": inputs})
        assert "errors" not in body, body["errors"]
        return body["data"]["createToolItems"]  # type: ignore[no-any-return]

    async def read() -> int:
        return (await impatient.gql(LIST))["toolItems"]["totalCount"]  # type: ignore[no-any-return]

    results = await asyncio.gather(*(write(n) for n in range(WRITERS)), *(read() for _ in range(10)))

    writes = results[:WRITERS]
    assert all(r == {"successCount": BATCH, "errors": []} for r in writes), writes
    assert await impatient.scalar("SELECT count(*) FROM tool_items") == WRITERS * BATCH
    assert await impatient.scalar("SELECT count(DISTINCT seq) FROM change_log") == WRITERS * BATCH
    assert await impatient.scalar("SELECT count(*) FROM audit_log") == WRITERS * BATCH


@pytest.fixture
def sqlite_runtime(tmp_path: Path, sqlite_template: Path) -> Runtime:
    path = tmp_path / "queue.db"
    path.write_bytes(sqlite_template.read_bytes())
    url = f"sqlite+aiosqlite:///{path}"
    return Runtime(session_factory(create_engine(url, sqlite_busy_timeout_ms=1)), make_settings(url))


async def _dispose(runtime: Runtime) -> None:
    bind = runtime.sessions.kw["bind"]
    assert isinstance(bind, AsyncEngine)
    await bind.dispose()


async def test_sqlite_writers_begin_in_the_order_they_arrived(sqlite_runtime: Runtime) -> None:
    """While one transaction holds the write lock, ten more queue; each begins after the one
    before it committed, in arrival order, and none meets "database is locked"."""
    arrived: list[int] = []
    began: list[int] = []
    holding, release = asyncio.Event(), asyncio.Event()

    async def holder() -> None:
        async with UnitOfWork(sqlite_runtime) as uow:
            await uow.session.execute(text("DELETE FROM change_log"))
            holding.set()
            await release.wait()
            await uow.commit()

    async def writer(n: int) -> None:
        arrived.append(n)
        async with UnitOfWork(sqlite_runtime) as uow:
            began.append(n)
            await uow.session.execute(text("DELETE FROM change_log"))
            await uow.commit()

    try:
        first = asyncio.create_task(holder())
        await holding.wait()
        writers = [asyncio.create_task(writer(n)) for n in (3, 1, 4, 0, 5, 9, 2, 6, 8, 7)]
        for _ in range(100):
            await asyncio.sleep(0)
        assert len(arrived) == 10 and began == [], "the writers must wait while the holder writes"
        release.set()
        await asyncio.gather(first, *writers)
        assert began == arrived == [3, 1, 4, 0, 5, 9, 2, 6, 8, 7]
    finally:
        await _dispose(sqlite_runtime)


async def test_a_failed_or_cancelled_writer_gives_up_its_turn(sqlite_runtime: Runtime) -> None:
    try:
        with pytest.raises(RuntimeError):
            async with UnitOfWork(sqlite_runtime):
                raise RuntimeError("the service refused")
        holding, release = asyncio.Event(), asyncio.Event()

        async def holder() -> None:
            async with UnitOfWork(sqlite_runtime):
                holding.set()
                await release.wait()

        held = asyncio.create_task(holder())
        await holding.wait()
        waiting = asyncio.create_task(UnitOfWork(sqlite_runtime).__aenter__())
        await asyncio.sleep(0)
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        release.set()
        await held
        async with UnitOfWork(sqlite_runtime) as uow:  # neither left the queue held
            await uow.session.execute(text("DELETE FROM change_log"))
            await uow.commit()
    finally:
        await _dispose(sqlite_runtime)
