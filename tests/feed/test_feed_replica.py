"""A CNC bridge's replica, kept in sync by the live change feed (DESIGN §4).

The headline test drives a seeded random mix of creates, updates and deletes on
all six entities through GraphQL, while a subscriber follows `changes` over
graphql-transport-ws, drops its connection at random points (also with changes
still unread) and resumes from its last cursor. Its replica must end equal to
the server's rows. The others: a subscriber that stops reading, type filters,
expired and malformed cursors, and server shutdown.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from websockets.exceptions import ConnectionClosed

from conftest import LiveServer
from support.factories import machine_setup
from support.feed import (
    ENTITIES,
    Served,
    bulk,
    bulk_ok,
    head_cursor,
    key,
    log_after,
    open_ws,
    operation_errors,
    prune_oldest_changes,
    serve,
    server_versions,
)
from support.feed_client import FeedClient

KINDS = list(ENTITIES)
OPERATIONS = 150
REFUSALS = {"CONSTRAINT", "VERSION_CONFLICT", "NOT_FOUND"}  # what a valid request may be refused with


# --- the writer: a seeded random workload and its own model of the rows ------------


@dataclass
class Writer:
    """Random bulk mutations; `rows` mirrors the server from the mutation results alone."""

    live: LiveServer
    rng: random.Random
    rows: dict[str, dict[str, int]] = field(default_factory=lambda: {k: {} for k in KINDS})
    changes_made: int = 0  # successes reported = change-log rows committed
    refused: int = 0
    done: bool = False
    moved: asyncio.Event = field(default_factory=asyncio.Event)
    counter: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def pick(self, kind: str) -> str | None:
        ids = list(self.rows[kind])  # insertion order: the same seed makes the same choices
        return self.rng.choice(ids) if ids else None

    def sample(self, kind: str, most: int) -> list[str]:
        ids = list(self.rows[kind])
        return self.rng.sample(ids, self.rng.randint(0, min(most, len(ids))))

    def create_input(self, kind: str) -> dict[str, Any]:
        n, rng = next(self.counter), self.rng
        if kind == "TOOL_ITEM":
            made: dict[str, Any] = {"name": f"item {n}", "category": rng.choice(["CUTTING_TOOL", "HOLDER"])}
            if rng.random() < 0.3 and (parent := self.pick("TOOL_ITEM")):
                made["parentToolId"] = parent
        elif kind == "TOOL_ASSEMBLY":
            made = {"name": f"assembly {n}"}
            if rng.random() < 0.7 and self.rows["TOOL_ITEM"]:
                made |= {"holderId": self.pick("TOOL_ITEM"), "cutterId": self.pick("TOOL_ITEM")}
        elif kind == "TOOL_INSTANCE":
            made = {"serialNumber": f"SN-{n}"}
            choice = rng.random()
            if choice < 0.5 and (assembly := self.pick("TOOL_ASSEMBLY")):
                made["toolAssemblyId"] = assembly
            elif choice < 0.8 and (tool := self.pick("TOOL_ITEM")):
                made["toolItemId"] = tool
        elif kind == "TOOL_PRESET":
            made = {"name": f"T{n}", "machineId": rng.choice(["mill-1", "lathe-2"]), "toolNumber": n}
            if rng.random() < 0.7 and (instance := self.pick("TOOL_INSTANCE")):
                made["toolInstanceId"] = instance
        elif kind == "TOOL_USAGE":
            made = {"startTime": f"2025-03-{1 + n % 28:02d}T08:00:00+00:00", "cycleCount": n}
            if rng.random() < 0.5 and (preset := self.pick("TOOL_PRESET")):
                made["presetId"] = preset
            elif instance := self.pick("TOOL_INSTANCE"):
                made["toolInstanceId"] = instance
        else:
            made = {
                "name": f"set {n}",
                "type": rng.choice(["MACHINE_SETUP", "JOB_SPECIFIC", "TEMPLATE"]),
                "toolInstanceIds": self.sample("TOOL_INSTANCE", 3),
                "toolPresetIds": self.sample("TOOL_PRESET", 2),
            }
        return made

    def changed_fields(self, kind: str, row_id: str) -> dict[str, Any]:
        n, rng, coin = next(self.counter), self.rng, self.rng.random()
        if kind == "TOOL_ITEM":
            others = [i for i in self.rows["TOOL_ITEM"] if i != row_id]
            if coin < 0.3:
                return {"parentToolId": rng.choice(others) if others and coin < 0.15 else None}
            return {"name": f"item {n}"}
        if kind == "TOOL_ASSEMBLY":
            if coin < 0.4:
                return {"components": [{"itemId": i, "role": "CUTTER"} for i in self.sample("TOOL_ITEM", 2)]}
            return {"name": f"assembly {n}"}
        if kind == "TOOL_INSTANCE":
            if coin < 0.4:
                return {"toolAssemblyId": self.pick("TOOL_ASSEMBLY") if coin < 0.2 else None}
            return {"status": rng.choice(["AVAILABLE", "IN_USE", "MAINTENANCE", "RETIRED"])}
        if kind == "TOOL_PRESET":
            if coin < 0.3:
                return {"toolInstanceId": self.pick("TOOL_INSTANCE") if coin < 0.15 else None}
            if coin < 0.5:
                return {"toolNumber": rng.randint(1, 30)}  # may collide on the machine: refused
            return {"name": f"T{n}"}
        if kind == "TOOL_USAGE":
            if coin < 0.3:
                return {"presetId": None}
            return {"cycleCount": n}
        if coin < 0.3:
            return {"toolInstanceIds": self.sample("TOOL_INSTANCE", 3)}
        if coin < 0.5:
            return {"toolPresetIds": self.sample("TOOL_PRESET", 2)}
        return {"name": f"set {n}"}

    def next_operation(self) -> tuple[str, str, list[dict[str, Any]], bool]:
        rng = self.rng
        kind = rng.choice(KINDS)
        roll = rng.random()
        if roll < 0.4 or not self.rows[kind]:
            return kind, "create", [self.create_input(kind) for _ in range(rng.randint(1, 3))], False
        atomic = rng.random() < 0.1
        if roll < 0.75:
            inputs = []
            planned: dict[str, int] = {}
            for _ in range(rng.randint(1, 3)):  # the same id twice carries the version the first makes
                row_id = self.pick(kind)
                assert row_id is not None
                expected = planned.get(row_id, self.rows[kind][row_id])
                if rng.random() < 0.05:
                    expected += 7  # stale: a version conflict
                planned[row_id] = expected + 1
                inputs.append(
                    {"id": row_id, "expectedVersion": expected, **self.changed_fields(kind, row_id)}
                )
            return kind, "update", inputs, atomic
        # Mostly recent rows: fewer others point at them yet, so more deletes go through.
        recent = list(self.rows[kind])[-3:]
        ids = list(
            dict.fromkeys(
                rng.choice(recent) if rng.random() < 0.6 else self.pick(kind)
                for _ in range(rng.randint(1, 2))
            )
        )
        deletes: list[dict[str, Any]] = []
        for row_id in ids:
            assert row_id is not None
            element: dict[str, Any] = {"id": row_id}
            if rng.random() < 0.5:
                element["expectedVersion"] = self.rows[kind][row_id] + (1 if rng.random() < 0.1 else 0)
            deletes.append(element)
        return kind, "delete", deletes, atomic

    async def run(self, operations: int) -> None:
        try:
            for _ in range(operations):
                kind, operation, inputs, atomic = self.next_operation()
                result = await bulk(self.live.api, kind, operation, inputs, atomic=atomic)
                assert {e["code"] for e in result["errors"]} <= REFUSALS, (operation, inputs, result)
                assert result["successCount"] == len(result["results"]), result
                if atomic and result["errorCount"]:
                    assert result["successCount"] == 0, result
                for row in result["results"]:
                    if operation == "delete":
                        del self.rows[kind][row["id"]]
                    else:
                        self.rows[kind][row["id"]] = row["version"]
                self.refused += result["errorCount"]
                self.changes_made += result["successCount"]
                self.moved.set()
        finally:
            self.done = True
            self.moved.set()

    async def wait_for_more(self, beyond: int, timeout: float = 10) -> None:
        """Until more than `beyond` changes are committed, or the writer is done."""
        async with asyncio.timeout(timeout):
            while self.changes_made <= beyond and not self.done:
                self.moved.clear()
                await self.moved.wait()


# --- the subscriber: a replica fed by `changes`, resuming from its last cursor ------


@dataclass
class Replica:
    rows: dict[tuple[str, str], int] = field(default_factory=dict)
    versions: dict[tuple[str, str], int] = field(default_factory=dict)  # kept after a delete
    deleted: set[tuple[str, str]] = field(default_factory=set)
    received: list[dict[str, Any]] = field(default_factory=list)
    cursors: set[str] = field(default_factory=set)

    def apply(self, change: dict[str, Any]) -> None:
        assert change["cursor"] not in self.cursors, f"cursor received twice: {change}"
        self.cursors.add(change["cursor"])
        self.received.append(change)
        entity = (change["entityType"], change["entityId"])
        operation, version = change["operation"], change["version"]
        last = self.versions.get(entity)
        assert entity not in self.deleted, f"a change after the delete: {change}"
        if operation == "CREATED":
            assert last is None and version == 1, (last, change)
            self.rows[entity] = version
        elif operation == "UPDATED":
            # Versions strictly increase, by exactly one: a skipped version is a lost change.
            assert last is not None and version == last + 1, (last, change)
            self.rows[entity] = version
        else:
            # A delete reports the version the row had when it went (no new version).
            assert operation == "DELETED" and last is not None and version == last, (last, change)
            del self.rows[entity]
            self.deleted.add(entity)
        self.versions[entity] = version


class Follower:
    """A subscriber that can drop its subscription in three ways and resume."""

    def __init__(self, url: str, start: str) -> None:
        self.url = url
        self.last = start
        self.client: FeedClient | None = None
        self.op = 0

    async def subscribe(self) -> None:
        if self.client is None:
            self.client = await FeedClient.open(self.url)
        self.op += 1
        await self.client.subscribe(self.last, op_id=str(self.op))

    async def drop(self, how: str) -> None:
        assert self.client is not None
        if how == "complete":  # stop the operation, keep the connection (stale messages follow)
            await self.client.connection.send(json.dumps({"id": str(self.op), "type": "complete"}))
            return
        if how == "abort":  # the network went away: no close handshake
            self.client.connection.transport.abort()
            await self.client.connection.wait_closed()
        else:
            await self.client.close()
        self.client = None

    async def next_change(self, timeout: float) -> dict[str, Any] | None:
        """The next change of the current operation; None after `timeout` quiet seconds."""
        assert self.client is not None
        async for message in self.client.messages(timeout):
            if message.get("id") != str(self.op):
                continue  # sent for an operation we completed; it is replayed under the new one
            assert message["type"] == "next", message
            assert "errors" not in message["payload"], message["payload"]
            change: dict[str, Any] = message["payload"]["data"]["changes"]
            self.last = change["cursor"]
            return change
        return None

    async def close(self) -> None:
        if self.client is not None:
            await self.client.close()


async def follow(
    follower: Follower, replica: Replica, writer: Writer, rng: random.Random, stats: dict[str, int]
) -> None:
    """Read bursts, drop the subscription at random points and resume, until every
    change the writer made has arrived (bounded: the caller's timeout)."""
    await follower.subscribe()
    while not (writer.done and len(replica.received) == writer.changes_made):
        for _ in range(rng.randint(1, 15)):
            change = await follower.next_change(timeout=0.5)
            if change is None:
                break
            replica.apply(change)
        if rng.random() < 0.4 or stats["drops"] == 0:
            if rng.random() < 0.5 or stats["behind"] == 0:
                # Stop reading until more commits, so they are certainly left unread.
                await writer.wait_for_more(len(replica.received) + rng.randint(0, 5))
            if writer.changes_made > len(replica.received):
                stats["behind"] += 1
            how = ("close", "abort", "complete")[stats["drops"] % 3]
            stats[how] += 1
            stats["drops"] += 1
            await follower.drop(how)
            await follower.subscribe()


# The second run keeps a buffer of 4 rows per worker, so resumes and bursts fall behind
# the shared tail and the follower reads the log itself until it reaches it again.
@pytest.mark.parametrize(
    "seed",
    [
        pytest.param(7, id="7-buffered"),
        pytest.param(2024, id="2024-tiny-buffer", marks=pytest.mark.settings(feed_buffer_rows=4)),
    ],
)
async def test_a_replica_fed_by_the_feed_ends_equal_to_the_server(live: LiveServer, seed: int) -> None:
    api = live.api
    start = await head_cursor(api)
    writer = Writer(live, random.Random(seed))
    replica = Replica()
    follower = Follower(live.ws_url, start)
    stats = dict.fromkeys(["drops", "behind", "close", "abort", "complete"], 0)
    try:
        async with asyncio.timeout(60), asyncio.TaskGroup() as tasks:  # one failing cancels the other
            tasks.create_task(writer.run(OPERATIONS))
            tasks.create_task(follow(follower, replica, writer, random.Random(seed + 1), stats))
    except TimeoutError:
        raise AssertionError(
            f"the replica stalled: {len(replica.received)} of {writer.changes_made} changes arrived"
            f" (writer done: {writer.done})"
        ) from None
    finally:
        await follower.close()

    truth = await server_versions(api.engine)
    expected = {(kind, row_id): v for kind, rows in writer.rows.items() for row_id, v in rows.items()}
    assert expected == truth  # the writer's own bookkeeping (a check of the test)
    assert replica.rows == truth
    # Nothing more than the log, in the log's order.
    log = await log_after(api, start)
    assert [c["cursor"] for c in replica.received] == [c["cursor"] for c in log]
    assert [key(c) for c in replica.received] == [key(c) for c in log]
    # The workload really covered what it claims to.
    done = {(c["entityType"], c["operation"]) for c in replica.received}
    missing = {(k, op) for k in KINDS for op in ("CREATED", "UPDATED", "DELETED")} - done
    assert not missing, missing
    assert writer.refused > 0
    assert stats["behind"] > 0 and all(stats[how] > 0 for how in ("close", "abort", "complete")), stats


# --- a subscriber that stops reading ----------------------------------------------

BIG_CHANGES = """
subscription($after: String) {
  changes(after: $after) { cursor entityType entityId operation version
                           entity { ... on ToolItem { description } } }
}"""


@pytest.fixture(params=[4096, 16], ids=["buffered", "behind-the-buffer"])
async def tight(
    engine: AsyncEngine, database_url: str, request: pytest.FixtureRequest
) -> AsyncIterator[Served]:
    """A live server with small socket send buffers: a stalled reader backs up into it.

    With the default feed buffer the stalled follower resumes from the worker's
    shared buffer; with 16 rows the tail moves on without it, and it has to
    catch up from the log itself.
    """
    async with serve(engine, database_url, send_buffer=8_192, feed_buffer_rows=request.param) as served:
        yield served


async def test_a_subscriber_that_stops_reading_blocks_no_writer_and_loses_nothing(tight: Served) -> None:
    live = tight.live
    api = live.api
    start = await head_cursor(api)
    # Small buffers on both ends, little client-side queueing and ~4 kB messages: the
    # server's sends to `slow` stall after a few changes, long before all 300 are written.
    slow = await open_ws(live.ws_url, receive_buffer=8_192, max_queue=1, compression=None)
    fast = await open_ws(live.ws_url)
    try:
        payload = {"query": BIG_CHANGES, "variables": {"after": start}}
        await slow.connection.send(json.dumps({"id": "slow", "type": "subscribe", "payload": payload}))
        await fast.subscribe(start)
        rng = random.Random(300)

        async def write(writer: int) -> list[str]:
            made = []
            for batch in range(15):
                inputs = [
                    {"name": f"w{writer} b{batch} i{i}", "description": rng.randbytes(2000).hex()}
                    for i in range(5)
                ]
                made += [r["id"] for r in await bulk_ok(api, "TOOL_ITEM", "create", inputs)]
            return made

        async with asyncio.timeout(120):
            fast_got, *written = await asyncio.gather(
                fast.changes(300, timeout=20), *(write(w) for w in range(4))
            )
        created = {i for ids in written for i in ids}
        assert len(created) == 300  # every write succeeded while `slow` read nothing
        log = await log_after(api, start)
        assert len(log) == 300
        assert [c["cursor"] for c in fast_got] == [c["cursor"] for c in log]  # no one waited for `slow`

        slow_got = []
        async with asyncio.timeout(60):
            async for message in slow.messages(timeout=20):
                assert (message["id"], message["type"]) == ("slow", "next"), message
                slow_got.append(message["payload"]["data"]["changes"])
                if len(slow_got) == 300:
                    break
        assert [c["cursor"] for c in slow_got] == [c["cursor"] for c in log]  # all, in order, once
        assert {c["entityId"] for c in slow_got} == created
        assert all(len(c["entity"]["description"]) == 4000 for c in slow_got)
        assert [m async for m in slow.messages(timeout=1.0)] == []  # and nothing twice
    finally:
        await slow.close()
        await fast.close()


# --- filters ----------------------------------------------------------------------


async def _collect(client: FeedClient, timeout: float) -> list[dict[str, Any]]:
    return [m async for m in client.messages(timeout)]


async def test_two_subscribers_with_different_type_filters_get_exactly_their_types(
    live: LiveServer,
) -> None:
    api = live.api
    start = await head_cursor(api)
    filters = {"a": ["TOOL_ITEM", "TOOL_SET"], "b": ["TOOL_PRESET", "TOOL_USAGE"]}
    clients = {name: await open_ws(live.ws_url) for name in filters}
    try:
        for name, types in filters.items():
            await clients[name].subscribe(start, types)
        presets = await machine_setup(api, 2)  # 4 items, 2 assemblies, 2 instances, 2 presets
        [usage] = await bulk_ok(
            api, "TOOL_USAGE", "create", [{"startTime": "2025-03-01T08:00:00+00:00", "presetId": presets[0]}]
        )
        [tool_set] = await bulk_ok(
            api, "TOOL_SET", "create", [{"name": "kit", "type": "TEMPLATE", "toolPresetIds": presets}]
        )
        await bulk_ok(api, "TOOL_PRESET", "update", [{"id": presets[1], "expectedVersion": 1, "pocket": 7}])
        await bulk_ok(api, "TOOL_USAGE", "delete", [{"id": usage["id"]}])
        await bulk_ok(api, "TOOL_SET", "delete", [{"id": tool_set["id"]}])

        everything = await log_after(api, start)
        assert len(everything) == 15
        got = {}
        for name, types in filters.items():
            expected = [c for c in everything if c["entityType"] in types]
            got[name] = await clients[name].changes(len(expected))
            assert [c["cursor"] for c in got[name]] == [c["cursor"] for c in expected]
            assert [key(c) for c in got[name]] == [key(c) for c in expected]
        assert [(c["entityType"], c["operation"]) for c in got["a"]] == [
            *[("TOOL_ITEM", "CREATED")] * 4,
            ("TOOL_SET", "CREATED"),
            ("TOOL_SET", "DELETED"),
        ]
        assert [(c["entityType"], c["operation"]) for c in got["b"]] == [
            ("TOOL_PRESET", "CREATED"),
            ("TOOL_PRESET", "CREATED"),
            ("TOOL_USAGE", "CREATED"),
            ("TOOL_PRESET", "UPDATED"),
            ("TOOL_USAGE", "DELETED"),
        ]
        quiet = await asyncio.gather(*(_collect(c, timeout=1.0) for c in clients.values()))
        assert quiet == [[], []]  # nothing of the other's types, nothing twice
    finally:
        for client in clients.values():
            await client.close()


# --- cursors the feed cannot continue from -----------------------------------------


async def test_an_expired_cursor_is_refused_with_cursor_expired(live: LiveServer) -> None:
    api = live.api
    start = await head_cursor(api)
    await bulk_ok(api, "TOOL_ITEM", "create", [{"name": f"i{n}"} for n in range(3)])
    first, second, third = await log_after(api, start)
    await prune_oldest_changes(api.engine, 2)  # retention dropped `first` and `second`

    client = await open_ws(live.ws_url)
    try:
        await client.subscribe(start, op_id="expired")
        [error] = await operation_errors(client, "expired")
        assert error["extensions"] == {"code": "CURSOR_EXPIRED", "field": "after"}, error
        await client.subscribe(first["cursor"], op_id="older")
        [error] = await operation_errors(client, "older")
        assert error["extensions"]["code"] == "CURSOR_EXPIRED", error
        # The newest pruned cursor still continues without a gap, on the same connection.
        await client.subscribe(second["cursor"], op_id="3")
        [change] = await client.changes(1)
        assert change["cursor"] == third["cursor"]
    finally:
        await client.close()


async def test_a_malformed_cursor_is_bad_user_input(live: LiveServer) -> None:
    client = await open_ws(live.ws_url)
    try:
        for n, cursor in enumerate(
            [
                "nonsense",
                "",
                base64.urlsafe_b64encode(b"chg:-1").decode(),
                base64.urlsafe_b64encode(b"x").decode(),
            ]
        ):
            await client.subscribe(cursor, op_id=f"bad{n}")
            [error] = await operation_errors(client, f"bad{n}")
            assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "after"}, (cursor, error)
    finally:
        await client.close()


# --- shutdown -----------------------------------------------------------------------


@pytest.fixture
async def stoppable(engine: AsyncEngine, database_url: str) -> AsyncIterator[Served]:
    async with serve(engine, database_url) as served:
        yield served


async def test_server_shutdown_ends_an_open_subscription_cleanly(stoppable: Served) -> None:
    api = stoppable.live.api
    start = await head_cursor(api)
    client = await open_ws(stoppable.live.ws_url)
    try:
        await client.subscribe(start)
        await bulk_ok(api, "TOOL_ITEM", "create", [{"name": "before shutdown"}])
        await client.changes(1)  # the subscription is live

        stoppable.server.should_exit = True
        seen: list[dict[str, Any]] = []
        closed: ConnectionClosed | None = None
        try:
            async with asyncio.timeout(15):
                async for message in client.messages(timeout=15):
                    seen.append(message)
                    if message["type"] == "complete":
                        break
        except ConnectionClosed as exc:
            closed = exc
        ended_by_complete = bool(seen) and seen[-1] == {"id": "1", "type": "complete"}
        assert ended_by_complete or closed is not None, f"no complete and no close: {seen}"
        assert all(m["type"] == "complete" for m in seen), seen
        if closed is not None:
            # A close handshake (the server said why), not a dropped connection (1006).
            assert closed.rcvd is not None, closed
            assert closed.rcvd.code in (1000, 1001, 1012), closed
        assert await stoppable.stop(timeout=15), "the server did not finish shutting down"
    finally:
        await client.close()
