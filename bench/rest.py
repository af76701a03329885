"""`python -m bench --rest`: the legacy REST routes beside the raw-SQL floor, and under concurrent clients.

In process, through the real ASGI app (as the GraphQL workloads):

* POST /api/v1/tool-items with 1,000 legacy items in one body, against the
  same floor as createToolItems(1,000) (the item, audit and change rows in
  one transaction); target ≤ 4×;
* GET /api/v1/tool-items?limit=1000, against a floor that runs the same
  SELECT (the page in creation order with the total as a scalar subquery)
  and encodes the same legacy JSON document; target ≤ 1.5×.

Over TCP, against a real `smooth-gql serve` with one worker: `--rest-clients`
clients (one connection each) GET /api/v1/tool-items?limit=100 as fast as
they can for `--rest-seconds`; requests/s and p50/p99 latency; target
≥ 300 requests/s on SQLite.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from smooth_gql.db import models
from smooth_gql.json_codec import dumps

from . import floors
from .dataset import cutter_input
from .feed import percentile, serving
from .harness import BenchError, GraphQLClient
from .workloads import BULK_SIZE, PAGE_SIZE, CreateToolItems, Timed, Workload

ITEMS_PATH = "/api/v1/tool-items"
ITEMS = models.table_of(models.ToolItem)
CONCURRENT_TARGET_RPS = 300.0
JSON_HEADERS = {"content-type": "application/json"}


def legacy_item(name: str, index: int) -> dict[str, Any]:
    """The core benchmark's cutter, the way a legacy client sends it."""
    graphql = cutter_input(name, index)
    return {
        "type": "cutting_tool",
        "description": graphql["description"],
        "manufacturer": graphql["manufacturer"],
        "product_code": graphql["partNumber"],
        "geometry": graphql["geometry"],
        "material": graphql["material"],
        "tags": graphql["tags"],
    }


async def _send(client: httpx.AsyncClient, method: str, path: str, body: bytes | None = None) -> bytes:
    response = await client.request(method, path, content=body, headers=JSON_HEADERS)
    if response.status_code != 200:
        raise BenchError(f"{method} {path}: HTTP {response.status_code}: {response.text[:300]}")
    return response.content


class RestCreateItems(Workload):
    key = "rest_create_items"
    title = "POST tool-items (1,000)"
    target = 4.0
    expected_growth: ClassVar[Mapping[str, int]] = {
        "tool_items": BULK_SIZE,
        "audit_log": BULK_SIZE,
        "change_log": BULK_SIZE,
    }

    def graphql(self, run: str) -> Timed:  # the REST side: the app's half of the comparison
        items = [legacy_item(f"bench rest {run} item {i:04d}", i) for i in range(BULK_SIZE)]
        body = json.dumps({"items": items}).encode()
        return lambda: _send(self.client.client, "POST", ITEMS_PATH, body)

    def floor(self, run: str) -> Timed:
        inputs = [cutter_input(f"bench floor {run} item {i:04d}", i) for i in range(BULK_SIZE)]
        return lambda: floors.create_items(self.engine, inputs)

    def check(self, body: bytes, *, from_floor: bool) -> Any:
        data = json.loads(body)
        if from_floor:
            return {"created": data["createToolItems"]["successCount"]}
        if data["success_count"] != BULK_SIZE or data["errors"]:
            raise BenchError(f"{self.title}: {data['success_count']} created, errors {data['errors'][:3]}")
        return {"created": data["success_count"]}


class CreateAgainstRest(Workload):
    """createToolItems(1,000) against the same 1,000 cutters through the legacy REST door as its
    "floor": the two alternate call by call, so the ratio is GraphQL's cost over REST's under
    the same load (issue 18: a write through GraphQL no slower than through REST)."""

    key = "create_tool_items_graphql_vs_rest"
    title = "createToolItems(1,000) GraphQL / REST"
    target = 1.0
    expected_growth: ClassVar[Mapping[str, int]] = RestCreateItems.expected_growth

    def __init__(self, client: GraphQLClient, engine: AsyncEngine) -> None:
        super().__init__(client, engine)
        self.through_graphql = CreateToolItems(client, engine)
        self.through_rest = RestCreateItems(client, engine)

    def graphql(self, run: str) -> Timed:
        return self.through_graphql.graphql(run)

    def floor(self, run: str) -> Timed:
        return self.through_rest.graphql(run)  # RestCreateItems' own (timed) side

    def check(self, body: bytes, *, from_floor: bool) -> Any:
        if from_floor:
            return self.through_rest.check(body, from_floor=False)
        return {"created": self.through_graphql.check(body, from_floor=False)["successCount"]}


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


# The columns the route reads for its legacy document (its wire mapping's fields).
LIST_COLUMNS = (
    "id", "owner_id", "created_by", "updated_by", "version", "manufacturer", "part_number",
    "description", "geometry", "material", "iso13399_reference", "parent_tool_id", "created_at",
    "updated_at", "category", "legacy_category", "tags",
)  # fmt: skip


async def legacy_items_page(engine: AsyncEngine, owner: str, limit: int) -> bytes:
    """The floor of the list route: the page and the total from one SELECT (the total as a
    scalar subquery, as the route reads them), encoded in the legacy shape."""
    t = ITEMS
    counted = select(func.count()).select_from(t).where(t.c.owner_id == owner).scalar_subquery()
    async with engine.connect() as conn:
        rows = (
            await conn.execute(
                select(*(t.c[name] for name in LIST_COLUMNS), counted.label("total"))
                .where(t.c.owner_id == owner)
                .order_by(t.c.created_at, t.c.id)
                .limit(limit)
            )
        ).all()
    total = rows[0].total if rows else 0
    items = [
        {
            "id": r.id,
            "type": r.legacy_category or r.category.lower(),
            "manufacturer": r.manufacturer,
            "product_code": r.part_number,
            "description": r.description,
            "geometry": r.geometry,
            "material": r.material,
            "iso_13399_reference": r.iso13399_reference,
            "parent_tool_id": r.parent_tool_id,
            "tags": r.tags,
            "user_id": r.owner_id,
            "created_by": r.created_by,
            "updated_by": r.updated_by,
            "created_at": _iso(r.created_at),
            "updated_at": _iso(r.updated_at),
            "version": r.version,
        }
        for r in rows
    ]
    return dumps({"items": items, "total": total, "limit": limit, "offset": 0})


class RestListItems(Workload):
    key = "rest_list_items"
    title = "GET tool-items?limit=1000"
    target = 1.5

    def graphql(self, run: str) -> Timed:
        return lambda: _send(self.client.client, "GET", f"{ITEMS_PATH}?limit={PAGE_SIZE}")

    def floor(self, run: str) -> Timed:
        return lambda: legacy_items_page(self.engine, floors.OWNER, PAGE_SIZE)

    def check(self, body: bytes, *, from_floor: bool) -> Any:
        data = json.loads(body)
        if len(data["items"]) != PAGE_SIZE:
            raise BenchError(f"{self.title}: {len(data['items'])} items, expected {PAGE_SIZE}")
        return data  # the floor's document must equal the route's, key for key


# --- concurrent clients against a served worker ------------------------------------------------------


@dataclass
class Concurrent:
    clients: int
    seconds: float
    latencies_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    elapsed_s: float = 0.0
    server_cpu_s: float = 0.0
    client_cpu_s: float = 0.0  # this process: the clients (and the event loop that drives them)
    load_average: tuple[float, float, float] = (0.0, 0.0, 0.0)  # as the clients started

    @property
    def requests_per_second(self) -> float:
        return len(self.latencies_ms) / self.elapsed_s if self.elapsed_s else 0.0

    @property
    def within_target(self) -> bool:
        return not self.errors and self.requests_per_second >= CONCURRENT_TARGET_RPS

    def line(self) -> str:
        if not self.latencies_ms:
            return f"concurrent list: no request succeeded; errors: {self.errors[:3]}"
        verdict = "ok" if self.within_target else "MISS"
        return (
            f"{self.clients} clients × GET tool-items?limit=100 for {self.elapsed_s:.1f} s (one worker): "
            f"{len(self.latencies_ms):,} requests, {self.requests_per_second:,.0f} requests/s, "
            f"p50 {percentile(self.latencies_ms, 50):.1f} ms, p99 {percentile(self.latencies_ms, 99):.1f} ms, "
            f"errors {len(self.errors)}   target ≥ {CONCURRENT_TARGET_RPS:g} requests/s  {verdict}\n"
            f"  server CPU {self.server_cpu_s * 1000 / len(self.latencies_ms):.2f} ms per request "
            f"({self.server_cpu_s / self.elapsed_s:.0%} of one core); the clients on the same machine "
            f"{self.client_cpu_s * 1000 / len(self.latencies_ms):.2f} ms per request "
            f"({self.client_cpu_s / self.elapsed_s:.0%} of one core); load average at start "
            f"{', '.join(f'{x:.2f}' for x in self.load_average)}"
        )


async def concurrent_list(database_url: str, *, clients: int, seconds: float) -> Concurrent:
    """Serve `database_url` (migrated, with at least 100 items) and let `clients` list for `seconds`."""
    result = Concurrent(clients, seconds)
    with serving(database_url, "rest") as server:
        async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as probe:
            await server.wait_ready(probe)
            await _send(probe, "GET", f"{ITEMS_PATH}?limit=100")  # warm

        async def client(deadline: float) -> None:
            limits = httpx.Limits(max_connections=1)
            async with httpx.AsyncClient(base_url=server.base_url, timeout=30, limits=limits) as http:
                while time.monotonic() < deadline:
                    started = time.perf_counter()
                    try:
                        body = await _send(http, "GET", f"{ITEMS_PATH}?limit=100")
                        if len(json.loads(body)["items"]) != 100:
                            raise BenchError("a page without 100 items")
                    except (BenchError, httpx.HTTPError) as exc:
                        result.errors.append(f"{type(exc).__name__}: {exc}"[:200])
                        continue
                    result.latencies_ms.append((time.perf_counter() - started) * 1000)

        async with asyncio.timeout(seconds + 60):
            result.load_average = os.getloadavg()
            began, cpu, own_cpu = time.perf_counter(), server.cpu_seconds(), time.process_time()
            deadline = time.monotonic() + seconds
            await asyncio.gather(*(client(deadline) for _ in range(clients)))
            result.elapsed_s = time.perf_counter() - began
            result.server_cpu_s = server.cpu_seconds() - cpu
            result.client_cpu_s = time.process_time() - own_cpu
    return result


def add_arguments(parser: argparse.ArgumentParser) -> None:
    rest = parser.add_argument_group("legacy REST routes (--rest)")
    rest.add_argument(
        "--rest",
        action="store_true",
        help="instead of the GraphQL workloads, time the legacy REST routes (bulk create 1,000, list 1,000) "
        "against their floors, then concurrent clients listing against a served worker",
    )
    rest.add_argument(
        "--rest-clients", type=int, default=16, metavar="N", help="concurrent list: clients (default: 16)"
    )
    rest.add_argument(
        "--rest-seconds",
        type=float,
        default=10.0,
        metavar="S",
        help="concurrent list: duration (default: 10)",
    )
