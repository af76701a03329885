"""`python -m bench --feed-load`: the change feed under a burst of bulk writes (issue 18).

Many WebSocket subscribers follow one real `smooth-gql serve` worker on
127.0.0.1 while a writer sends `--feed-load-changes` changes as bulk
createToolItems bursts of `--burst` items, back to back, as fast as the server
takes them. Each subscription asks for what a bridge asks for: the change and
its entity (`entity { ... on ToolItem { id name version } }`), so every
delivery is the change and the entity's current state.

Judged: every subscriber gets every change of the log since it subscribed,
once, in order, each with its entity; and the last delivery comes within
`--feed-load-target` seconds (default 2) of the last commit. The commit happens
inside the last write's request, so the time from sending that request to
the last delivery is an upper bound on commit-to-delivery (the verdict uses
it); the time from its response a lower bound.

Bounded in count and time: `--feed-load-timeout` seconds at most for the
deliveries to drain; the server is stopped by its pid (SIGTERM, then SIGKILL).
Client and server share the machine: the client decodes every message too,
and the report prints the CPU time each spent.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson
from sqlalchemy import make_url, select
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from smooth_gql.changes import cursor
from smooth_gql.db import models
from smooth_gql.db.engine import create_engine
from smooth_gql.db.migrate import upgrade

from .database import fresh_database
from .feed import Server, serving
from .feed import _profile_report as profile_report
from .harness import BenchError, GraphQLClient, encode_request
from .report import NOISE_NOTE, Environment

SUBSCRIPTION = """subscription($after: String) {
  changes(after: $after) { cursor entityType entityId operation version
    entity { ... on ToolItem { id name version } } } }"""
SINCE = "query { changesSince(first: 0) { endCursor } }"
CREATE = """mutation($input: [ToolItemCreateInput!]!) {
  createToolItems(input: $input) { successCount } }"""


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass
class Received:
    """What one subscription received: cursors in order, when the last arrived, what was wrong."""

    cursors: list[str] = field(default_factory=list)
    last_at: float = 0.0
    problems: list[str] = field(default_factory=list)


class Deliveries:
    """All subscriptions' arrivals, with a way to wait until `expected` have come."""

    def __init__(self, expected: int) -> None:
        self.expected = expected
        self.count = 0
        self.done = asyncio.Event()

    def arrived(self) -> None:
        self.count += 1
        if self.count >= self.expected:
            self.done.set()


async def _subscribe(url: str, after: str) -> ClientConnection:
    ws = await connect(
        url, subprotocols=[Subprotocol("graphql-transport-ws")], max_size=None, open_timeout=30
    )
    await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
    if json.loads(await asyncio.wait_for(ws.recv(), 30)).get("type") != "connection_ack":
        raise BenchError("no connection_ack")
    payload = {"query": SUBSCRIPTION, "variables": {"after": after}}
    await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
    return ws


async def _read(ws: ClientConnection, received: Received, deliveries: Deliveries) -> None:
    try:
        async for raw in ws:
            message = orjson.loads(raw)
            kind = message.get("type")
            if kind == "next":
                payload = message["payload"]
                change = (payload.get("data") or {}).get("changes")
                if payload.get("errors") or change is None:
                    received.problems.append(json.dumps(payload)[:300])
                    continue
                if change["entity"] is None or change["entity"]["id"] != change["entityId"]:
                    received.problems.append(f"entity missing or wrong: {json.dumps(change)[:200]}")
                received.cursors.append(change["cursor"])
                received.last_at = time.perf_counter()
                deliveries.arrived()
            elif kind == "ping":
                await ws.send(json.dumps({"type": "pong"}))
            elif kind in ("error", "complete"):
                received.problems.append(f"{kind}: {json.dumps(message)[:300]}")
    except ConnectionClosed as closed:
        received.problems.append(f"connection closed: {closed}")


@dataclass
class LoadResult:
    dialect: str
    subscribers: int
    changes: int
    burst: int
    target_s: float
    writes_s: float = 0.0
    after_send_s: float | None = None  # last write sent -> last delivery (upper bound; judged)
    after_response_s: float | None = None  # last write answered -> last delivery (lower bound)
    expected: int = 0
    delivered: int = 0
    missing: int = 0
    duplicates: int = 0
    out_of_order: int = 0
    server_cpu_s: float = 0.0
    client_cpu_s: float = 0.0
    errors: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return (
            not self.errors
            and self.expected > 0
            and self.delivered == self.expected
            and not (self.missing or self.duplicates or self.out_of_order)
        )

    @property
    def within_target(self) -> bool:
        return self.clean and self.after_send_s is not None and self.after_send_s <= self.target_s

    def lines(self) -> list[str]:
        verdict = "ok" if self.within_target else "MISS"
        head = (
            f"feed under load ({self.dialect}): {self.subscribers} subscribers, {self.changes} changes in bursts "
            f"of {self.burst}: writes took {self.writes_s:.2f} s; {self.delivered:,}/{self.expected:,} deliveries"
        )
        cpu = (
            f"  CPU from the first write to the last delivery (or the timeout): server {self.server_cpu_s:.2f} s "
            f"({self.server_cpu_s * 1e6 / max(self.delivered, 1):.0f} µs per delivery), client "
            f"{self.client_cpu_s:.2f} s"
        )
        if self.after_send_s is None or self.after_response_s is None:
            return [
                head,
                f"  FAILED: {'; '.join(self.errors)[:500] or 'not every change was delivered'}",
                cpu,
            ]
        return [
            head,
            f"  last delivery {self.after_send_s:.2f} s after the last write was sent (upper bound on "
            f"commit→delivery), {self.after_response_s:.2f} s after its response; target ≤ {self.target_s:g} s  "
            f"{verdict}",
            f"  missing {self.missing}, duplicates {self.duplicates}, subscriptions out of order "
            f"{self.out_of_order}, errors {len(self.errors)}",
            cpu,
            *(f"  error: {e}" for e in self.errors[:5]),
        ]


async def _log_cursors(url: str, after: str) -> list[str]:
    """Every change committed after `after`, as its cursor, oldest first: what each must receive."""
    engine = create_engine(url)
    table = models.table_of(models.ChangeLog)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                select(table.c.seq).where(table.c.seq > cursor.decode(after)).order_by(table.c.seq)
            )
            return [cursor.encode(int(seq)) for (seq,) in rows]
    finally:
        await engine.dispose()


async def _write_bursts(writer: GraphQLClient, changes: int, burst: int) -> tuple[float, float]:
    """Send the bursts back to back; return when the last was sent and when it was answered."""
    sent = answered = 0.0
    for first in range(0, changes, burst):
        items = [
            {"name": f"feed load {n}", "tags": ["load"]} for n in range(first, min(first + burst, changes))
        ]
        sent = time.perf_counter()
        body = orjson.loads(await writer.post(encode_request(CREATE, {"input": items})))
        answered = time.perf_counter()
        if body.get("errors") or body["data"]["createToolItems"]["successCount"] != len(items):
            raise BenchError(f"a burst failed: {json.dumps(body)[:300]}")
    return sent, answered


def _judge(result: LoadResult, log: list[str], received: list[Received]) -> None:
    for got in received:
        result.errors += got.problems[:3]
        result.duplicates += len(got.cursors) - len(set(got.cursors))
        result.missing += len(set(log) - set(got.cursors))
        if got.cursors != [c for c in log if c in set(got.cursors)]:
            result.out_of_order += 1


async def measure(result: LoadResult, server: Server, database_url: str, *, timeout: float) -> None:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=120) as http:
        await server.wait_ready(http)
        writer = GraphQLClient(http)
        start = (await writer.data(SINCE))["changesSince"]["endCursor"]
        received = [Received() for _ in range(result.subscribers)]
        deliveries = Deliveries(result.subscribers)  # first the warm-up write, at every subscriber
        sockets: list[ClientConnection] = []
        readers: list[asyncio.Task[None]] = []
        try:
            for got in received:
                sockets.append(await _subscribe(server.ws_url, start))
                readers.append(asyncio.create_task(_read(sockets[-1], got, deliveries)))
            await _write_bursts(writer, 1, 1)
            await asyncio.wait_for(deliveries.done.wait(), 60)  # every subscription is live
            deliveries.expected = result.subscribers * (1 + result.changes)
            deliveries.done.clear()
            server.profile_start()
            cpu, client_cpu, began = server.cpu_seconds(), time.process_time(), time.perf_counter()
            sent, answered = await _write_bursts(writer, result.changes, result.burst)
            result.writes_s = answered - began
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(deliveries.done.wait(), timeout)
            result.server_cpu_s = server.cpu_seconds() - cpu
            result.client_cpu_s = time.process_time() - client_cpu
            await server.profile_stop()
            result.delivered = deliveries.count - result.subscribers
            result.expected = result.subscribers * result.changes
            if deliveries.done.is_set():
                last = max(got.last_at for got in received)
                result.after_send_s, result.after_response_s = last - sent, last - answered
        finally:
            for task in readers:
                task.cancel()
            await asyncio.gather(*readers, return_exceptions=True)
            await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
        _judge(result, await _log_cursors(database_url, start), received)


async def run_feed_load(args: argparse.Namespace) -> bool:
    """Run once per --feed-load-rounds; return True when a round missed its target or lost anything."""
    failed = False
    async with fresh_database(args.database_url) as db:
        engine = create_engine(db.url)
        try:
            _say(f"migrating a fresh {db.dialect} database ...")
            await upgrade(engine)
        finally:
            await engine.dispose()
        environment = Environment.current(db.dialect, make_url(db.url).get_driver_name(), db.where)
        print("\n".join(environment.lines()))
        print(f"load average at start: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
        for round_ in range(args.feed_load_rounds):
            result = LoadResult(
                db.dialect,
                args.feed_load_subscribers,
                args.feed_load_changes,
                args.burst,
                args.feed_load_target,
            )
            _say(f"round {round_ + 1}: {result.subscribers} subscribers, {result.changes} changes ...")
            try:
                profile_to = None if args.feed_load_profile is None else args.feed_load_profile.resolve()
                with serving(db.url, "A", profile_to=profile_to) as server:
                    await measure(result, server, db.url, timeout=args.feed_load_timeout)
            except (BenchError, OSError, httpx.HTTPError, ConnectionClosed, TimeoutError) as exc:
                result.errors.append(f"{type(exc).__name__}: {exc}")
            print("\n".join(result.lines()))
            if args.feed_load_profile is not None and args.feed_load_profile.exists():
                print(profile_report(args.feed_load_profile, 30))
            failed = failed or not result.within_target
        print(NOISE_NOTE)
    return failed


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("change feed under load (--feed-load)")
    group.add_argument(
        "--feed-load",
        action="store_true",
        help="instead of the request workloads, follow one `smooth-gql serve` worker with many WebSocket "
        "subscribers while bulk bursts are written; judge commit-to-last-delivery and that nothing is lost",
    )
    group.add_argument("--feed-load-subscribers", type=int, default=200, metavar="N", help="(default: 200)")
    group.add_argument("--feed-load-changes", type=int, default=1000, metavar="N", help="(default: 1000)")
    group.add_argument(
        "--burst", type=int, default=100, metavar="N", help="items per bulk write (default: 100)"
    )
    group.add_argument(
        "--feed-load-target",
        type=float,
        default=2.0,
        metavar="SECONDS",
        help="last commit → last delivery (default: 2)",
    )
    group.add_argument(
        "--feed-load-timeout",
        type=float,
        default=120.0,
        metavar="SECONDS",
        help="give up draining after (default: 120)",
    )
    group.add_argument(
        "--feed-load-profile",
        type=Path,
        metavar="FILE",
        help="run the server under cProfile, on only from the first burst to the last delivery (slows it down)",
    )
    group.add_argument(
        "--feed-load-rounds", type=int, default=1, metavar="N", help="fresh server each (default: 1)"
    )


def check_arguments(parser: argparse.ArgumentParser, args: Any) -> None:
    for name in ("feed_load_subscribers", "feed_load_changes", "burst", "feed_load_rounds"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')}: must be at least 1")
    if args.feed_load_target <= 0 or args.feed_load_timeout <= 0:
        parser.error("--feed-load-target and --feed-load-timeout must be positive")
