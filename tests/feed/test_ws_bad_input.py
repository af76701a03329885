"""A WebSocket client that sends what the protocol cannot read is closed with 4400, on both
subprotocols; nobody else's connection notices."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from conftest import LiveServer
from support.feed import head_cursor
from support.feed_client import FeedClient, text_message

TRANSPORT_WS = "graphql-transport-ws"
LEGACY_WS = "graphql-ws"
QUERY = "subscription { changes { entityId } }"

# What a broken client sends after a good connection_init, and the close reason it gets.
BAD_MESSAGES: list[tuple[str, str | bytes, str]] = [
    ("binary frame", b'{"type": "connection_init"}', "must be text"),
    ("invalid JSON", "{'type': subscribe", "must be valid JSON"),
    ("JSON array", "[1, 2]", "must be a JSON object"),
    ("JSON string", '"subscribe"', "must be a JSON object"),
    ("no type", '{"id": "1"}', "has no `type`"),
    ("unknown type", '{"type": "launch", "id": "1"}', "Unknown message type: launch"),
    ("long unknown type", json.dumps({"type": "Ø" * 200}), "Unknown message type: ØØØ"),
    ("payload not an object", '{"type": "%s", "id": "1", "payload": "{ me { id } }"}', "string `query`"),
    ("query not a string", '{"type": "%s", "id": "1", "payload": {"query": 5}}', "string `query`"),
    ("no id", '{"type": "%s", "payload": {"query": "{ __typename }"}}', "string `id`"),
    (
        "variables a list",
        '{"type": "%s", "id": "1", "payload": {"query": "{ __typename }", "variables": []}}',
        "`variables`",
    ),
]
START = {TRANSPORT_WS: "subscribe", LEGACY_WS: "start"}


async def _connected(live: LiveServer, subprotocol: str) -> ClientConnection:
    connection = await connect(live.ws_url, subprotocols=[subprotocol])  # type: ignore[list-item]
    await connection.send(json.dumps({"type": "connection_init", "payload": {}}))
    ack = text_message(await asyncio.wait_for(connection.recv(), 10))
    assert ack["type"] == "connection_ack", ack
    return connection


async def _received_until_closed(connection: ClientConnection) -> tuple[list[dict[str, Any]], int, str]:
    """The messages that came before the close, and the close code and reason."""
    messages: list[dict[str, Any]] = []
    with pytest.raises(ConnectionClosed) as closed:
        for _ in range(20):  # bounded: a keep-alive or two may come first
            messages.append(text_message(await asyncio.wait_for(connection.recv(), 10)))
    assert closed.value.rcvd is not None, "the server did not close the connection"
    return messages, closed.value.rcvd.code, closed.value.rcvd.reason


@pytest.mark.parametrize("subprotocol", [TRANSPORT_WS, LEGACY_WS])
@pytest.mark.parametrize(("case", "sent", "reason"), BAD_MESSAGES, ids=[c[0] for c in BAD_MESSAGES])
async def test_a_malformed_message_closes_the_connection_with_4400(
    live: LiveServer, subprotocol: str, case: str, sent: str | bytes, reason: str
) -> None:
    bystander = await FeedClient.open(live.ws_url)
    await bystander.subscribe(await head_cursor(live.api), ["TOOL_ITEM"])
    connection = await _connected(live, subprotocol)
    await connection.send(sent % START[subprotocol] if isinstance(sent, str) and "%s" in sent else sent)

    messages, code, said = await _received_until_closed(connection)
    assert (code, reason in said) == (4400, True), (code, said)
    if subprotocol == LEGACY_WS:  # the legacy client learns why in its own protocol first
        errors = [m for m in messages if m["type"] == "connection_error"]
        assert errors and reason in errors[0]["payload"]["message"], messages

    # The other connection still works: it sees a change made after the refusal.
    await live.api.gql(
        'mutation { createToolItems(input: [{name: "after", category: HOLDER}]) { successCount } }'
    )
    [change] = await bystander.changes(1)
    assert change["entityType"] == "TOOL_ITEM"
    await bystander.close()


@pytest.mark.parametrize("subprotocol", [TRANSPORT_WS, LEGACY_WS])
async def test_a_well_formed_operation_still_runs(live: LiveServer, subprotocol: str) -> None:
    """The checks refuse nothing a stock client sends (operationName, variables, extensions)."""
    connection = await _connected(live, subprotocol)
    payload = {
        "query": "subscription S($after: String) { changes(after: $after) { entityId } }",
        "operationName": "S",
        "variables": {"after": await head_cursor(live.api)},
        "extensions": {},
    }
    await connection.send(json.dumps({"type": START[subprotocol], "id": "1", "payload": payload}))
    data = await live.api.gql(
        'mutation { createToolItems(input: [{name: "x", category: HOLDER}]) { results { id } } }'
    )
    for _ in range(20):  # bounded: keep-alives may come first
        message = text_message(await asyncio.wait_for(connection.recv(), 10))
        if message["type"] not in ("ka", "ping", "pong"):
            break
    assert message["type"] in ("next", "data"), message
    assert message["payload"]["data"]["changes"]["entityId"] == data["createToolItems"]["results"][0]["id"]
    await connection.close()
