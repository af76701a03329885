"""A small graphql-transport-ws client, the way a CNC bridge would speak it."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

CHANGES = """
subscription($after: String, $types: [EntityType!]) {
  changes(after: $after, entityTypes: $types) {
    cursor entityType entityId operation version
  }
}"""


def text_message(raw: str | bytes) -> dict[str, Any]:
    """One protocol message, which must come as a text frame: graphql-transport-ws is a
    text protocol, and the stock clients (graphql-ws, gql, GraphiQL) refuse binary frames."""
    assert isinstance(raw, str), f"binary WebSocket frame: {raw!r}"
    message: dict[str, Any] = json.loads(raw)
    return message


class FeedClient:
    def __init__(self, connection: ClientConnection) -> None:
        self.connection = connection

    @classmethod
    async def open(cls, url: str) -> FeedClient:
        connection = await connect(url, subprotocols=["graphql-transport-ws"])  # type: ignore[list-item]
        await connection.send(json.dumps({"type": "connection_init", "payload": {}}))
        ack = text_message(await asyncio.wait_for(connection.recv(), 10))
        assert ack["type"] == "connection_ack", ack
        return cls(connection)

    async def subscribe(self, after: str | None, types: list[str] | None = None, op_id: str = "1") -> None:
        payload = {"query": CHANGES, "variables": {"after": after, "types": types}}
        await self.connection.send(json.dumps({"id": op_id, "type": "subscribe", "payload": payload}))

    async def messages(self, timeout: float) -> AsyncIterator[dict[str, Any]]:
        """Yield subscription messages (answering pings) until `timeout` passes quietly."""
        while True:
            try:
                raw = await asyncio.wait_for(self.connection.recv(), timeout)
            except TimeoutError:
                return
            message = text_message(raw)
            if message["type"] == "ping":
                await self.connection.send(json.dumps({"type": "pong"}))
                continue
            if message["type"] == "pong":
                continue
            yield message

    async def changes(self, count: int, timeout: float = 10) -> list[dict[str, Any]]:
        """The next `count` changes (fails on an error message or a quiet `timeout`)."""
        got: list[dict[str, Any]] = []
        async for message in self.messages(timeout):
            assert message["type"] == "next", message
            assert "errors" not in message["payload"], message["payload"]
            got.append(message["payload"]["data"]["changes"])
            if len(got) == count:
                break
        assert len(got) == count, f"expected {count} changes, got {len(got)}: {got}"
        return got

    async def close(self) -> None:
        await self.connection.close()
