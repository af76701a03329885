"""A worker killed in the middle of a bulk write leaves all of it or none of it, and the feed agrees.

A real `smooth-gql serve` process gets a 1,000-item createToolItems and is
SIGKILLed while its write transaction is open: on PostgreSQL pg_stat_activity
shows the server's backend holding a transaction id; on SQLite another
connection cannot take the write lock. After a restart on the same database
nothing of the batch remains — items, audit rows and change rows alike — no
change row names an item that does not exist, and the change feed lists
exactly the items that do.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from conftest import Api
from support.serve_process import ServeProcess, gql, serve
from support.write_probe import write_transaction_open

BATCH = 1000
CREATE = """mutation($input: [ToolItemCreateInput!]!) {
  createToolItems(input: $input, atomic: true) { successCount } }"""
SINCE = "query { changesSince(first: 0) { endCursor } }"
CHANGES_AFTER = """query($after: String) { changesSince(after: $after, first: 1000) {
  changes { entityId operation } endCursor hasMore } }"""


def _batch(label: str) -> dict[str, Any]:
    return {
        "input": [{"name": f"{label} {n}", "description": "x" * 200, "tags": [label]} for n in range(BATCH)]
    }


async def _kill_during_write(
    server: ServeProcess, client: httpx.AsyncClient, engine: AsyncEngine, database_url: str, label: str
) -> None:
    """Send the batch and SIGKILL the server while its write transaction is open."""
    sending = asyncio.create_task(gql(client, server, CREATE, _batch(label)))
    deadline = time.monotonic() + 30  # a bound on the wait, not a timing assertion
    while not await write_transaction_open(engine, database_url):
        assert time.monotonic() < deadline and not sending.done(), "the write never opened a transaction"
        await asyncio.sleep(0.002)
    server.process.send_signal(signal.SIGKILL)
    server.process.wait(timeout=30)
    with contextlib.suppress(httpx.HTTPError, AssertionError):
        await sending  # the connection died with the worker: the client cannot know the outcome


async def _feed_matches_rows(api_url: str, engine: AsyncEngine, start: str) -> None:
    """After the restart the feed lists, once each, exactly the items that exist."""
    with serve(api_url) as server:
        async with httpx.AsyncClient(timeout=60) as client:
            await server.wait_ready(client)
            created: list[str] = []
            cursor, more = start, True
            while more:  # bounded: the log holds at most a few thousand rows here
                page = (await gql(client, server, CHANGES_AFTER, {"after": cursor}))["changesSince"]
                created += [c["entityId"] for c in page["changes"] if c["operation"] == "CREATED"]
                cursor, more = page["endCursor"], page["hasMore"]
            async with engine.connect() as conn:
                existing = {r for (r,) in await conn.execute(text("SELECT id FROM tool_items"))}
                changed = {r for (r,) in await conn.execute(text("SELECT entity_id FROM change_log"))}
            assert len(created) == len(set(created))
            assert set(created) == existing
            assert changed == existing  # no change row names an item that was never committed
            # And the restarted server takes writes again.
            done = await gql(client, server, CREATE, _batch("after restart"))
            assert done["createToolItems"]["successCount"] == BATCH


async def test_a_worker_killed_inside_a_bulk_write_leaves_none_of_it(api: Api, database_url: str) -> None:
    engine = api.engine
    start = (await api.gql(SINCE))["changesSince"]["endCursor"]
    for n in range(2):
        with serve(database_url) as server:
            async with httpx.AsyncClient(timeout=60) as client:
                await server.wait_ready(client)
                await gql(client, server, CREATE, {"input": [{"name": "warm-up"}]})  # start-up work is over
                before = await api.counts()  # every data, join, audit and change table
                await _kill_during_write(server, client, engine, database_url, f"killed {n}")
        assert await api.counts() == before
    await _feed_matches_rows(database_url, engine, start)
