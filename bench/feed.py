"""`python -m bench --feed`: the change feed's commit-to-delivery latency and the memory of idle subscriptions.

Unlike the request workloads (in process, through ASGI), this drives real
`smooth-gql serve` processes over TCP on 127.0.0.1: subscribers speak
graphql-transport-ws over WebSockets, writes are HTTP GraphQL mutations, and
the server's memory and CPU time are read from /proc.

Latency. `--subscribers` followers (one WebSocket each) subscribe on one server;
writes (createToolItems of one item, `--writes` of them `--interval-ms` apart,
after a few awaited warm-up writes) go to the same server ("one worker") or to a
second `serve` process on the same database ("across workers": on PostgreSQL
the writer NOTIFYs, the subscribers' worker LISTENs). For each write and each
subscriber:

* send → delivery: from just before the write is sent until the subscriber has
  the change. The commit happens inside the write's request, so this is an
  upper bound on commit-to-delivery; the verdict uses it.
* response → delivery: from the write's HTTP response. The commit precedes the
  response, so this is a lower bound (negative when the change overtook the
  response).

Memory. A fresh server, warmed by a query, a write and one subscription, is
read idle (VmRSS), then with `--idle-subscriptions` open subscriptions spread
over WebSocket connections of 100 (Strawberry's default
max_subscriptions_per_connection). Each subscription replays one change first,
which proves it is live before the reading is taken. Its CPU use while they sit
idle is printed too: a follower sleeps until the worker's log tail has read
more, at most 60 s, then looks at the tail's buffer again (no database read).

Client, server and database share the machine, so the client's own work is in
the figures; the report prints the CPU time each side spent per write.

`--feed-profile DIR` reruns each latency scenario afterwards with the
subscribers' server under cProfile (bench/profiled_serve.py), switched on only
around the measured writes, and prints its event-loop time by package and its
hottest functions.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import json
import math
import os
import pstats
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import httpx
from sqlalchemy import make_url
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from smooth_gql.db.engine import create_engine
from smooth_gql.db.migrate import upgrade

from .database import FreshDatabase, fresh_database
from .harness import BenchError, GraphQLClient, encode_request
from .report import NOISE_NOTE, Environment

ONE_WORKER_TARGET_MS = 50.0
ACROSS_WORKERS_TARGET_MS = 100.0
MEMORY_TARGET_MB = 100.0
SUBSCRIPTIONS_PER_CONNECTION = 100  # Strawberry's default max_subscriptions_per_connection
WARMUP_WRITES = 5
READY_TIMEOUT = 60.0
STOP_TIMEOUT = 20.0
IDLE_WAIT_SECONDS = 60.0  # changes/feed.py follow(idle_seconds=60.0): the longest a follower sleeps

SUBSCRIPTION = """
subscription($after: String) {
  changes(after: $after) { cursor entityType entityId operation version }
}"""
SINCE = "query { changesSince(first: 0) { endCursor } }"
CREATE = """
mutation($input: [ToolItemCreateInput!]!) {
  createToolItems(input: $input) { successCount results { id version } }
}"""


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- server processes --------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _proc_status_kb(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise BenchError(f"/proc/{pid}/status has no {key}")


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (fields 14 and 15 of /proc/<pid>/stat)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Server:
    """One `smooth-gql serve` process (with one worker, its pid is the worker's)."""

    name: str
    process: subprocess.Popen[bytes]
    port: int
    output: IO[bytes]
    profile_to: Path | None = None

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/graphql"

    def rss_mb(self) -> float:
        return _proc_status_kb(self.pid, "VmRSS") / 1024

    def cpu_seconds(self) -> float:
        return _cpu_seconds(self.pid)

    def profile_start(self) -> None:
        if self.profile_to is not None:
            self.process.send_signal(signal.SIGUSR1)

    async def profile_stop(self) -> None:
        """Stop profiling and wait (bounded) until the server has written the profile."""
        if self.profile_to is None:
            return
        with contextlib.suppress(FileNotFoundError):
            self.profile_to.unlink()
        self.process.send_signal(signal.SIGUSR2)
        for _ in range(200):
            if self.profile_to.exists() and self.profile_to.stat().st_size > 0:
                await asyncio.sleep(0.2)  # let the write finish
                return
            await asyncio.sleep(0.05)
        raise BenchError(f"{self.name} wrote no profile to {self.profile_to}")

    def log_tail(self) -> str:
        self.output.flush()
        self.output.seek(0)
        return self.output.read().decode(errors="replace")[-3000:]

    async def wait_ready(self, client: httpx.AsyncClient) -> None:
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchError(f"{self.name} exited with {self.process.returncode}:\n{self.log_tail()}")
            with contextlib.suppress(httpx.TransportError):
                if (await client.get(f"{self.base_url}/ready", timeout=2)).status_code == 200:
                    return
            await asyncio.sleep(0.1)
        raise BenchError(f"{self.name} was not ready within {READY_TIMEOUT:g} s:\n{self.log_tail()}")

    def stop(self) -> None:
        """SIGTERM (graceful: subscriptions end, a profile is written), then SIGKILL; bounded."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=STOP_TIMEOUT)


@contextlib.contextmanager
def serving(
    database_url: str,
    name: str,
    *,
    profile_to: Path | None = None,
    workers: int = 1,
    env_overrides: dict[str, str] | None = None,
) -> Iterator[Server]:
    """A `smooth-gql serve` process; with `workers` > 1 its pid is uvicorn's supervisor, not a worker.
    Authentication is off unless `env_overrides` turns it on."""
    port = _free_port()
    env = {
        **os.environ,
        "SMOOTH_DATABASE_URL": database_url,
        "AUTH_ENABLED": "false",
        "LOG_LEVEL": "WARNING",
        **(env_overrides or {}),
    }
    serve = ["serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    if profile_to is None:
        command = [sys.executable, "-m", "smooth_gql.cli", *serve]
    else:
        command = [sys.executable, "-m", "bench.profiled_serve", str(profile_to), *serve]
    with tempfile.TemporaryFile() as output:
        process = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)
        server = Server(name, process, port, output, profile_to)
        try:
            yield server
        finally:
            server.stop()


# --- subscribers -------------------------------------------------------------------------------------


class Tally:
    """Arrivals of each entity's change, with a way to wait until `count` subscribers have it."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = defaultdict(int)
        self._waiters: dict[tuple[str, int], asyncio.Event] = {}

    def arrived(self, entity_id: str) -> None:
        self.counts[entity_id] += 1
        waiter = self._waiters.get((entity_id, self.counts[entity_id]))
        if waiter is not None:
            waiter.set()

    async def wait(self, entity_id: str, count: int, timeout: float) -> bool:
        if self.counts[entity_id] >= count:
            return True
        event = self._waiters.setdefault((entity_id, count), asyncio.Event())
        try:
            await asyncio.wait_for(event.wait(), timeout)
        except TimeoutError:
            return False
        return True


@dataclass
class Subscription:
    """What one subscription (one operation id on one connection) received, in order."""

    entity_ids: list[str] = field(default_factory=list)
    times: list[float] = field(default_factory=list)


class FeedConnection:
    """One graphql-transport-ws connection carrying one or more `changes` subscriptions."""

    def __init__(self, connection: ClientConnection, tally: Tally) -> None:
        self.connection = connection
        self.tally = tally
        self.subscriptions: dict[str, Subscription] = {}
        self.errors: list[str] = []
        self._reader: asyncio.Task[None] | None = None

    @classmethod
    async def open(cls, url: str, tally: Tally) -> FeedConnection:
        connection = await connect(
            url, subprotocols=[Subprotocol("graphql-transport-ws")], max_size=None, open_timeout=30
        )
        await connection.send(json.dumps({"type": "connection_init", "payload": {}}))
        ack = json.loads(await asyncio.wait_for(connection.recv(), 30))
        if ack.get("type") != "connection_ack":
            raise BenchError(f"no connection_ack: {ack}")
        feed = cls(connection, tally)
        feed._reader = asyncio.create_task(feed._read())
        return feed

    async def subscribe(self, op_id: str, after: str | None) -> None:
        self.subscriptions[op_id] = Subscription()
        payload = {"query": SUBSCRIPTION, "variables": {"after": after}}
        await self.connection.send(json.dumps({"id": op_id, "type": "subscribe", "payload": payload}))

    async def _read(self) -> None:
        try:
            async for raw in self.connection:
                arrived = time.perf_counter()
                message = json.loads(raw)
                kind = message.get("type")
                if kind == "next":
                    payload = message["payload"]
                    if payload.get("errors"):
                        self.errors.append(json.dumps(payload["errors"])[:300])
                        continue
                    entity_id = payload["data"]["changes"]["entityId"]
                    subscription = self.subscriptions[message["id"]]
                    subscription.entity_ids.append(entity_id)
                    subscription.times.append(arrived)
                    self.tally.arrived(entity_id)
                elif kind == "ping":
                    await self.connection.send(json.dumps({"type": "pong"}))
                elif kind in ("error", "complete"):
                    self.errors.append(f"{kind}: {json.dumps(message)[:300]}")
        except ConnectionClosed as closed:
            self.errors.append(f"connection closed: {closed}")

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.connection.close(), 5)


@contextlib.asynccontextmanager
async def open_feeds(
    url: str, tally: Tally, subscriptions: int, per_connection: int, after: str | None
) -> AsyncIterator[list[FeedConnection]]:
    feeds: list[FeedConnection] = []
    try:
        for first in range(0, subscriptions, per_connection):
            feed = await FeedConnection.open(url, tally)
            feeds.append(feed)
            for op in range(first, min(first + per_connection, subscriptions)):
                await feed.subscribe(f"s{op}", after)
        yield feeds
    finally:
        await asyncio.gather(*(feed.close() for feed in feeds))


# --- figures -----------------------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


@dataclass
class Latency:
    scenario: str
    subscribers: int
    writes: int
    target_ms: float
    expected: int = 0
    from_send_ms: list[float] = field(default_factory=list)
    from_response_ms: list[float] = field(default_factory=list)
    write_ms: list[float] = field(default_factory=list)
    by_write_ms: list[list[float]] = field(
        default_factory=list
    )  # send→delivery of each write, in write order
    duplicates: int = 0
    out_of_order: int = 0
    server_cpu_ms_per_write: dict[str, float] = field(default_factory=dict)
    client_cpu_ms_per_write: float = 0.0
    errors: list[str] = field(default_factory=list)

    @property
    def delivered(self) -> int:
        return len(self.from_send_ms)

    @property
    def complete(self) -> bool:
        return not self.errors and self.delivered == self.expected and self.expected > 0

    @property
    def p99(self) -> float | None:
        return percentile(self.from_send_ms, 99) if self.from_send_ms else None

    @property
    def within_target(self) -> bool | None:
        if self.p99 is None:
            return None
        return (
            self.complete and self.duplicates == 0 and self.out_of_order == 0 and self.p99 <= self.target_ms
        )


@dataclass
class Memory:
    subscriptions: int
    connections: int
    idle_mb: float = 0.0
    loaded_mb: float = 0.0
    closed_mb: float = 0.0
    idle_cpu_percent: float = 0.0
    window_s: float = 0.0
    live: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def delta_mb(self) -> float:
        return self.loaded_mb - self.idle_mb

    @property
    def within_target(self) -> bool:
        return not self.errors and self.live == self.subscriptions and self.delta_mb <= MEMORY_TARGET_MB


# --- the latency run ---------------------------------------------------------------------------------


async def _create_one(writer: GraphQLClient, name: str) -> tuple[str, float, float]:
    """One createToolItems of one item; return (id, time before sending, time of the response)."""
    body = encode_request(CREATE, {"input": [{"name": name}]})
    sent = time.perf_counter()
    raw = await writer.post(body)
    answered = time.perf_counter()
    result = json.loads(raw)["data"]["createToolItems"]
    if result["successCount"] != 1:
        raise BenchError(f"a write failed: {raw[:300]!r}")
    return str(result["results"][0]["id"]), sent, answered


async def measure_latency(
    result: Latency,
    subscribe_to: Server,
    write_to: Server,
    *,
    interval: float,
    deliver_timeout: float,
) -> Latency:
    tally = Tally()
    async with (
        httpx.AsyncClient(base_url=subscribe_to.base_url, timeout=60) as reader_http,
        httpx.AsyncClient(base_url=write_to.base_url, timeout=60) as writer_http,
    ):
        await asyncio.gather(subscribe_to.wait_ready(reader_http), write_to.wait_ready(writer_http))
        start = (await GraphQLClient(reader_http).data(SINCE))["changesSince"]["endCursor"]
        writer = GraphQLClient(writer_http)
        async with open_feeds(subscribe_to.ws_url, tally, result.subscribers, 1, start) as feeds:
            # Warm-up writes, each awaited at every subscriber: proves every subscription is live.
            order: list[str] = []
            for n in range(WARMUP_WRITES):
                entity_id, _, _ = await _create_one(writer, f"feed bench warm-up {n}")
                order.append(entity_id)
                if not await tally.wait(entity_id, result.subscribers, deliver_timeout):
                    raise BenchError(
                        f"{result.scenario}: warm-up write {n + 1} reached {tally.counts[entity_id]} of "
                        f"{result.subscribers} subscribers within {deliver_timeout:g} s"
                    )
            servers = {subscribe_to.name: subscribe_to, write_to.name: write_to}
            subscribe_to.profile_start()
            cpu_before = {name: s.cpu_seconds() for name, s in servers.items()}
            client_before = time.process_time()
            sent_at: dict[str, float] = {}
            answered_at: dict[str, float] = {}
            began = time.perf_counter()
            for n in range(result.writes):
                await asyncio.sleep(max(0.0, began + n * interval - time.perf_counter()))
                entity_id, sent, answered = await _create_one(writer, f"feed bench write {n}")
                order.append(entity_id)
                sent_at[entity_id], answered_at[entity_id] = sent, answered
                result.write_ms.append((answered - sent) * 1000)
            drained = time.perf_counter() + deliver_timeout
            for entity_id in sent_at:
                await tally.wait(entity_id, result.subscribers, max(0.0, drained - time.perf_counter()))
            result.server_cpu_ms_per_write = {
                name: (s.cpu_seconds() - cpu_before[name]) * 1000 / result.writes
                for name, s in servers.items()
            }
            result.client_cpu_ms_per_write = (time.process_time() - client_before) * 1000 / result.writes
            await subscribe_to.profile_stop()
            result.expected = result.writes * result.subscribers
            index = {entity_id: n for n, entity_id in enumerate(sent_at)}
            result.by_write_ms = [[] for _ in sent_at]
            for feed in feeds:
                result.errors += feed.errors
                for subscription in feed.subscriptions.values():
                    got = subscription.entity_ids
                    result.duplicates += len(got) - len(set(got))
                    if got != order[: len(got)]:
                        result.out_of_order += 1
                    for entity_id, arrived in zip(got, subscription.times, strict=True):
                        if entity_id in sent_at:
                            result.from_send_ms.append((arrived - sent_at[entity_id]) * 1000)
                            result.by_write_ms[index[entity_id]].append(result.from_send_ms[-1])
                            result.from_response_ms.append((arrived - answered_at[entity_id]) * 1000)
    return result


# --- the memory run ----------------------------------------------------------------------------------


async def measure_memory(result: Memory, server: Server, *, window: float) -> Memory:
    tally = Tally()
    async with httpx.AsyncClient(base_url=server.base_url, timeout=60) as http:
        await server.wait_ready(http)
        client = GraphQLClient(http)
        # Warm the process the way any server is warm: a query, a write, one subscription end to end.
        before = (await client.data(SINCE))["changesSince"]["endCursor"]
        warm_id, _, _ = await _create_one(client, "feed bench memory warm-up")
        async with open_feeds(server.ws_url, tally, 1, 1, before):
            await tally.wait(warm_id, 1, 30)
        await asyncio.sleep(2)
        result.idle_mb = server.rss_mb()

        # Every subscription replays exactly this one change first: receiving it proves it is live.
        before = (await client.data(SINCE))["changesSince"]["endCursor"]
        probe_id, _, _ = await _create_one(client, "feed bench memory probe")
        async with open_feeds(
            server.ws_url, tally, result.subscriptions, SUBSCRIPTIONS_PER_CONNECTION, before
        ) as feeds:
            await tally.wait(probe_id, result.subscriptions, 120)
            result.live = tally.counts[probe_id]
            await asyncio.sleep(2)
            result.loaded_mb = server.rss_mb()
            cpu = server.cpu_seconds()
            started = time.perf_counter()
            await asyncio.sleep(window)
            result.window_s = time.perf_counter() - started
            result.idle_cpu_percent = (server.cpu_seconds() - cpu) / result.window_s * 100
            result.loaded_mb = max(result.loaded_mb, server.rss_mb())
            for feed in feeds:
                result.errors += feed.errors
        await asyncio.sleep(2)
        result.closed_mb = server.rss_mb()
    return result


# --- the report --------------------------------------------------------------------------------------


def _ms(value: float) -> str:
    return f"{value:7.1f}"


def latency_table(results: list[Latency]) -> str:
    header = (
        f"{'scenario':<44} {'delivered':>11}  {'send→delivery ms: p50     p90     p99     max':>44}"
        f"  {'response→delivery p50/p99':>26}  {'write ms p50/p99':>17}  {'target p99':>10}  verdict"
    )
    lines = [header, "-" * len(header)]
    for r in results:
        if not r.from_send_ms:
            lines.append(f"{r.scenario:<44} FAILED: {'; '.join(r.errors)[:300] or 'nothing delivered'}")
            continue
        send = r.from_send_ms
        verdict = "ok" if r.within_target else "MISS"
        target = f"≤ {r.target_ms:g} ms"
        lines.append(
            f"{r.scenario:<44} {r.delivered:>5}/{r.expected:<5}  {'':>18}{_ms(percentile(send, 50))} {_ms(percentile(send, 90))} "
            f"{_ms(percentile(send, 99))} {_ms(max(send))}"
            f"  {percentile(r.from_response_ms, 50):11.1f} /{percentile(r.from_response_ms, 99):7.1f}"
            f"      {percentile(r.write_ms, 50):6.1f} /{percentile(r.write_ms, 99):6.1f}  {target:>10}  {verdict}"
        )
    lines.append("")
    subscribers = results[0].subscribers if results else 0
    lines.append(
        f"per measured write ({subscribers} deliveries each): CPU time (ms) spent by each server process and by this client"
    )
    for r in results:
        if r.server_cpu_ms_per_write:
            servers = ", ".join(f"{name} {ms:.1f}" for name, ms in r.server_cpu_ms_per_write.items())
            lines.append(f"  {r.scenario:<44} servers: {servers}; client {r.client_cpu_ms_per_write:.1f}")
    for r in results:
        problems = []
        if r.duplicates:
            problems.append(f"{r.duplicates} duplicate deliveries")
        if r.out_of_order:
            problems.append(f"{r.out_of_order} subscriptions out of order")
        if r.from_send_ms and r.delivered != r.expected:
            problems.append(f"{r.expected - r.delivered} deliveries missing")
        if r.errors:
            problems.append(f"errors: {'; '.join(r.errors)[:300]}")
        if problems:
            lines.append(f"  {r.scenario}: {', '.join(problems)}")
    return "\n".join(lines)


def memory_lines(m: Memory) -> str:
    if m.errors or m.live != m.subscriptions:
        status = f"FAILED: {m.live} of {m.subscriptions} subscriptions live; {'; '.join(m.errors)[:300]}"
        return f"memory of {m.subscriptions:,} idle subscriptions: {status}"
    verdict = "ok" if m.within_target else "MISS"
    return "\n".join(
        [
            f"memory of {m.subscriptions:,} idle subscriptions ({m.connections} WebSocket connections × "
            f"{SUBSCRIPTIONS_PER_CONNECTION}), server VmRSS:",
            f"  idle (warmed) {m.idle_mb:8.1f} MB",
            f"  with them     {m.loaded_mb:8.1f} MB   +{m.delta_mb:.1f} MB, {m.delta_mb * 1024 / m.subscriptions:.1f} KB "
            f"per subscription   target ≤ +{MEMORY_TARGET_MB:g} MB  {verdict}",
            f"  after closing {m.closed_mb:8.1f} MB",
            f"  server CPU while they sat idle: {m.idle_cpu_percent:.1f}% of one core over {m.window_s:.1f} s "
            f"(a follower looks at the worker's buffer again when its {IDLE_WAIT_SECONDS:g} s idle wait "
            f"ends: {m.subscriptions:,} wake-ups per {IDLE_WAIT_SECONDS:g} s, no database reads"
            + (
                "; the window covers one such round)"
                if m.window_s > IDLE_WAIT_SECONDS
                else "; not in this window)"
            ),
        ]
    )


PACKAGES = (
    "smooth_gql",
    "strawberry",
    "graphql",
    "sqlalchemy",
    "asyncpg",
    "aiosqlite",
    "sqlite3",
    "websockets",
    "uvicorn",
    "starlette",
    "asyncio",
    "ssl",
    "json",
)


def _package(filename: str) -> str:
    for package in PACKAGES:
        if f"/{package}/" in filename:
            return package
    return "builtins / C" if filename == "~" else "other Python"


def _profile_report(path: Path, top: int) -> str:
    """Own time by package (where the event loop's CPU goes), then the hottest functions."""
    out = io.StringIO()
    stats = pstats.Stats(str(path), stream=out)
    raw: dict[tuple[str, int, str], tuple[int, int, float, float, Any]] = stats.stats  # type: ignore[attr-defined]
    by_package: dict[str, float] = defaultdict(float)
    for (filename, _, _), (_, _, tottime, _, _) in raw.items():
        by_package[_package(filename)] += tottime
    total = sum(by_package.values()) or 1.0
    out.write(f"\n=== profile of the subscribers' server during the measured writes: {path}\n")
    out.write(f"--- own (tottime) time of the event-loop thread by package, {total:.2f} s in all\n")
    for package, seconds in sorted(by_package.items(), key=lambda item: -item[1]):
        out.write(f"  {seconds:7.2f} s  {seconds / total:6.1%}  {package}\n")
    out.write("--- functions by own (tottime) time\n")
    stats.sort_stats(pstats.SortKey.TIME).print_stats(top)
    out.write("--- smooth_gql functions by cumulative time (coroutines: counted per resumption)\n")
    stats.sort_stats(pstats.SortKey.CUMULATIVE).print_stats(r"smooth_gql/", 12)
    return out.getvalue()


# --- the run -----------------------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    feed = parser.add_argument_group("change feed (--feed)")
    feed.add_argument(
        "--feed",
        action="store_true",
        help="instead of the request workloads, measure the change feed through real `smooth-gql serve` processes: "
        "commit-to-delivery latency (one worker; across two workers on PostgreSQL) and the memory of idle subscriptions",
    )
    feed.add_argument(
        "--subscribers",
        type=int,
        default=100,
        metavar="N",
        help="feed latency: subscribers, one WebSocket each (default: 100)",
    )
    feed.add_argument(
        "--writes", type=int, default=50, metavar="N", help="feed latency: measured writes (default: 50)"
    )
    feed.add_argument(
        "--interval-ms",
        type=float,
        default=100.0,
        metavar="MS",
        help="feed latency: spacing of the writes (default: 100)",
    )
    feed.add_argument(
        "--idle-subscriptions",
        type=int,
        default=1000,
        metavar="N",
        help="feed memory: subscriptions held open (default: 1000)",
    )
    feed.add_argument(
        "--idle-window",
        type=float,
        default=65.0,
        metavar="SECONDS",
        help="feed memory: how long to watch the idle server's CPU; the default covers one round of the "
        "followers' 60 s idle wake-ups (default: 65)",
    )
    feed.add_argument(
        "--feed-profile",
        type=Path,
        metavar="DIR",
        help="after timing, rerun each latency scenario with the subscribers' server under cProfile, on only "
        "during the measured writes (DIR/feed_<dialect>_<scenario>.prof), and print where its time goes",
    )


@dataclass
class FeedOutcome:
    latencies: list[Latency]
    memory: Memory | None
    failed: bool


Scenario = tuple[str, str, float]
SQLITE_ACROSS_NOTE = (
    "across workers: not measured on SQLite. It has no NOTIFY, so a follower is woken only by writes through "
    "its own process (`serve --workers N` warns so); a write through another one reaches it when that worker's "
    "log tail, after 60 s without a wake-up, looks at the log itself. Run with --database-url postgresql://... for this scenario."
)


def _scenarios(db: FreshDatabase) -> list[Scenario]:
    """(key, title, target) of each latency scenario on this database."""
    scenarios: list[Scenario] = [("one_worker", f"one worker ({db.dialect})", ONE_WORKER_TARGET_MS)]
    if db.dialect == "postgresql":
        scenarios.append(
            ("across_workers", "across workers (postgresql, NOTIFY/LISTEN)", ACROSS_WORKERS_TARGET_MS)
        )
    return scenarios


async def _latency(
    db: FreshDatabase, key: str, title: str, target: float, args: argparse.Namespace, profile_to: Path | None
) -> Latency:
    result = Latency(title, args.subscribers, args.writes, target)
    deliver_timeout = 30.0
    try:
        with serving(db.url, "A", profile_to=profile_to) as a:
            if key == "one_worker":
                await measure_latency(
                    result, a, a, interval=args.interval_ms / 1000, deliver_timeout=deliver_timeout
                )
            else:
                with serving(db.url, "B") as b:
                    await measure_latency(
                        result, a, b, interval=args.interval_ms / 1000, deliver_timeout=deliver_timeout
                    )
    except (BenchError, OSError, httpx.HTTPError, ConnectionClosed, TimeoutError) as exc:
        result.errors.append(f"{type(exc).__name__}: {exc}")
    return result


async def run_feed(args: argparse.Namespace) -> FeedOutcome:
    async with fresh_database(args.database_url) as db:
        engine = create_engine(db.url)
        try:
            _say(f"migrating a fresh {db.dialect} database ...")
            await upgrade(engine)
        finally:
            await engine.dispose()
        environment = Environment.current(db.dialect, make_url(db.url).get_driver_name(), db.where)
        print("\n".join(environment.lines()))
        load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
        print(f"load average at start: {load}")
        print(
            f"change feed: {args.subscribers} subscribers (one graphql-transport-ws WebSocket each) on a real "
            f"`smooth-gql serve` (one uvicorn worker per process) on 127.0.0.1; {WARMUP_WRITES} awaited warm-up + "
            f"{args.writes} measured writes (createToolItems of one item) {args.interval_ms:g} ms apart; "
            f"{args.writes * args.subscribers} deliveries per scenario.\n"
            "send→delivery (upper bound on commit→delivery, judged) and response→delivery (lower bound) per delivery; "
            "percentiles nearest-rank\n"
        )
        latencies: list[Latency] = []
        for key, title, target in _scenarios(db):
            _say(f"measuring latency: {title} ...")
            latencies.append(await _latency(db, key, title, target, args, None))
        print(latency_table(latencies))
        if db.dialect == "sqlite":
            print(SQLITE_ACROSS_NOTE)

        _say(f"measuring the memory of {args.idle_subscriptions} idle subscriptions ...")
        connections = math.ceil(args.idle_subscriptions / SUBSCRIPTIONS_PER_CONNECTION)
        memory = Memory(args.idle_subscriptions, connections)
        try:
            with serving(db.url, "M") as server:
                await measure_memory(memory, server, window=args.idle_window)
        except (BenchError, OSError, httpx.HTTPError, ConnectionClosed, TimeoutError) as exc:
            memory.errors.append(f"{type(exc).__name__}: {exc}")
        print()
        print(memory_lines(memory))

        if args.feed_profile:
            args.feed_profile.mkdir(parents=True, exist_ok=True)
            for key, title, target in _scenarios(db):
                path = (args.feed_profile / f"feed_{db.dialect}_{key}.prof").resolve()
                _say(f"profiling: {title} ...")
                profiled = await _latency(db, key, title, target, args, path)
                print(
                    f"\n(profiled rerun of {title}: p99 {profiled.p99 or float('nan'):.1f} ms — slowed by cProfile)"
                )
                if path.exists():
                    print(_profile_report(path, 30))
        if args.json:
            args.json.write_text(json.dumps(as_json(environment, latencies, memory), indent=2) + "\n")
            print(f"\nresults written to {args.json}")
    failed = any(r.within_target is False or not r.complete for r in latencies) or not memory.within_target
    return FeedOutcome(latencies, memory, failed)


def as_json(environment: Environment, latencies: list[Latency], memory: Memory) -> dict[str, Any]:
    def summary(values: list[float]) -> dict[str, float] | None:
        if not values:
            return None
        return {
            "p50": round(percentile(values, 50), 3),
            "p90": round(percentile(values, 90), 3),
            "p99": round(percentile(values, 99), 3),
            "max": round(max(values), 3),
            "mean": round(statistics.fmean(values), 3),
        }

    return {
        "machine": {
            "cpu_count": environment.cpus,
            "python": environment.python,
            "platform": environment.platform,
        },
        "database": {
            "dialect": environment.dialect,
            "driver": environment.driver,
            "description": environment.database,
        },
        "latency": [
            {
                "scenario": r.scenario,
                "subscribers": r.subscribers,
                "writes": r.writes,
                "expected": r.expected,
                "delivered": r.delivered,
                "duplicates": r.duplicates,
                "out_of_order": r.out_of_order,
                "send_to_delivery_ms": summary(r.from_send_ms),
                "response_to_delivery_ms": summary(r.from_response_ms),
                "write_ms": summary(r.write_ms),
                "per_write_send_to_delivery_ms": [summary(w) for w in r.by_write_ms],
                "server_cpu_ms_per_write": r.server_cpu_ms_per_write,
                "client_cpu_ms_per_write": round(r.client_cpu_ms_per_write, 3),
                "target_p99_ms": r.target_ms,
                "within_target": r.within_target,
                "errors": r.errors,
            }
            for r in latencies
        ],
        "memory": {
            "subscriptions": memory.subscriptions,
            "connections": memory.connections,
            "live": memory.live,
            "idle_mb": round(memory.idle_mb, 1),
            "loaded_mb": round(memory.loaded_mb, 1),
            "delta_mb": round(memory.delta_mb, 1),
            "closed_mb": round(memory.closed_mb, 1),
            "idle_cpu_percent": round(memory.idle_cpu_percent, 1),
            "target_delta_mb": MEMORY_TARGET_MB,
            "within_target": memory.within_target,
            "errors": memory.errors,
        },
        "note": NOISE_NOTE,
    }
