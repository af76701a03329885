"""`python -m bench --small`: one small operation over HTTP, one client in sequence, against `/health`.

A real `smooth-gql serve` (one worker, authentication on) answers
`toolItem(id) { id name version }` for a bridge's API key, one request after
the other on one kept-alive connection, and `GET /health` on the same server
and connection as the floor: what any request costs (HTTP, the event loop,
the middleware) before the GraphQL door. The two alternate in rounds, so a
shared machine's noise falls on both alike. Reported per side: requests per
second, median and p99 latency, and the server's CPU per request (its own
threads, the SQLite driver's included).

The target (issue 18): 1.5× the requests per second measured before this
benchmark existed (2.0 ms median, about 480 requests/s, against 0.43 ms for
`/health`), i.e. a median of at most 3.1× `/health`'s in the same run — a
ratio, since a shared machine slows both sides; the absolute figure is
printed beside it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import make_url

from .database import fresh_database
from .feed import Server, percentile, serving
from .harness import BenchError, encode_request
from .load import _migrate
from .report import Environment

TARGET_RATIO = 3.1  # GraphQL median over /health median: 1.5x the 480 requests/s of before
BEFORE_RPS = 480.0
OPERATION = "query($id: ID!) { toolItem(id: $id) { id name version } }"
PASSWORD = "bench password 1"
JSON = {"content-type": "application/json"}


@dataclass
class Side:
    """One side's calls over all rounds: latencies, time spent and the server's CPU."""

    name: str
    latencies_ms: list[float] = field(default_factory=list)
    seconds: float = 0.0
    server_cpu_s: float = 0.0

    @property
    def requests_per_second(self) -> float:
        return len(self.latencies_ms) / self.seconds if self.seconds else 0.0

    @property
    def median(self) -> float:
        return statistics.median(self.latencies_ms)

    def line(self) -> str:
        count = len(self.latencies_ms)
        return (
            f"  {self.name:<28} {count:>6,} {self.requests_per_second:>9,.0f} {self.median:>8.2f} "
            f"{percentile(self.latencies_ms, 99):>8.2f} {self.server_cpu_s * 1000 / count:>10.2f}"
        )


@dataclass
class SmallReport:
    graphql: Side
    health: Side
    load_average: tuple[float, float, float]

    @property
    def ratio(self) -> float:
        return self.graphql.median / self.health.median

    @property
    def within_target(self) -> bool:
        return self.ratio <= TARGET_RATIO

    def render(self) -> str:
        verdict = "ok" if self.within_target else "MISS"
        return "\n".join(
            [
                f"small operation over HTTP, one client in sequence (load average at start "
                f"{', '.join(f'{x:.2f}' for x in self.load_average)}):",
                f"  {'request':<28} {'count':>6} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'server CPU':>10}",
                self.graphql.line(),
                self.health.line(),
                f"  median ratio {self.ratio:.2f}x /health   target <= {TARGET_RATIO:g}x  {verdict}   "
                f"({self.graphql.requests_per_second / BEFORE_RPS:.2f}x the {BEFORE_RPS:g} requests/s "
                "measured before on a quiet machine)",
            ]
        )


async def _bridge_key(client: httpx.AsyncClient) -> str:
    """The first account (it registers itself, as on a fresh install), logged in, makes a key."""
    email = "bench@shop.example"
    register = "mutation($e: String!, $p: String!) { register(email: $e, password: $p) { id } }"
    login = "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { id } }"
    await _ok(client, register, {"e": email, "p": PASSWORD})
    await _ok(client, login, {"e": email, "p": PASSWORD})
    made = await _ok(
        client,
        'mutation { createApiKey(name: "bench bridge", scopes: ["read", "write:items"]) { secret } }',
        {},
    )
    client.cookies.clear()
    return str(made["createApiKey"]["secret"])


async def _ok(client: httpx.AsyncClient, query: str, variables: dict[str, object]) -> dict[str, Any]:
    response = await client.post("/graphql", content=encode_request(query, variables), headers=JSON)
    body = response.json()
    if response.status_code != 200 or body.get("errors"):
        raise BenchError(f"{query[:60]}: HTTP {response.status_code}: {response.text[:300]}")
    return body["data"]  # type: ignore[no-any-return]


async def _round(
    client: httpx.AsyncClient, server: Server, side: Side, call: httpx.Request, count: int
) -> None:
    cpu, began = server.cpu_seconds(), time.perf_counter()
    for _ in range(count):
        started = time.perf_counter()
        response = await client.send(call)
        side.latencies_ms.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200 or b'"errors"' in response.content:
            raise BenchError(f"{side.name}: HTTP {response.status_code}: {response.text[:300]}")
    side.seconds += time.perf_counter() - began
    side.server_cpu_s += server.cpu_seconds() - cpu


async def measure(database_url: str, *, rounds: int, requests: int) -> SmallReport:
    env = {"AUTH_ENABLED": "true", "SMOOTH_BCRYPT_ROUNDS": "4"}
    with serving(database_url, "small", env_overrides=env) as server:
        limits = httpx.Limits(max_connections=1)
        async with httpx.AsyncClient(base_url=server.base_url, timeout=30, limits=limits) as client:
            await server.wait_ready(client)
            key = await _bridge_key(client)
            client.headers["authorization"] = f"Bearer {key}"
            made = await _ok(
                client,
                'mutation { createToolItems(input: [{name: "bench end mill", category: CUTTING_TOOL}]) '
                "{ results { id } } }",
                {},
            )
            item = made["createToolItems"]["results"][0]["id"]
            body = encode_request(OPERATION, {"id": item})
            graphql = Side("toolItem(id) with an API key")
            health = Side("GET /health (floor)")
            operation = client.build_request("POST", "/graphql", content=body, headers=JSON)
            floor = client.build_request("GET", "/health")
            warm_up = Side("warm-up")
            await _round(client, server, warm_up, operation, requests)
            load_average = os.getloadavg()
            for _ in range(rounds):
                await _round(client, server, graphql, operation, requests)
                await _round(client, server, health, floor, requests)
    return SmallReport(graphql, health, load_average)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    small = parser.add_argument_group("small operation over HTTP (--small)")
    small.add_argument(
        "--small",
        action="store_true",
        help="instead of the request workloads, time toolItem(id) { id name version } with an API key over "
        "HTTP against a served worker, one client in sequence, with GET /health on the same server as its floor",
    )
    small.add_argument(
        "--small-rounds", type=int, default=5, metavar="N", help="small: alternating rounds (default: 5)"
    )
    small.add_argument(
        "--small-requests",
        type=int,
        default=400,
        metavar="N",
        help="small: requests per side and round (default: 400)",
    )


async def run_small_bench(args: argparse.Namespace) -> bool:
    """The CLI entry: a fresh database and one served worker; True when the target is missed."""
    if args.small_rounds < 1 or args.small_requests < 1:
        raise BenchError("--small-rounds and --small-requests must be at least 1")
    async with fresh_database(args.database_url) as db:
        await _migrate(db)
        environment = Environment.current(db.dialect, make_url(db.url).get_driver_name(), db.where)
        print("\n".join(environment.lines()))
        report = await measure(db.url, rounds=args.small_rounds, requests=args.small_requests)
        print(report.render())
        return not report.within_target
