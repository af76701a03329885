"""A subscription lives only as long as the credential it was opened with.

A CNC bridge's WebSocket may stay open for days; revoking its key, logging
out, deactivating its user or changing its role must stop the data it
receives, not wait for the client to reconnect. The servers here check the
credential before every delivery (`feed_recheck_seconds=0`); in production the
check is at most `SMOOTH_FEED_RECHECK_SECONDS` old.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from websockets.asyncio.client import connect

from smooth_gql.changes import cursor
from support.auth import AuthApi, Creds, live_auth_server
from support.feed_client import FeedClient

ITEM = 'mutation { r: createToolItems(input: [{name: "t", category: HOLDER}]) { results { id } } }'


async def _open(port: int, creds: Creds) -> FeedClient:
    """A bridge's connection: the key in `connection_init`, a session as the handshake's cookie."""
    payload = {"authorization": f"Bearer {creds.key}"} if creds.key else {}
    headers = {"Cookie": f"session={creds.session}"} if creds.session else {}
    connection = await connect(
        f"ws://127.0.0.1:{port}/graphql",
        subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
        additional_headers=headers,
    )
    await connection.send(json.dumps({"type": "connection_init", "payload": payload}))
    ack = json.loads(await asyncio.wait_for(connection.recv(), 10))
    assert ack["type"] == "connection_ack", ack
    return FeedClient(connection)


async def _next(client: FeedClient) -> dict[str, Any]:
    async for message in client.messages(10):
        return message
    raise AssertionError("nothing arrived within 10 s")


def _refusal(message: dict[str, Any]) -> str:
    """The UNAUTHENTICATED error that ends the stream, whichever way the protocol carries it."""
    errors = message["payload"] if message["type"] == "error" else message["payload"].get("errors")
    assert errors, f"expected the stream to end with an error, got {message}"
    assert errors[0]["extensions"]["code"] == "UNAUTHENTICATED", errors
    return str(errors[0]["message"])


async def test_revoking_a_key_ends_its_live_subscription(engine: AsyncEngine, database_url: str) -> None:
    async with live_auth_server(engine, database_url, feed_recheck_seconds=0) as (auth, port):
        await auth.register("ann@shop.example")
        ann = await auth.login("ann@shop.example")
        key_id, key = await auth.key(ann, ["read"])
        bridge = await _open(port, key)
        try:
            await auth.ok(ITEM, creds=ann)
            await bridge.subscribe(cursor.encode(0))
            first = await _next(bridge)
            assert first["type"] == "next" and first["payload"]["data"]["changes"]["operation"] == "CREATED"

            await auth.ok("mutation($id: ID!) { revokeApiKey(id: $id) { id } }", {"id": key_id}, ann)
            await auth.ok(ITEM, creds=ann)  # would reach the bridge if it still listened
            assert "API key revoked; the subscription has ended" in _refusal(await _next(bridge))
        finally:
            await bridge.close()


async def test_logging_out_ends_that_sessions_subscription_only(
    engine: AsyncEngine, database_url: str
) -> None:
    async with live_auth_server(engine, database_url, feed_recheck_seconds=0) as (auth, port):
        await auth.register("ann@shop.example")
        ended, kept = await auth.login("ann@shop.example"), await auth.login("ann@shop.example")
        on_ended, on_kept = await _open(port, ended), await _open(port, kept)
        try:
            # From the start of the log: a subscription without a cursor starts wherever the log
            # ends when its first read runs, which may be after the write sent next.
            await on_ended.subscribe(cursor.encode(0))
            await on_kept.subscribe(cursor.encode(0))
            await auth.ok(ITEM, creds=kept)
            for client in (on_ended, on_kept):
                assert (await _next(client))["type"] == "next"

            await auth.ok("mutation { logout }", creds=ended)
            made = (await auth.ok(ITEM, creds=kept))["r"]["results"][0]["id"]
            assert "session has expired or ended" in _refusal(await _next(on_ended))
            assert (await _next(on_kept))["payload"]["data"]["changes"]["entityId"] == made
        finally:
            await on_ended.close()
            await on_kept.close()


async def _deactivate(auth: AuthApi, admin: Creds, user_id: str) -> None:
    await auth.ok(
        "mutation($id: ID!) { updateUser(id: $id, isActive: false) { id } }", {"id": user_id}, admin
    )


async def _demote(auth: AuthApi, admin: Creds, user_id: str) -> None:
    await auth.ok("mutation($id: ID!) { updateUser(id: $id, isAdmin: false) { id } }", {"id": user_id}, admin)


@pytest.mark.parametrize(
    ("change", "by_key", "reason"),
    [
        (_deactivate, True, "the key's user is deactivated"),
        (_deactivate, False, "session has expired or ended"),
        (_demote, False, "access has changed"),
    ],
    ids=["deactivated-key", "deactivated-session", "demoted-session"],
)
async def test_a_connection_opened_before_access_changed_cannot_subscribe(
    engine: AsyncEngine,
    database_url: str,
    change: Callable[[AuthApi, Creds, str], Awaitable[None]],
    by_key: bool,
    reason: str,
) -> None:
    """The connection authenticated while access was good; the subscription it sends
    afterwards is checked against the credential as it is now."""
    async with live_auth_server(engine, database_url, feed_recheck_seconds=0) as (auth, port):
        await auth.register("ann@shop.example")
        ann = await auth.login("ann@shop.example")
        bob_id = await auth.create_user(ann, "bob@shop.example", is_admin=True)
        bob = await auth.login("bob@shop.example")
        await auth.ok(ITEM, creds=bob)
        creds = (await auth.key(bob, ["read"]))[1] if by_key else bob
        client = await _open(port, creds)
        try:
            await change(auth, ann, bob_id)
            await client.subscribe(cursor.encode(0))
            assert reason in _refusal(await _next(client))
        finally:
            await client.close()
