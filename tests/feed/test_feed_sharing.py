"""Subscribers of one worker share the execution of each change (feed_executor.py, changes/shared.py).

A change is executed once per (document, variables, access) and handed to
every subscriber with that key; subscribers with other access get their own
execution, and a subscriber that goes away takes nothing from the others.
"""

from __future__ import annotations

import asyncio
import json

import pytest
from graphql import parse
from sqlalchemy.ext.asyncio import AsyncEngine
from websockets.asyncio.client import connect

from conftest import LiveServer, StatementCounter
from smooth_gql.changes import cursor
from smooth_gql.changes.shared import SharedResults
from smooth_gql.feed_executor import SharedEventExecutor
from smooth_gql.schema import schema
from support.auth import Creds, live_auth_server
from support.feed_client import FeedClient

WITH_ENTITY = """subscription($after: String) {
  changes(after: $after) { cursor operation entityId entity { ... on ToolItem { id tags version } } } }"""
SINCE = "query { changesSince(first: 0) { endCursor } }"


async def _open(port: int, creds: Creds | None = None) -> FeedClient:
    payload = {"authorization": f"Bearer {creds.key}"} if creds and creds.key else {}
    headers = {"Cookie": f"session={creds.session}"} if creds and creds.session else {}
    connection = await connect(
        f"ws://127.0.0.1:{port}/graphql",
        subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
        additional_headers=headers,
    )
    await connection.send(json.dumps({"type": "connection_init", "payload": payload}))
    assert json.loads(await asyncio.wait_for(connection.recv(), 10))["type"] == "connection_ack"
    return FeedClient(connection)


async def _subscribe(client: FeedClient, after: str) -> None:
    payload = {"query": WITH_ENTITY, "variables": {"after": after}}
    await client.connection.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))


def _entity_reads(counter: StatementCounter) -> list[str]:
    return [s for s in counter.statements if "FROM tool_items" in s and "tool_items.id IN" in s]


async def test_subscribers_with_the_same_access_share_one_read_of_each_entity(
    live: LiveServer, engine: AsyncEngine
) -> None:
    api = live.api
    start = (await api.gql(SINCE))["changesSince"]["endCursor"]
    clients = [await _open(live.port) for _ in range(5)]
    counter = StatementCounter(engine)
    try:
        for client in clients:
            await _subscribe(client, start)
        warm = await api.gql('mutation { createToolItems(input: [{name: "warm"}]) { successCount } }')
        assert warm["createToolItems"]["successCount"] == 1
        for client in clients:  # every subscription is live
            await client.changes(1)
        counter.reset()
        await api.gql('mutation { createToolItems(input: [{name: "one", tags: ["a"]}]) { successCount } }')
        got = [(await client.changes(1))[0] for client in clients]
    finally:
        for client in clients:
            await client.close()
    assert {change["entity"]["tags"][0] for change in got} == {"a"}
    assert len({json.dumps(change, sort_keys=True) for change in got}) == 1
    assert len(_entity_reads(counter)) == 1, counter.statements  # five subscribers, one read


async def test_one_shared_read_gives_each_access_its_own_answer(
    engine: AsyncEngine, database_url: str
) -> None:
    """A change a tag-restricted key may see, of an item that has since left its tags: the key gets
    the change without the entity, the owner with it, whichever of the two is executed first."""
    async with live_auth_server(engine, database_url) as (auth, port):
        await auth.register("root@shop.example")  # the first user is the admin; ann is not
        await auth.create_user(await auth.login("root@shop.example"), "ann@shop.example")
        ann = await auth.login("ann@shop.example")
        _, key = await auth.key(ann, ["read"], tags=["t1"])
        made = await auth.ok(
            'mutation { createToolItems(input: [{name: "m", tags: ["t1"]}]) { results { id } } }', creds=ann
        )
        item_id = made["createToolItems"]["results"][0]["id"]
        moved = await auth.ok(
            'mutation($id: ID!) { updateToolItems(input: [{id: $id, expectedVersion: 1, tags: ["t2"]}]) '
            "{ successCount } }",
            {"id": item_id},
            creds=ann,
        )
        assert moved["updateToolItems"]["successCount"] == 1
        owner, restricted = await _open(port, ann), await _open(port, key)
        try:
            await _subscribe(owner, cursor.encode(0))
            await _subscribe(restricted, cursor.encode(0))
            owners = await owner.changes(2)
            keys = await restricted.changes(1)
            assert [m async for m in restricted.messages(timeout=1.0)] == []  # the update is not its to see
        finally:
            await owner.close()
            await restricted.close()
    assert [(c["operation"], c["entity"]["tags"]) for c in owners] == [
        ("CREATED", ["t2"]),
        ("UPDATED", ["t2"]),
    ]
    assert [(c["operation"], c["entityId"], c["entity"]) for c in keys] == [("CREATED", item_id, None)]


# --- SharedResults ---------------------------------------------------------------------------------


class Work:
    """Counts its runs; each run waits for `release` and returns the run's number (or raises)."""

    def __init__(self, fail: bool = False) -> None:
        self.runs = 0
        self.release = asyncio.Event()
        self.fail = fail

    async def __call__(self) -> int:
        self.runs += 1
        run = self.runs
        await self.release.wait()
        if self.fail:
            raise RuntimeError(f"run {run} failed")
        return run


async def test_waiters_of_one_key_share_one_run_and_other_keys_run_apart() -> None:
    shared, work, other = SharedResults(), Work(), Work()
    first = asyncio.ensure_future(shared.get("k", work))
    second = asyncio.ensure_future(shared.get("k", work))
    apart = asyncio.ensure_future(shared.get("j", other))
    await asyncio.sleep(0)
    other.release.set()
    assert await apart == 1  # another key is not held up by the first one's work
    assert not first.done()
    work.release.set()
    assert (await first, await second) == (1, 1)
    assert (work.runs, other.runs, shared.started) == (1, 1, 2)


async def test_a_result_is_shared_only_while_it_is_fresh() -> None:
    now = [100.0]
    shared, work = SharedResults(max_age=1.0, clock=lambda: now[0]), Work()
    work.release.set()
    assert await shared.get("k", work) == 1
    now[0] += 1.0
    assert await shared.get("k", work) == 1  # a second old: still shared
    now[0] += 0.5
    assert await shared.get("k", work) == 2  # older: done anew
    assert len(shared) == 1


async def test_a_waiter_that_goes_away_leaves_the_work_to_the_others() -> None:
    shared, work = SharedResults(), Work()
    leaving = asyncio.ensure_future(shared.get("k", work))
    staying = asyncio.ensure_future(shared.get("k", work))
    await asyncio.sleep(0)
    leaving.cancel()
    await asyncio.sleep(0)
    work.release.set()
    assert await staying == 1
    assert leaving.cancelled() and work.runs == 1


async def test_a_failure_reaches_its_waiters_and_is_not_kept() -> None:
    shared, failing = SharedResults(), Work(fail=True)
    waiters = [asyncio.ensure_future(shared.get("k", failing)) for _ in range(2)]
    await asyncio.sleep(0)
    failing.release.set()
    for waiter in waiters:
        with pytest.raises(RuntimeError, match="run 1 failed"):
            await waiter
    assert len(shared) == 0
    with pytest.raises(RuntimeError, match="run 2 failed"):
        await shared.get("k", failing)  # tried again, not answered from the failure


async def test_it_holds_at_most_its_capacity() -> None:
    shared = SharedResults(capacity=3)
    for n in range(10):
        work = Work()
        work.release.set()
        await shared.get(n, work)
        assert len(shared) <= 3


def test_each_event_gets_its_own_executor_with_the_subscriptions_settings() -> None:
    """The executor's own `__copy__` (feed_executor.py) must copy what graphql-core's copy did:
    every attribute shared with the subscription's executor but the event and its errors."""
    executor = SharedEventExecutor.build(schema._schema, parse("subscription { changes { cursor } }"))
    assert isinstance(executor, SharedEventExecutor)
    event = executor.build_per_event_executor("the event")
    assert type(event) is SharedEventExecutor
    assert (event.root_value, executor.root_value) == ("the event", None)
    assert event.collected_errors is not executor.collected_errors
    mine, its = vars(event), vars(executor)
    assert mine.keys() == its.keys()
    assert [name for name in its if mine[name] is not its[name]] == ["root_value", "collected_errors"]
