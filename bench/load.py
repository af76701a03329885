"""`python -m bench --load`: many clients at once against real servers; nothing may fail or go missing.

Bounded in count and time, on 127.0.0.1 only. `--clients` clients run for
`--duration` seconds against real `smooth-gql serve` processes: one worker on
SQLite, two workers (`serve --workers 2`, one PostgreSQL database) on
PostgreSQL. A few clients (`--subscribers`) follow the change feed over
graphql-transport-ws; the others loop over a mix of requests, each its own
HTTP connection:

* read a page of tool items (40 %), read the nested machine view (20 %),
* create 5 tool items (20 %), update up to 5 of its own items with their
  expected versions (15 %), delete one of its own items (5 %).

Afterwards the database is read directly: every write a client saw
acknowledged must be there (created and updated rows at exactly the
acknowledged version, deleted rows gone), and every subscriber must have
received every change of the log since the start, in order, once. The report
gives requests per second, p50/p99 latency per kind of request, the number of
errors (any non-200, GraphQL error or per-item error) and of lost writes and
feed deliveries; a clean run has zeros in the last three.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import make_url, select
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from smooth_gql.changes import cursor
from smooth_gql.db import models
from smooth_gql.db.engine import create_engine
from smooth_gql.db.migrate import upgrade

from .database import FreshDatabase, fresh_database
from .feed import Server, percentile, serving
from .harness import BenchError, encode_request
from .report import Environment

MACHINES = ("load-mill-1", "load-mill-2")
WRITE_BATCH = 5
SUBSCRIPTION = (
    "subscription($after: String) { changes(after: $after) { cursor entityType entityId version } }"
)
SINCE = "query { changesSince(first: 0) { endCursor } }"
LIST = "query { toolItems(first: 50) { totalCount edges { node { id name version tags } } } }"
MACHINE_VIEW = """
query($machine: String!) {
  toolPresets(filter: {machineId: $machine}, first: 20) { edges { node {
    toolNumber toolInstance { serialNumber toolAssembly { name components { role item { name } } } }
  } } }
}"""
CREATE = """mutation($input: [ToolItemCreateInput!]!) {
  createToolItems(input: $input) { successCount errors { index message } results { id version } } }"""
UPDATE = """mutation($input: [ToolItemUpdateInput!]!) {
  updateToolItems(input: $input) { successCount errors { index message } results { id version } } }"""
DELETE = """mutation($input: [DeleteInput!]!) {
  deleteToolItems(input: $input) { successCount errors { index message } } }"""
SEED_ITEMS = (
    """mutation($input: [ToolItemCreateInput!]!) { createToolItems(input: $input) { results { id } } }"""
)
SEED_ASSEMBLY = """mutation($input: [ToolAssemblyCreateInput!]!) { createToolAssemblies(input: $input) { results { id } } }"""
SEED_INSTANCE = """mutation($input: [ToolInstanceCreateInput!]!) { createToolInstances(input: $input) { results { id } } }"""
SEED_PRESET = (
    """mutation($input: [ToolPresetCreateInput!]!) { createToolPresets(input: $input) { results { id } } }"""
)
DELETED = -1


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    acknowledged: dict[str, int] = field(default_factory=dict)  # item id -> version, or DELETED

    def error(self, what: str) -> None:
        if len(self.errors) < 1000:  # keep the first ones; the count is what is judged
            self.errors.append(what[:300])


@dataclass
class Follower:
    name: str
    cursors: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@dataclass
class LoadReport:
    scenario: str
    clients: int
    subscribers: int
    duration_s: float
    requests: int
    latencies_ms: dict[str, list[float]]
    errors: list[str]
    writes_acknowledged: int
    lost_writes: list[str]
    log_changes: int
    feed_missing: int
    feed_errors: list[str]

    @property
    def requests_per_second(self) -> float:
        return self.requests / self.duration_s if self.duration_s else 0.0

    @property
    def clean(self) -> bool:
        return (
            not self.errors
            and not self.lost_writes
            and not self.feed_missing
            and not self.feed_errors
            and self.requests > 0
        )


async def _gql(client: httpx.AsyncClient, query: str, variables: dict[str, Any] | None = None) -> Any:
    response = await client.post(
        "/graphql", content=encode_request(query, variables), headers={"content-type": "application/json"}
    )
    if response.status_code != 200:
        raise BenchError(f"HTTP {response.status_code}: {response.text[:200]}")
    body = response.json()
    if body.get("errors"):
        raise BenchError(f"GraphQL errors: {json.dumps(body['errors'])[:200]}")
    return body["data"]


async def _seed(client: httpx.AsyncClient) -> None:
    """A small machine view to read: 2 machines × 10 presets on assemblies of a holder and a cutter."""
    items = await _gql(
        client,
        SEED_ITEMS,
        {
            "input": [
                {"name": "load holder", "category": "HOLDER"},
                {"name": "load cutter", "category": "CUTTING_TOOL"},
            ]
        },
    )
    holder, cutter = (r["id"] for r in items["createToolItems"]["results"])
    assembly = (
        await _gql(
            client,
            SEED_ASSEMBLY,
            {"input": [{"name": "load assembly", "holderId": holder, "cutterId": cutter}]},
        )
    )["createToolAssemblies"]["results"][0]["id"]
    instances = await _gql(
        client,
        SEED_INSTANCE,
        {"input": [{"serialNumber": f"LOAD-{n}", "toolAssemblyId": assembly} for n in range(20)]},
    )
    ids = [r["id"] for r in instances["createToolInstances"]["results"]]
    presets = [
        {
            "name": f"T{n % 10 + 1}",
            "machineId": MACHINES[n // 10],
            "toolNumber": n % 10 + 1,
            "toolInstanceId": i,
        }
        for n, i in enumerate(ids)
    ]
    await _gql(client, SEED_PRESET, {"input": presets})


class Worker:
    """One client: its own connection, its own items, a random mix of requests until the deadline."""

    def __init__(self, number: int, base_url: str, tally: Tally, seed: int) -> None:
        self.number = number
        self.base_url = base_url
        self.tally = tally
        self.rng = random.Random(seed)
        self.mine: dict[str, int] = {}  # this client's live items -> version

    async def run(self, deadline: float) -> int:
        done = 0
        limits = httpx.Limits(max_connections=1)
        async with httpx.AsyncClient(base_url=self.base_url, timeout=30, limits=limits) as client:
            while time.monotonic() < deadline:
                kind, request = self._pick()
                started = time.perf_counter()
                try:
                    await request(client)
                except (BenchError, httpx.HTTPError) as exc:
                    self.tally.error(f"client {self.number} {kind}: {type(exc).__name__}: {exc}")
                else:
                    self.tally.latencies[kind].append((time.perf_counter() - started) * 1000)
                done += 1
        return done

    def _pick(self) -> tuple[str, Any]:
        roll = self.rng.random()
        if roll < 0.40:
            return "list items", self._list
        if roll < 0.60:
            return "machine view", self._machine_view
        if roll < 0.80 or not self.mine:
            return "create 5", self._create
        if roll < 0.95:
            return "update ≤5", self._update
        return "delete 1", self._delete

    async def _list(self, client: httpx.AsyncClient) -> None:
        await _gql(client, LIST)

    async def _machine_view(self, client: httpx.AsyncClient) -> None:
        data = await _gql(client, MACHINE_VIEW, {"machine": self.rng.choice(MACHINES)})
        if len(data["toolPresets"]["edges"]) != 10:
            raise BenchError(f"machine view: {len(data['toolPresets']['edges'])} presets, expected 10")

    async def _create(self, client: httpx.AsyncClient) -> None:
        names = [f"load c{self.number} {self.rng.getrandbits(40):x}" for _ in range(WRITE_BATCH)]
        result = (await _gql(client, CREATE, {"input": [{"name": n, "tags": ["load"]} for n in names]}))[
            "createToolItems"
        ]
        self._acknowledge(result, WRITE_BATCH)

    async def _update(self, client: httpx.AsyncClient) -> None:
        chosen = self.rng.sample(sorted(self.mine), min(WRITE_BATCH, len(self.mine)))
        inputs = [
            {"id": i, "expectedVersion": self.mine[i], "description": f"rev {self.mine[i] + 1}"}
            for i in chosen
        ]
        result = (await _gql(client, UPDATE, {"input": inputs}))["updateToolItems"]
        self._acknowledge(result, len(inputs))

    async def _delete(self, client: httpx.AsyncClient) -> None:
        victim = self.rng.choice(sorted(self.mine))
        result = (
            await _gql(client, DELETE, {"input": [{"id": victim, "expectedVersion": self.mine[victim]}]})
        )["deleteToolItems"]
        if result["successCount"] != 1 or result["errors"]:
            raise BenchError(f"delete refused: {result['errors']}")
        del self.mine[victim]
        self.tally.acknowledged[victim] = DELETED

    def _acknowledge(self, result: dict[str, Any], expected: int) -> None:
        if result["successCount"] != expected or result["errors"]:
            raise BenchError(f"{expected - result['successCount']} elements refused: {result['errors']}")
        for row in result["results"]:
            self.mine[row["id"]] = row["version"]
            self.tally.acknowledged[row["id"]] = row["version"]


async def _follow(server: Server, name: str, after: str, stop: asyncio.Event, follower: Follower) -> None:
    """Subscribe once and keep every cursor; the connection must stay up for the whole run."""
    async with connect(
        server.ws_url, subprotocols=[Subprotocol("graphql-transport-ws")], max_size=None, open_timeout=30
    ) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
        if json.loads(await asyncio.wait_for(ws.recv(), 30)).get("type") != "connection_ack":
            follower.errors.append(f"{name}: no connection_ack")
            return
        payload = {"query": SUBSCRIPTION, "variables": {"after": after}}
        await ws.send(json.dumps({"id": name, "type": "subscribe", "payload": payload}))
        while not stop.is_set():
            try:
                raw = await asyncio.wait_for(ws.recv(), 0.5)
            except TimeoutError:
                continue
            except ConnectionClosed as closed:
                follower.errors.append(f"{name}: connection closed: {closed}")
                return
            message = json.loads(raw)
            if message.get("type") == "ping":
                await ws.send(json.dumps({"type": "pong"}))
            elif message.get("type") == "next" and not message["payload"].get("errors"):
                follower.cursors.append(message["payload"]["data"]["changes"]["cursor"])
            elif message.get("type") != "pong":
                follower.errors.append(f"{name}: {json.dumps(message)[:300]}")


async def _truth(database_url: str, start_seq: int) -> tuple[dict[str, int], list[str]]:
    """Tool items (id -> version) and the change log's cursors after the start, read directly."""
    engine = create_engine(database_url)
    try:
        items, changes = models.table_of(models.ToolItem), models.table_of(models.ChangeLog)
        async with engine.connect() as conn:
            rows = {r.id: r.version for r in await conn.execute(select(items.c.id, items.c.version))}
            seqs = await conn.execute(
                select(changes.c.seq).where(changes.c.seq > start_seq).order_by(changes.c.seq)
            )
            return rows, [cursor.encode(seq) for (seq,) in seqs]
    finally:
        await engine.dispose()


async def run_load(
    database_url: str,
    scenario: str,
    *,
    workers: int,
    clients: int,
    subscribers: int,
    duration: float,
    seed: int = 1,
) -> LoadReport:
    """Serve `database_url` (already migrated) and drive it; bounded by `duration` plus fixed margins."""
    tally = Tally()
    followers = [Follower(f"f{n}") for n in range(subscribers)]
    with serving(database_url, "load", workers=workers) as server:
        async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as setup:
            await server.wait_ready(setup)
            await _seed(setup)
            start = (await _gql(setup, SINCE))["changesSince"]["endCursor"]
        stop = asyncio.Event()
        async with asyncio.timeout(duration + 180):
            follow_tasks = [asyncio.create_task(_follow(server, f.name, start, stop, f)) for f in followers]
            await asyncio.sleep(0.5)  # let the subscriptions start before the first write
            deadline = time.monotonic() + duration
            began = time.perf_counter()
            pool = [Worker(n, server.base_url, tally, seed * 1000 + n) for n in range(clients - subscribers)]
            counts = await asyncio.gather(*(w.run(deadline) for w in pool))
            elapsed = time.perf_counter() - began
            rows, log = await _truth(database_url, cursor.decode(start))
            # Give the subscribers a bounded while to drain what was committed.
            drain_until = time.monotonic() + 30
            while time.monotonic() < drain_until and any(len(f.cursors) < len(log) for f in followers):
                await asyncio.sleep(0.1)
            stop.set()
            await asyncio.gather(*follow_tasks, return_exceptions=True)
    lost = [
        f"{item}: acknowledged {'deleted' if version == DELETED else f'v{version}'}, stored "
        f"{'nothing' if item not in rows else f'v{rows[item]}'}"
        for item, version in tally.acknowledged.items()
        if rows.get(item, DELETED) != version
    ]
    missing = sum(1 for f in followers if f.cursors != log)
    feed_errors = [e for f in followers for e in f.errors]
    for f in followers:
        if f.cursors != log:
            feed_errors.append(
                f"{f.name}: received {len(f.cursors)} changes ({len(set(f.cursors))} distinct), the log has {len(log)}"
            )
    return LoadReport(
        scenario=scenario,
        clients=clients,
        subscribers=subscribers,
        duration_s=elapsed,
        requests=sum(counts),
        latencies_ms=dict(tally.latencies),
        errors=tally.errors,
        writes_acknowledged=len(tally.acknowledged),
        lost_writes=lost,
        log_changes=len(log),
        feed_missing=missing,
        feed_errors=feed_errors,
    )


def render(report: LoadReport) -> str:
    lines = [
        f"{report.scenario}: {report.clients} clients ({report.subscribers} following the feed) for "
        f"{report.duration_s:.1f} s: {report.requests:,} requests, {report.requests_per_second:,.0f} requests/s",
        f"  {'request':<14} {'count':>7} {'p50 ms':>8} {'p99 ms':>8}",
    ]
    every: list[float] = []
    for kind, values in sorted(report.latencies_ms.items()):
        every += values
        lines.append(
            f"  {kind:<14} {len(values):>7,} {percentile(values, 50):>8.1f} {percentile(values, 99):>8.1f}"
        )
    if every:
        lines.append(
            f"  {'all':<14} {len(every):>7,} {percentile(every, 50):>8.1f} {percentile(every, 99):>8.1f}"
        )
    lines.append(
        f"  errors = {len(report.errors)}, lost writes = {len(report.lost_writes)} of "
        f"{report.writes_acknowledged:,} acknowledged rows, feed: {report.log_changes:,} changes, "
        f"subscribers missing any = {report.feed_missing}  {'CLEAN' if report.clean else 'FAILED'}"
    )
    lines += [f"  error: {e}" for e in (report.errors + report.lost_writes + report.feed_errors)[:10]]
    return "\n".join(lines)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    load = parser.add_argument_group("load test (--load)")
    load.add_argument(
        "--load",
        action="store_true",
        help="instead of the request workloads, run the bounded load test: many clients mixing reads, bulk writes "
        "and subscriptions against real servers (one worker on SQLite, two on PostgreSQL); prints requests/s, "
        "p50/p99, errors and lost writes",
    )
    load.add_argument(
        "--clients", type=int, default=32, metavar="N", help="load: concurrent clients (default: 32)"
    )
    load.add_argument(
        "--load-subscribers",
        type=int,
        default=4,
        metavar="N",
        help="load: how many of the clients follow the change feed (default: 4)",
    )
    load.add_argument(
        "--duration",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="load: how long the clients run (default: 30)",
    )


async def run_load_bench(args: argparse.Namespace) -> bool:
    """The CLI entry: a fresh database, one scenario; True when it failed."""
    if not 0 <= args.load_subscribers < args.clients or args.duration <= 0:
        raise BenchError("--load-subscribers must be below --clients, and --duration positive")
    async with fresh_database(args.database_url) as db:
        await _migrate(db)
        environment = Environment.current(db.dialect, make_url(db.url).get_driver_name(), db.where)
        print("\n".join(environment.lines()))
        print(f"load average at start: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
        workers = 1 if db.dialect == "sqlite" else 2
        scenario = f"{db.dialect}, {workers} worker{'s' if workers > 1 else ''}"
        print(f"running the load test ({scenario}) ...", file=sys.stderr, flush=True)
        report = await run_load(
            db.url,
            scenario,
            workers=workers,
            clients=args.clients,
            subscribers=args.load_subscribers,
            duration=args.duration,
        )
        print(render(report))
        return not report.clean


async def _migrate(db: FreshDatabase) -> None:
    engine = create_engine(db.url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()
