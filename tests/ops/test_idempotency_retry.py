"""A client whose connection is cut mid-request retries with its idempotency key and ends with
exactly one write (issue 15), against a real `smooth-gql serve`.

The raw socket client sends a bulk write and closes the connection while the
server's write transaction is open (seen from outside: support/write_probe.py),
so it never reads an answer. Its retry with the same key, over a new
connection, gets the first outcome: one row per success, one audit row per
element and one change row per success, whatever the cut did to the first
request. On SQLite and PostgreSQL, through GraphQL and REST; and on
PostgreSQL two workers racing the same key write once.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Mapping
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from conftest import Api
from support.serve_process import ServeProcess, serve
from support.write_probe import write_transaction_open

# The test needs what only PostgreSQL has; its SQLite twin would have nothing to show.
POSTGRES_ONLY = pytest.mark.parametrize(
    "database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)

BATCH = 400
CREATE_USAGES = """mutation($input: [ToolUsageCreateInput!]!, $key: String) {
  createToolUsages(input: $input, idempotencyKey: $key) {
    successCount errorCount results { id version } errors { index code message }
  }
}"""


def _usages(label: str) -> list[dict[str, Any]]:
    """BATCH usage records and one that names a missing instance (an item error)."""
    good = [{"startTime": "2026-01-01T08:00:00Z", "programName": f"{label} {n}"} for n in range(BATCH)]
    return [*good, {"startTime": "2026-01-01T08:00:00Z", "toolInstanceId": str(uuid.uuid4())}]


def _items(label: str) -> list[dict[str, Any]]:
    good = [{"type": "cutting_tool", "description": f"{label} {n}"} for n in range(BATCH)]
    return [*good, {"type": "cutting_tool", "parent_tool_id": str(uuid.uuid4())}]


def _raw_request(port: int, path: str, body: bytes, headers: Mapping[str, str]) -> bytes:
    lines = [
        f"POST {path} HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        "Content-Type: application/json",
        f"Content-Length: {len(body)}",
        *(f"{name}: {value}" for name, value in headers.items()),
        "",
        "",
    ]
    return "\r\n".join(lines).encode() + body


async def _send_and_cut(api: Api, database_url: str, server: ServeProcess, request: bytes) -> None:
    """Send the whole request, wait until the server is writing it, then close the socket."""
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(request)
    await writer.drain()
    deadline = time.monotonic() + 30  # a bound on the wait, not a timing assertion
    while not await write_transaction_open(api.engine, database_url):
        assert time.monotonic() < deadline, "the write never opened a transaction"
        await asyncio.sleep(0.002)
    writer.transport.abort()  # RST: the client is gone without reading a byte
    del reader


async def _retry(
    client: httpx.AsyncClient, url: str, body: bytes, headers: Mapping[str, str]
) -> httpx.Response:
    """What a bridge does: send again with the same key until the answer is not 'in progress'."""
    for _ in range(60):  # bounded
        response = await client.post(
            url, content=body, headers={"Content-Type": "application/json", **headers}
        )
        if response.status_code != 409 and "IDEMPOTENCY_IN_PROGRESS" not in response.text:
            return response
        await asyncio.sleep(0.5)
    raise AssertionError("the key stayed in progress")


def _cost(body: Mapping[str, Any]) -> dict[str, Any]:
    """`extensions.cost` without `remaining`, which each charged call lowers."""
    return {k: v for k, v in body["extensions"]["cost"].items() if k != "remaining"}


async def _counts(api: Api, table: str, entity_type: str) -> tuple[int, int, int, int]:
    async with api.engine.connect() as conn:

        async def one(sql: str) -> int:
            return int((await conn.execute(text(sql), {"t": entity_type})).scalar_one())

        return (
            await one(f"SELECT count(*) FROM {table}"),  # a table name of this test
            await one("SELECT count(*) FROM audit_log WHERE entity_type = :t AND result = 'success'"),
            await one("SELECT count(*) FROM audit_log WHERE entity_type = :t AND result <> 'success'"),
            await one("SELECT count(*) FROM change_log WHERE entity_type = :t"),
        )


async def test_a_graphql_retry_after_a_cut_connection_writes_once(api: Api, database_url: str) -> None:
    body = json.dumps(
        {"query": CREATE_USAGES, "variables": {"input": _usages("cut"), "key": "bridge-7"}}
    ).encode()
    with serve(database_url) as server:
        async with httpx.AsyncClient(timeout=60) as client:
            await server.wait_ready(client)
            await _send_and_cut(api, database_url, server, _raw_request(server.port, "/graphql", body, {}))
            response = await _retry(client, f"{server.base_url}/graphql", body, {})
            again = await _retry(client, f"{server.base_url}/graphql", body, {})
    result = response.json()["data"]["createToolUsages"]
    assert (result["successCount"], result["errorCount"]) == (BATCH, 1)
    # The same answer; each call is charged to the caller's budget, so only `remaining` differs.
    assert again.json()["data"] == response.json()["data"]
    assert _cost(again.json()) == _cost(response.json())
    assert await _counts(api, "tool_usages", "ToolUsage") == (BATCH, BATCH, 1, BATCH)
    async with api.engine.connect() as conn:
        stored = {r for (r,) in await conn.execute(text("SELECT id FROM tool_usages"))}
    assert stored == {r["id"] for r in result["results"]}  # the ids the retry got are the stored ones


async def test_a_rest_retry_after_a_cut_connection_writes_once(api: Api, database_url: str) -> None:
    body = json.dumps({"items": _items("cut")}).encode()
    headers = {"Idempotency-Key": "bridge-7/items"}
    with serve(database_url) as server:
        async with httpx.AsyncClient(timeout=60) as client:
            await server.wait_ready(client)
            raw = _raw_request(server.port, "/api/v1/tool-items", body, headers)
            await _send_and_cut(api, database_url, server, raw)
            response = await _retry(client, f"{server.base_url}/api/v1/tool-items", body, headers)
    assert response.status_code == 200, response.text
    assert (response.json()["success_count"], response.json()["error_count"]) == (BATCH, 1)
    assert await _counts(api, "tool_items", "ToolItem") == (BATCH, BATCH, 1, BATCH)


@POSTGRES_ONLY  # several workers share a database on PostgreSQL only
async def test_two_workers_racing_one_key_write_once(api: Api, database_url: str) -> None:
    body = json.dumps(
        {"query": CREATE_USAGES, "variables": {"input": _usages("race"), "key": "race"}}
    ).encode()
    with serve(database_url, "--workers", "2") as server:
        async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_keepalive_connections=0)) as client:
            await server.wait_ready(client)
            url = f"{server.base_url}/graphql"
            responses = await asyncio.gather(*(_retry(client, url, body, {}) for _ in range(6)))
    bodies = [r.json() for r in responses]
    assert all(b["data"] == bodies[0]["data"] and _cost(b) == _cost(bodies[0]) for b in bodies), bodies
    assert bodies[0]["data"]["createToolUsages"]["successCount"] == BATCH
    assert await _counts(api, "tool_usages", "ToolUsage") == (BATCH, BATCH, 1, BATCH)
