"""The change feed on PostgreSQL: seq order is commit order, and it reaches every worker.

Two guarantees from changes/feed.py are checked where they can actually fail:

* interleaved writers: change-log appends are serialized until commit
  (`UnitOfWork.serialize_change_log`, a transaction-level advisory lock), so a
  reader polling `seq > cursor` never steps over a lower seq that commits later;
* several workers: a write made through one `smooth-gql serve` process reaches a
  subscriber on another (NOTIFY inside the transaction, LISTEN in every worker).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from smooth_gql.auth.principal import LOCAL_ADMIN_ID, local_admin
from smooth_gql.changes import feed
from smooth_gql.config import Settings
from smooth_gql.db.engine import create_engine, session_factory
from smooth_gql.db.types import utcnow
from smooth_gql.enums import EntityType, Operation
from smooth_gql.runtime import Runtime
from smooth_gql.services.entities import SPECS
from smooth_gql.services.journal import Journal
from smooth_gql.services.unit_of_work import CHANGE_LOG_LOCK, UnitOfWork
from smooth_gql.services.users import ensure_local_admin
from support.feed_client import FeedClient
from support.serve_process import ServeProcess, gql, serve

pytestmark = pytest.mark.postgres

WAIT = 10.0  # upper bound for any single "this must happen now" wait, in seconds
ITEM = SPECS[EntityType.TOOL_ITEM]


# --- interleaved writers, at the service level -------------------------------------------------------


@pytest.fixture
async def pg_engine(postgres_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(postgres_url)
    yield engine
    await engine.dispose()


@pytest.fixture
async def runtime(pg_engine: AsyncEngine, postgres_url: str) -> Runtime:
    runtime = Runtime(session_factory(pg_engine), Settings(database_url=postgres_url))
    await ensure_local_admin(runtime)
    return runtime


@dataclass
class Writer:
    """One write transaction that appends one change row, then holds until told to commit."""

    runtime: Runtime
    name: str
    log: list[str]
    release: asyncio.Event = field(default_factory=asyncio.Event)
    began: asyncio.Event = field(default_factory=asyncio.Event)
    appended: asyncio.Event = field(default_factory=asyncio.Event)
    entity_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    backend_pid: int | None = None
    seq: int | None = None

    async def run(self) -> None:
        async with UnitOfWork(self.runtime) as uow:
            self.backend_pid = (await uow.session.execute(text("SELECT pg_backend_pid()"))).scalar_one()
            self.began.set()
            journal = Journal(local_admin(), utcnow())
            row = {
                "id": self.entity_id,
                "owner_id": LOCAL_ADMIN_ID,
                "version": 1,
                "tags": [],
                "machine_id": None,
            }
            journal.record(0, ITEM, Operation.CREATED, row, {"after": {"name": self.name}})
            await journal.write(uow)  # takes the change-log lock (PostgreSQL), appends, NOTIFYs
            self.seq = uow.last_seq
            self.log.append(f"{self.name} appended")
            self.appended.set()
            await asyncio.wait_for(self.release.wait(), WAIT)
            await uow.commit()
            self.log.append(f"{self.name} committed")


@dataclass
class Reader:
    """A follower polling the log the way `feed.follow` does: `seq > cursor`, advancing to the last row."""

    runtime: Runtime
    cursor: int
    pages: list[list[int]] = field(default_factory=list)

    async def poll(self) -> list[int]:
        page = await feed.read(self.runtime, local_admin(), self.cursor, None, 100)
        seqs = [int(row["seq"]) for row in page.rows]
        assert seqs == sorted(seqs) and all(s > self.cursor for s in seqs), (self.cursor, seqs)
        assert page.end_seq == (seqs[-1] if seqs else self.cursor)
        self.cursor = page.end_seq
        self.pages.append(seqs)
        return seqs

    @property
    def seen(self) -> list[int]:
        return [seq for page in self.pages for seq in page]


async def _lock_holders(engine: AsyncEngine) -> dict[int, bool]:
    """Backend pid -> granted, for the change-log advisory lock (a bigint key: classid 0, objid the key)."""
    async with engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT pid, granted FROM pg_locks WHERE locktype = 'advisory' AND database = "
                "(SELECT oid FROM pg_database WHERE datname = current_database()) "
                "AND classid = 0 AND objid = :key AND objsubid = 1"
            ),
            {"key": CHANGE_LOG_LOCK},
        )
        return {int(pid): bool(granted) for pid, granted in rows}


async def _until(condition: Callable[[], Awaitable[bool]], what: str) -> None:
    """Poll `condition` (bounded): no sleeps standing in for synchronisation, no wall-clock asserts."""
    for _ in range(int(WAIT / 0.02)):
        if await condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"timed out waiting until {what}")


async def _event(event: asyncio.Event) -> None:
    await asyncio.wait_for(event.wait(), WAIT)


async def _finish(*tasks: asyncio.Task[None]) -> None:
    """Let writers still holding end (each rolls back unless it committed), and surface their errors."""
    for task in tasks:
        if not task.done():
            task.cancel()
    results = await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), WAIT)
    errors = [
        r for r in results if isinstance(r, BaseException) and not isinstance(r, asyncio.CancelledError)
    ]
    if errors:
        raise errors[0]


async def test_a_lower_seq_that_commits_later_is_not_skipped(
    runtime: Runtime, pg_engine: AsyncEngine
) -> None:
    log: list[str] = []
    reader = Reader(runtime, cursor=(await feed.read(runtime, local_admin(), None, None, 0)).end_seq)
    start = reader.cursor
    first, second = Writer(runtime, "first", log), Writer(runtime, "second", log)
    one = asyncio.create_task(first.run())
    two: asyncio.Task[None] | None = None
    try:
        await _event(first.appended)  # 1 took the next seq and holds the lock, uncommitted
        assert first.seq is not None and first.seq > start
        assert await reader.poll() == []  # an uncommitted change is invisible

        two = asyncio.create_task(second.run())
        await _event(second.began)
        pid_1, pid_2 = first.backend_pid, second.backend_pid
        assert pid_1 is not None and pid_2 is not None

        async def second_waits_for_the_lock() -> bool:
            holders = await _lock_holders(pg_engine)
            return holders.get(pid_1) is True and holders.get(pid_2) is False

        await _until(second_waits_for_the_lock, "transaction 2 waits on the change-log lock held by 1")
        log.append("second waits for the lock")
        assert not second.appended.is_set() and second.seq is None  # 2 has not taken a seq yet

        for _ in range(3):  # the reader keeps polling while 1 holds and 2 waits: nothing, cursor stays put
            assert await reader.poll() == []
            assert reader.cursor == start

        first.release.set()
        await asyncio.wait_for(one, WAIT)
        await _event(second.appended)  # only now does 2 get the lock, and with it a higher seq
        assert second.seq is not None and second.seq > first.seq
        assert await _lock_holders(pg_engine) == {pid_2: True}  # 1's lock went with its commit

        assert await reader.poll() == [first.seq]  # 1 is committed, 2 is not yet
        assert await reader.poll() == []

        second.release.set()
        await asyncio.wait_for(two, WAIT)
        assert await reader.poll() == [second.seq]
        assert await reader.poll() == []
    finally:
        await _finish(one, *([two] if two is not None else []))

    assert reader.seen == [first.seq, second.seq]
    assert log == [
        "first appended",
        "second waits for the lock",
        "first committed",
        "second appended",
        "second committed",
    ]
    # Nothing was stepped over: a fresh read of everything since the start is exactly what the poller saw.
    everything = await feed.read(runtime, local_admin(), start, None, 100)
    assert [int(r["seq"]) for r in everything.rows] == reader.seen
    assert [r["entity_id"] for r in everything.rows] == [first.entity_id, second.entity_id]


async def test_without_the_lock_the_same_interleaving_would_skip_a_change(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Control: the scenario above is the one the lock exists for (it does lose a change without it)."""

    async def no_lock(self: UnitOfWork) -> None:
        return None

    monkeypatch.setattr(UnitOfWork, "serialize_change_log", no_lock)
    log: list[str] = []
    reader = Reader(runtime, cursor=(await feed.read(runtime, local_admin(), None, None, 0)).end_seq)
    start = reader.cursor
    first, second = Writer(runtime, "first", log), Writer(runtime, "second", log)
    one = asyncio.create_task(first.run())
    two: asyncio.Task[None] | None = None
    try:
        await _event(first.appended)  # 1 has its seq before 2 starts, so 2's is higher
        two = asyncio.create_task(second.run())
        await _event(second.appended)  # nothing holds 2 back
        assert first.seq is not None and second.seq is not None and second.seq > first.seq
        second.release.set()
        await asyncio.wait_for(two, WAIT)  # the higher seq commits first ...
        assert await reader.poll() == [second.seq]  # ... and the reader moves past the lower one
        first.release.set()
        await asyncio.wait_for(one, WAIT)
        assert await reader.poll() == []
    finally:
        await _finish(one, *([two] if two is not None else []))
    everything = await feed.read(runtime, local_admin(), start, None, 100)
    assert [int(r["seq"]) for r in everything.rows] == [first.seq, second.seq]
    assert first.seq not in reader.seen  # the gap the advisory lock prevents


# --- several `smooth-gql serve` processes on one database --------------------------------------------

SINCE = "query { changesSince(first: 0) { endCursor } }"
CHANGES_AFTER = """
query($after: String) { changesSince(after: $after, first: 1000) {
  changes { cursor entityType entityId operation version } hasMore } }"""
CREATE = "mutation($input: [ToolItemCreateInput!]!) { createToolItems(input: $input) { errorCount results { id version } } }"
UPDATE = "mutation($input: [ToolItemUpdateInput!]!) { updateToolItems(input: $input) { errorCount results { id version } } }"
DELETE = "mutation($input: [DeleteInput!]!) { deleteToolItems(input: $input) { errorCount results { id version } } }"


async def _write_thirty_changes(client: httpx.AsyncClient, server: ServeProcess) -> list[tuple[str, str]]:
    """12 creates, 10 updates (4 of them at once), 8 deletes through `server`; return (entityId, operation)."""
    done: list[tuple[str, str]] = []

    async def run(query: str, rows: list[dict[str, Any]], operation: str) -> list[dict[str, Any]]:
        result = next(iter((await gql(client, server, query, {"input": rows})).values()))
        assert result["errorCount"] == 0, result
        done.extend((r["id"], operation) for r in result["results"])
        return list(result["results"])

    items: list[dict[str, Any]] = []
    for batch in range(4):
        items += await run(CREATE, [{"name": f"feed probe {batch}.{n}"} for n in range(3)], "CREATED")
    for item in items[:6]:
        [item] = await run(UPDATE, [{"id": item["id"], "expectedVersion": 1, "name": "renamed"}], "UPDATED")
    # Concurrent writers through one worker: the log decides their order, the feed must follow it.
    await asyncio.gather(
        *(
            run(UPDATE, [{"id": i["id"], "expectedVersion": 1, "name": "renamed"}], "UPDATED")
            for i in items[6:10]
        )
    )
    for pair in range(4):
        await run(DELETE, [{"id": i["id"]} for i in items[2 * pair : 2 * pair + 2]], "DELETED")
    assert len(done) == 30
    return done


async def _follow_across_processes(worker_1: ServeProcess, worker_2: ServeProcess) -> None:
    async with httpx.AsyncClient(timeout=30) as client:
        await asyncio.gather(worker_1.wait_ready(client), worker_2.wait_ready(client))
        start = (await gql(client, worker_1, SINCE))["changesSince"]["endCursor"]
        subscriber = await FeedClient.open(worker_1.ws_url)
        try:
            await subscriber.subscribe(start)
            receiving = asyncio.create_task(subscriber.changes(30, timeout=15))
            written = await _write_thirty_changes(client, worker_2)
            received = await asyncio.wait_for(receiving, 60)
            extra = [m async for m in subscriber.messages(timeout=2)]
        finally:
            await subscriber.close()
        log = (await gql(client, worker_2, CHANGES_AFTER, {"after": start}))["changesSince"]

    assert extra == [], "a change was delivered twice"
    assert log["hasMore"] is False
    assert received == log["changes"]  # every change, in log (seq) order, exactly once
    assert len({c["cursor"] for c in received}) == 30
    assert sorted((c["entityId"], c["operation"]) for c in received) == sorted(written)
    # Per entity the operations arrive in the order they were made.
    for entity_id in {e for e, _ in written}:
        assert [op for e, op in written if e == entity_id] == [
            c["operation"] for c in received if c["entityId"] == entity_id
        ]


@pytest.fixture
async def admin_exists(runtime: Runtime) -> None:
    """Workers starting together on a database without the local admin race to insert it (see the
    last test); create it first so these tests measure the feed, not that startup race."""


async def test_a_subscriber_on_one_worker_gets_every_write_made_through_another(
    postgres_url: str, admin_exists: None
) -> None:
    with serve(postgres_url) as worker_1, serve(postgres_url) as worker_2:
        await _follow_across_processes(worker_1, worker_2)


async def test_workers_of_one_serve_share_the_feed(postgres_url: str, admin_exists: None) -> None:
    """`serve --workers 2`: whichever worker a connection lands on, it hears the others' writes."""
    with serve(postgres_url, "--workers", "2") as server:
        async with httpx.AsyncClient(timeout=30) as client:
            await server.wait_ready(client)
            start = (await gql(client, server, SINCE))["changesSince"]["endCursor"]
            subscribers = [await FeedClient.open(server.ws_url) for _ in range(4)]
            try:
                for subscriber in subscribers:
                    await subscriber.subscribe(start)
                receiving = [asyncio.create_task(s.changes(30, timeout=15)) for s in subscribers]
                # New connections per request, so the writes spread over both workers.
                async with httpx.AsyncClient(
                    timeout=30, limits=httpx.Limits(max_keepalive_connections=0)
                ) as writer:
                    await _write_thirty_changes(writer, server)
                received = await asyncio.wait_for(asyncio.gather(*receiving), 60)
            finally:
                for subscriber in subscribers:
                    await subscriber.close()
            log = (await gql(client, server, CHANGES_AFTER, {"after": start}))["changesSince"]["changes"]
    for got in received:
        assert got == log


# --- start-up of several workers ---------------------------------------------------------------------


async def test_workers_starting_together_both_find_or_create_the_local_admin(
    pg_engine: AsyncEngine, postgres_url: str
) -> None:
    """Every worker runs `ensure_local_admin` in its lifespan. On a database without that row (right
    after `smooth-gql migrate`) two workers starting at once must both come up: today both SELECT,
    both INSERT, and the loser's UniqueViolation fails its start-up ("Application startup failed"),
    which makes `serve --workers N` stop the whole server."""
    runtimes = [Runtime(session_factory(pg_engine), Settings(database_url=postgres_url)) for _ in range(2)]
    failures: list[str] = []
    for _ in range(10):  # the race is timing-dependent; ten rounds make a miss very unlikely
        async with pg_engine.begin() as conn:
            await conn.execute(text("TRUNCATE users CASCADE"))
        outcomes = await asyncio.gather(*(ensure_local_admin(r) for r in runtimes), return_exceptions=True)
        failures += [
            f"{type(o).__name__}: {str(o).splitlines()[0]}" for o in outcomes if isinstance(o, BaseException)
        ]
        async with pg_engine.connect() as conn:
            assert (await conn.execute(text("SELECT count(*) FROM users"))).scalar_one() == 1
    assert failures == []
