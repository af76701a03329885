"""Python's `gql` (4.x), unchanged, against a real `smooth-gql serve` with authentication on.

What a script or a CNC bridge written in Python does: queries and bulk mutations
over HTTP with a key, schema introspection, and the `changes` subscription over
WebSocket, live and resumed from the last cursor it saw.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from gql import Client, GraphQLRequest
from gql.transport.aiohttp import AIOHTTPTransport
from gql.transport.aiohttp_websockets import AIOHTTPWebsocketsTransport
from gql.transport.websockets import WebsocketsTransport
from graphql import build_schema, lexicographic_sort_schema, print_schema
from sqlalchemy.ext.asyncio import AsyncEngine

from support.stock_server import StockServer, stock_server

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "schema.graphql"

CREATE_ITEMS = """
mutation CreateItems($input: [ToolItemCreateInput!]!) {
  createToolItems(input: $input) { successCount errorCount results { id name version } }
}"""
CREATE_ASSEMBLY = """
mutation($name: String!, $holder: ID!, $cutter: ID!) {
  createToolAssemblies(input: [{name: $name, holderId: $holder, cutterId: $cutter}]) { results { id } }
}"""
CREATE_INSTANCE = """
mutation($serial: String!, $assembly: ID!) {
  createToolInstances(input: [{serialNumber: $serial, toolAssemblyId: $assembly}]) { results { id } }
}"""
CREATE_PRESET = """
mutation($input: [ToolPresetCreateInput!]!) { createToolPresets(input: $input) { successCount results { id } } }"""
MACHINE_VIEW = """
query Machine($machine: String!) {
  toolPresets(filter: {machineId: $machine}, first: 100) {
    totalCount
    edges { node {
      toolNumber name
      toolInstance { serialNumber toolAssembly { name components { role item { name } } } }
    } }
  }
}"""
HEAD = "query { changesSince(first: 0) { endCursor } }"
CHANGES = """
subscription Follow($after: String) {
  changes(after: $after, entityTypes: [TOOL_ITEM]) { cursor entityType entityId operation version }
}"""
NEW_ITEM = "mutation($name: String!) { createToolItems(input: [{name: $name, category: HOLDER}]) { results { id } } }"

# The two WebSocket subprotocols gql speaks: graphql-transport-ws, and the legacy graphql-ws.
SUBPROTOCOLS = [WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL, WebsocketsTransport.APOLLO_SUBPROTOCOL]


@pytest.fixture
async def served(engine: AsyncEngine, database_url: str) -> AsyncIterator[StockServer]:
    async with stock_server(database_url) as server:
        yield server


def _http(served: StockServer, *, fetch_schema: bool = False) -> Client:
    transport = AIOHTTPTransport(url=served.graphql_url, headers=served.bearer, ssl=False)
    return Client(
        transport=transport,
        fetch_schema_from_transport=fetch_schema,
        # Without it the introspection query leaves out the JSON scalar's @specifiedBy.
        introspection_args={"specified_by_url": True},
        execute_timeout=30,
    )


async def test_gql_runs_a_bulk_mutation_with_variables_and_the_nested_machine_view(
    served: StockServer,
) -> None:
    async with _http(served) as session:
        items = {
            "input": [
                {"name": "BT30 ER20", "category": "HOLDER"},
                {
                    "name": "6 mm end mill",
                    "category": "CUTTING_TOOL",
                    "toolType": "END_MILL",
                    "geometry": {"diameter": 6, "flutes": 3},
                    "tags": ["aluminium"],
                },
            ]
        }
        made = await session.execute(
            GraphQLRequest(CREATE_ITEMS, variable_values=items, operation_name="CreateItems")
        )
        created = made["createToolItems"]
        assert (created["successCount"], created["errorCount"]) == (2, 0)
        holder, cutter = (r["id"] for r in created["results"])
        assembly = (
            await session.execute(
                GraphQLRequest(
                    CREATE_ASSEMBLY,
                    variable_values={"name": "T1 holder + mill", "holder": holder, "cutter": cutter},
                )
            )
        )["createToolAssemblies"]["results"][0]["id"]
        instance = (
            await session.execute(
                GraphQLRequest(CREATE_INSTANCE, variable_values={"serial": "SN-1", "assembly": assembly})
            )
        )["createToolInstances"]["results"][0]["id"]
        presets = {
            "input": [{"name": "T1", "machineId": "mill-1", "toolNumber": 1, "toolInstanceId": instance}]
        }
        assert (await session.execute(GraphQLRequest(CREATE_PRESET, variable_values=presets)))[
            "createToolPresets"
        ]["successCount"] == 1

        view = await session.execute(GraphQLRequest(MACHINE_VIEW, variable_values={"machine": "mill-1"}))
    assert view["toolPresets"]["totalCount"] == 1
    node = view["toolPresets"]["edges"][0]["node"]
    assert (node["toolNumber"], node["name"], node["toolInstance"]["serialNumber"]) == (1, "T1", "SN-1")
    components = node["toolInstance"]["toolAssembly"]["components"]
    assert sorted((c["role"], c["item"]["name"]) for c in components) == [
        ("CUTTER", "6 mm end mill"),
        ("HOLDER", "BT30 ER20"),
    ]


async def test_gql_introspects_the_schema_in_schema_graphql(served: StockServer) -> None:
    client = _http(served, fetch_schema=True)
    async with client as session:
        # gql validates every document against the fetched schema before it sends it.
        assert (await session.execute(GraphQLRequest("{ me { email } }")))["me"][
            "email"
        ] == "admin@shop.example"
    assert client.schema is not None
    fetched = print_schema(lexicographic_sort_schema(client.schema))
    committed = print_schema(lexicographic_sort_schema(build_schema(SCHEMA_FILE.read_text())))
    assert fetched == committed


async def _next_change(subscription: AsyncIterator[dict[str, Any]]) -> dict[str, Any]:
    result = await asyncio.wait_for(anext(subscription), 20)
    return result["changes"]  # type: ignore[no-any-return]


async def _follow_live_then_resume(served: StockServer, connect: Any) -> None:
    """Subscribe from the head, see a write made over HTTP, disconnect, miss two writes,
    resume from the last cursor: exactly the missed writes come, in order."""
    head = (await served.gql(HEAD))["changesSince"]["endCursor"]
    async with connect() as session:
        subscription = session.subscribe(GraphQLRequest(CHANGES, variable_values={"after": head}))
        first = (await served.gql(NEW_ITEM, {"name": "live"}))["createToolItems"]["results"][0]["id"]
        seen = await _next_change(subscription)
        assert (seen["entityId"], seen["operation"], seen["version"]) == (first, "CREATED", 1)
        await subscription.aclose()

    missed = [
        (await served.gql(NEW_ITEM, {"name": n}))["createToolItems"]["results"][0]["id"] for n in ("m1", "m2")
    ]
    async with connect() as session:
        subscription = session.subscribe(GraphQLRequest(CHANGES, variable_values={"after": seen["cursor"]}))
        resumed = [await _next_change(subscription), await _next_change(subscription)]
        await subscription.aclose()
    assert [c["entityId"] for c in resumed] == missed


@pytest.mark.parametrize("subprotocol", SUBPROTOCOLS)
async def test_gql_follows_the_changes_over_websockets_transport(
    served: StockServer, subprotocol: str
) -> None:
    """The key on the handshake, as a Python client can send it."""

    def connect() -> Client:
        transport = WebsocketsTransport(url=served.ws_url, headers=served.bearer, subprotocols=[subprotocol])
        return Client(transport=transport)

    await _follow_live_then_resume(served, connect)


async def test_gql_follows_the_changes_over_aiohttp_websockets_transport(served: StockServer) -> None:
    """The key in `connection_init`, as a browser must send it (it cannot set handshake headers)."""

    def connect() -> Client:
        init = {"authorization": f"Bearer {served.key}"}
        return Client(transport=AIOHTTPWebsocketsTransport(url=served.ws_url, init_payload=init, ssl=False))

    await _follow_live_then_resume(served, connect)
