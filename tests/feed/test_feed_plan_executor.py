"""Subscription events run from the plan (issue 18, part 4) are graphql-core's events, byte for byte.

Two servers on one database, one per executor; one subscription document with aliases,
fragments on the entity union and the Entity interface, a relation, `@include` driven by a
variable and a deleted entity (null), subscribed on both; the replayed and the live events
must come out as the same JSON text on both connections.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine
from websockets.asyncio.client import connect

from conftest import Api, make_settings
from smooth_gql.app import create_app
from support.factories import create_ok
from support.loopback import served

EVENTS = """
subscription($after: String, $full: Boolean!) {
  changes(after: $after) {
    op: operation entityType version
    entity {
      __typename
      ... on Entity { id v: version tags }
      ... on ToolItem { name category parentTool @include(if: $full) { id name } }
      ... on ToolAssembly { name components { role item { name } } }
    }
  }
}"""


@asynccontextmanager
async def _served(engine: AsyncEngine, database_url: str, executor: str) -> AsyncIterator[tuple[Api, int]]:
    # Budgets off: each app counts its own, so extensions.cost.remaining would differ.
    settings = make_settings(database_url, executor=executor, keep_alive_seconds=1.0, points_per_minute=0)
    async with (
        served(create_app(settings, engine=engine), lifespan="auto") as port,
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client,
    ):
        yield Api(client, engine, settings), port


async def _events(port: int, variables: dict[str, Any], count: int) -> list[str]:
    """The first `count` event payloads of the subscription, as the JSON text that came."""
    async with connect(f"ws://127.0.0.1:{port}/graphql", subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
        assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "connection_ack"
        payload = {"query": EVENTS, "variables": variables}
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
        events: list[str] = []
        while len(events) < count:
            message = json.loads(await asyncio.wait_for(ws.recv(), 10))
            if message["type"] == "ping":
                await ws.send(json.dumps({"type": "pong"}))
                continue
            assert message["type"] == "next", message
            events.append(json.dumps(message["payload"]))
        return events


async def test_subscription_events_from_the_plan_are_graphql_cores(
    engine: AsyncEngine, database_url: str
) -> None:
    """The second server starts after the writes: on SQLite a worker learns of writes made
    through another only when it starts (its tail is woken by its own writes)."""
    async with _served(engine, database_url, "plan") as (api, planned):
        start = (await api.gql("{ changesSince(first: 0) { endCursor } }"))["changesSince"]["endCursor"]
        holder, cutter = await create_ok(
            api, "ToolItem", [{"name": "holder", "category": "HOLDER"}, {"name": "c"}]
        )
        await create_ok(api, "ToolItem", [{"name": "copy", "parentToolId": holder, "tags": ["x"]}])
        await create_ok(api, "ToolAssembly", [{"name": "asm", "holderId": holder}])
        await api.gql(
            "mutation($id: ID!) { deleteToolItems(input: [{id: $id}]) { successCount } }", {"id": cutter}
        )
        async with _served(engine, database_url, "graphql-core") as (_, core):
            for full in (True, False):
                variables = {"after": start, "full": full}
                mine, theirs = await asyncio.gather(
                    _events(planned, variables, 5), _events(core, variables, 5)
                )
                assert mine == theirs
                assert '"entity": null' in mine[-1], "the deleted item: a null entity"
                assert ('"parentTool": {"id"' in "".join(mine)) is full, "@include follows its variable"
