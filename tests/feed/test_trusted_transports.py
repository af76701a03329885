"""A trusted-documents-only key: an ad-hoc document is refused, a registered one served,
over plain HTTP, a WebSocket (graphql-transport-ws) and Server-Sent Events alike.

The key authenticates as usual (that reads its row); the refusal comes before
any SQL of the operation itself. The REST door is not affected: its routes are
fixed operations, not documents.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine
from websockets.asyncio.client import ClientConnection, connect

from conftest import StatementCounter
from support.auth import AuthApi, Creds, live_auth_server
from support.feed_client import text_message

ITEMS = "query Items { toolItems { totalCount } }"
AD_HOC = "{ toolItems { totalCount } }"
SERVED = {"toolItems": {"totalCount": 0}}
REGISTER = "mutation($d: [String!]!) { registerTrustedDocuments(documents: $d) { sha256Hash } }"
TRUSTED_KEY = """mutation {
  createApiKey(name: "kiosk", scopes: ["read"], trustedDocumentsOnly: true) {
    secret apiKey { trustedDocumentsOnly }
  }
}"""
BY_HASH = {"persistedQuery": {"version": 1, "sha256Hash": hashlib.sha256(ITEMS.encode()).hexdigest()}}


async def _setup(auth: AuthApi) -> Creds:
    """An admin registers ITEMS and makes a trusted-documents-only key; its credentials."""
    await auth.register("ann@shop.example")
    ann = await auth.login("ann@shop.example")
    await auth.ok(REGISTER, {"d": [ITEMS]}, ann)
    made = (await auth.ok(TRUSTED_KEY, None, ann))["createApiKey"]
    assert made["apiKey"]["trustedDocumentsOnly"] is True
    return Creds(key=made["secret"])


def _forbidden(errors: list[dict[str, Any]]) -> None:
    [error] = errors
    assert error["extensions"]["code"] == "FORBIDDEN", error
    assert "trusted documents only" in error["message"], error


async def _http(auth: AuthApi, key: Creds, body: dict[str, Any], accept: str = "application/json") -> Any:
    headers = {**key.as_headers(), "Accept": accept}
    response = await auth.client.post("/graphql", json=body, headers=headers)
    assert response.status_code == 200, response.text
    return response


async def test_over_http(engine: AsyncEngine, database_url: str) -> None:
    async with live_auth_server(engine, database_url) as (auth, _):
        key = await _setup(auth)
        counter = StatementCounter(engine)
        _forbidden((await _http(auth, key, {"query": AD_HOC})).json()["errors"])
        assert not [s for s in counter.statements if "tool_items" in s], counter.statements
        assert (await _http(auth, key, {"extensions": BY_HASH})).json()["data"] == SERVED
        # The registered text sent in full is that document too.
        assert (await _http(auth, key, {"query": ITEMS})).json()["data"] == SERVED
        # A key made by this key cannot drop the restriction.
        widen = 'mutation { createApiKey(name: "x", scopes: ["read"]) { secret } }'
        _forbidden((await _http(auth, key, {"query": widen})).json()["errors"])


def _sse_results(text: str) -> list[dict[str, Any]]:
    """The `data` of every `event: next` frame."""
    frames = [frame for frame in text.replace("\r\n", "\n").split("\n\n") if frame.startswith("event: next")]
    return [json.loads(frame.split("data: ", 1)[1]) for frame in frames]


async def test_over_server_sent_events(engine: AsyncEngine, database_url: str) -> None:
    async with live_auth_server(engine, database_url) as (auth, _):
        key = await _setup(auth)
        refused = await _http(auth, key, {"query": AD_HOC}, accept="text/event-stream")
        assert refused.headers["content-type"].startswith("text/event-stream")
        [result] = _sse_results(refused.text)
        _forbidden(result["errors"])
        served = await _http(auth, key, {"extensions": BY_HASH}, accept="text/event-stream")
        assert [result.get("data") for result in _sse_results(served.text)] == [SERVED]


async def _ws(port: int, key: Creds) -> ClientConnection:
    connection = await connect(f"ws://127.0.0.1:{port}/graphql", subprotocols=["graphql-transport-ws"])  # type: ignore[list-item]
    await connection.send(
        json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {key.key}"}})
    )
    ack = text_message(await asyncio.wait_for(connection.recv(), 10))
    assert ack["type"] == "connection_ack", ack
    return connection


async def _answer(connection: ClientConnection, op_id: str, payload: dict[str, Any]) -> dict[str, Any]:
    """The first message about operation `op_id` (keep-alive pings skipped)."""
    await connection.send(json.dumps({"type": "subscribe", "id": op_id, "payload": payload}))
    for _ in range(20):
        message = text_message(await asyncio.wait_for(connection.recv(), 10))
        if message.get("id") == op_id:
            return message
    raise AssertionError(f"no answer to operation {op_id}")


async def test_over_a_websocket(engine: AsyncEngine, database_url: str) -> None:
    async with live_auth_server(engine, database_url) as (auth, port):
        key = await _setup(auth)
        connection = await _ws(port, key)
        try:
            refused = await _answer(connection, "1", {"query": AD_HOC})
            assert refused["type"] == "error", refused
            _forbidden(refused["payload"])
            served = await _answer(connection, "2", {"extensions": BY_HASH})
            assert served["type"] == "next" and served["payload"]["data"] == SERVED, served
            unknown = {"persistedQuery": {**BY_HASH["persistedQuery"], "sha256Hash": "0" * 64}}
            missing = await _answer(connection, "3", {"extensions": unknown})
            assert missing["type"] == "error", missing
            assert missing["payload"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
        finally:
            await connection.close()


async def test_only_admins_manage_trusted_documents(engine: AsyncEngine, database_url: str) -> None:
    async with live_auth_server(engine, database_url) as (auth, _):
        await auth.register("ann@shop.example")
        ann = await auth.login("ann@shop.example")
        await auth.create_user(ann, "bob@shop.example")
        bob = await auth.login("bob@shop.example")
        _forbidden_to_manage(await auth.error(REGISTER, {"d": [ITEMS]}, bob))
        _forbidden_to_manage(await auth.error("{ trustedDocuments { sha256Hash } }", None, bob))
        _, admins_key = await auth.key(ann, ["admin:*"])
        _forbidden_to_manage(await auth.error(REGISTER, {"d": [ITEMS]}, admins_key))


def _forbidden_to_manage(error: dict[str, Any]) -> None:
    assert error["extensions"]["code"] == "FORBIDDEN", error
    assert "only admins may" in error["message"], error
