"""A bulk write is refused on the count of its input before graphql-core coerces the input.

90,000 `{name: "x"}` elements (a 1.35 MB body) used to be coerced on the event
loop — 8.7 s during which no other request was answered — only to be refused
as anonymous or as too many. The checks a bulk write makes first (the right to
write, then `maxBulkItems`) now run on the element count alone. CPU time of the
in-process request is measured (`time.thread_time`), never wall-clock time,
except against a real server, where the latency of /health is the point.
"""

from __future__ import annotations

import asyncio
import gc
import json
import statistics
import time
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from conftest import StatementCounter
from support.auth import AuthApi, Creds, auth_app
from support.serve_process import serve

CREATE = "mutation($input: [ToolItemCreateInput!]!) { createToolItems(input: $input) { successCount } }"
DELETE = "mutation($input: [DeleteInput!]!) { deleteToolItems(input: $input) { successCount } }"
CPU_BUDGET = 0.150  # seconds: decoding the 1.35 MB body is most of it; coercing it took 8.7 s


def body(query: str, elements: list[dict[str, Any]]) -> bytes:
    """JSON with the usual separators: 90,000 `{"name": "x"}` make the issue's 1.35 MB."""
    return json.dumps({"query": query, "variables": {"input": elements}}).encode()


ITEMS = body(CREATE, [{"name": "x"}] * 90_000)


async def post_timed(auth: AuthApi, content: bytes, creds: Creds) -> tuple[dict[str, Any], float]:
    headers = {"content-type": "application/json", **creds.as_headers()}
    gc.collect()
    gc.disable()  # a collection over the whole test process's heap is not this request's cost
    try:
        start = time.thread_time()
        response = await auth.client.post("/graphql", content=content, headers=headers)
        spent = time.thread_time() - start
    finally:
        gc.enable()
        auth.client.cookies.clear()
    assert response.status_code == 200, response.text
    return response.json(), spent


async def test_ninety_thousand_anonymous_inputs_are_refused_before_coercion(
    engine: AsyncEngine, database_url: str
) -> None:
    assert 1_300_000 < len(ITEMS) < 1_400_000
    async with auth_app(engine, database_url) as auth:
        await auth.register("owner@shop.example")  # the server has an account; the caller is not it
        counter = StatementCounter(engine)

        result, spent = await post_timed(auth, ITEMS, Creds())

    assert result["data"] is None
    [error] = result["errors"]
    assert error["message"] == "authentication required: log in or send an API key"
    assert error["path"] == ["createToolItems"]
    assert error["extensions"] == {"code": "UNAUTHENTICATED"}
    assert spent < CPU_BUDGET, f"{spent * 1000:.0f} ms of CPU"
    assert counter.statements == []


async def test_ninety_thousand_inputs_from_a_user_are_refused_as_over_the_limit(
    engine: AsyncEngine, database_url: str
) -> None:
    async with auth_app(engine, database_url) as auth:
        await auth.register("owner@shop.example")
        creds = await auth.login("owner@shop.example")

        result, spent = await post_timed(auth, ITEMS, creds)
        deleted, delete_spent = await post_timed(auth, body(DELETE, [{"id": "x"}] * 90_000), creds)

    for refused, cpu in ((result, spent), (deleted, delete_spent)):
        assert refused["data"] is None
        [error] = refused["errors"]
        assert error["message"] == "input: 90000 elements exceed the limit of 1000 per request"
        assert error["extensions"] == {
            "code": "LIMIT",
            "field": "input",
            "limit": {"name": "maxBulkItems", "value": 1000},
        }
        assert cpu < CPU_BUDGET, f"{cpu * 1000:.0f} ms of CPU"
    assert result["errors"][0]["path"] == ["createToolItems"]
    assert deleted["errors"][0]["path"] == ["deleteToolItems"]


async def test_a_key_without_the_write_scope_is_refused_before_coercion(
    engine: AsyncEngine, database_url: str
) -> None:
    async with auth_app(engine, database_url) as auth:
        await auth.register("owner@shop.example")
        _, key = await auth.key(await auth.login("owner@shop.example"), ["read"])

        result, spent = await post_timed(auth, ITEMS, key)

    [error] = result["errors"]
    assert error["extensions"]["code"] == "FORBIDDEN"
    assert error["message"] == "required scope 'write:items' not granted"
    assert spent < CPU_BUDGET


async def test_a_literal_list_is_counted_and_the_refusal_is_the_resolvers_own(
    engine: AsyncEngine, database_url: str
) -> None:
    """Through a fragment and an alias: the same error, at the same path, as the write service's."""
    async with auth_app(engine, database_url, max_bulk_items=2) as auth:
        await auth.register("owner@shop.example")
        creds = await auth.login("owner@shop.example")
        literal = ", ".join(['{name: "x"}'] * 3)
        document = (
            f"mutation {{ ...W }} fragment W on Mutation {{ made: createToolItems(input: [{literal}]) "
            "{ successCount } }"
        )
        counter = StatementCounter(engine)
        refused = await auth.raw(document, creds=creds)
        statements = list(counter.statements)
        # At the limit the write goes through: the guard counted, the service wrote.
        written = await auth.ok(document.replace(f"[{literal}]", '[{name: "a"}, {name: "b"}]'), creds=creds)

    assert refused == {
        "data": None,
        "errors": [
            {
                "message": "input: 3 elements exceed the limit of 2 per request",
                "locations": [{"line": 1, "column": 44}],
                "path": ["made"],
                "extensions": {
                    "code": "LIMIT",
                    "field": "input",
                    "limit": {"name": "maxBulkItems", "value": 2},
                },
            }
        ],
        # A bulk write: 1 per element; refused by its resolver, it was charged.
        "extensions": {"cost": {"requested": 3, "limit": 500_000, "remaining": 40_000_000 - 3}},
    }
    assert [s for s in statements if "INSERT" in s.upper()] == []
    assert written == {"made": {"successCount": 2}}


async def test_health_is_not_stalled_by_ninety_thousand_inputs(database_url: str) -> None:
    """A real `smooth-gql serve` (authentication off there: the limit refuses), three such
    bodies at once, /health polled meanwhile. Before, each held the event loop for seconds."""
    with serve(database_url) as server:
        async with httpx.AsyncClient(timeout=60) as client:
            await server.wait_ready(client)
            latencies: list[float] = []
            stop = asyncio.Event()

            async def poll_health() -> None:
                for _ in range(300):  # bounded; ends once the bodies are answered
                    start = time.perf_counter()
                    response = await client.get(f"{server.base_url}/health")
                    latencies.append(time.perf_counter() - start)
                    assert response.status_code == 200
                    if stop.is_set() and len(latencies) >= 10:
                        return
                    await asyncio.sleep(0.01)

            async def send() -> httpx.Response:
                return await client.post(
                    f"{server.base_url}/graphql", content=ITEMS, headers={"content-type": "application/json"}
                )

            poller = asyncio.create_task(poll_health())
            await asyncio.sleep(0.02)
            responses = await asyncio.gather(*(send() for _ in range(3)))
            stop.set()
            await poller

    for response in responses:
        assert response.status_code == 200
        assert response.json()["errors"][0]["extensions"]["code"] == "LIMIT"
    assert statistics.median(latencies) < 0.100, latencies
    assert max(latencies) < 1.0, latencies
