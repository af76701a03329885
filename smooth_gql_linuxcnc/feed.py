"""Keeping the cache current: the `changes` subscription over graphql-transport-ws.

Only presets are asked for, and the machine-restricted key sees only its machine's rows.
Every change is applied at once and its cursor saved with the cache, so after any drop of the
connection (or a restart of the bridge) the feed resumes from the last change applied: no gap.
With no cursor (a first start offline, or a cursor the server no longer keeps), the presets are
read anew with the cursor of that read before subscribing. A change seen twice is harmless:
older versions than held are ignored.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import websockets
from websockets.asyncio.client import connect

from .rows import PRESET_FIELDS
from .table import Table

log = logging.getLogger("smooth_gql_linuxcnc")

SUBSCRIPTION = f"""subscription($after: String) {{
  changes(after: $after, entityTypes: [TOOL_PRESET]) {{
    cursor entityId operation version entity {{ ... on ToolPreset {{ {PRESET_FIELDS} }} }} }} }}"""


def ws_url(url: str) -> str:
    base = url.rstrip("/")
    return (
        "wss://" + base[8:] if base.startswith("https://") else "ws://" + base.removeprefix("http://")
    ) + "/graphql"


class Feed:
    def __init__(
        self,
        url: str,
        key: str,
        table: Table,
        refresh: Callable[[], Awaitable[bool]],
        retry_seconds: float = 1.0,
    ) -> None:
        self.url = ws_url(url)
        self.key = key
        self.table = table
        self.refresh = refresh  # reads every preset anew; False when the server did not answer
        self.retry_seconds = retry_seconds
        # Set at shutdown. A cancellation alone is not enough: one that lands in a library's
        # own timeout handling can be swallowed, and this loop then outlived LinuxCNC.
        self.stopping = False

    async def run(self) -> None:
        """Forever: connect, subscribe from the saved cursor, apply; on any drop wait and reconnect."""
        while not self.stopping:
            try:
                await self._session()
            except (TimeoutError, OSError, websockets.WebSocketException) as error:
                log.info("change feed disconnected (%s); reconnecting", error or type(error).__name__)
            except Exception:  # unexpected (a malformed message): the cache must keep following
                log.exception("change feed failed; reconnecting")
            await asyncio.sleep(self.retry_seconds)

    async def _session(self) -> None:
        if self.table.cursor is None and not await self.refresh():
            return
        headers = {"Authorization": f"Bearer {self.key}"}
        async with connect(
            self.url,
            subprotocols=[websockets.Subprotocol("graphql-transport-ws")],
            additional_headers=headers,
            open_timeout=5,
            ping_interval=5,
            ping_timeout=5,
            close_timeout=1,  # at LinuxCNC's shutdown, not websockets' 10 s for a close handshake
        ) as socket:
            await socket.send(
                json.dumps(
                    {"type": "connection_init", "payload": {"authorization": headers["Authorization"]}}
                )
            )
            # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancellation that
            # meets a finished recv, and the task then outlives the bridge's shutdown.
            async with asyncio.timeout(5):
                ack = json.loads(await socket.recv())
            if ack.get("type") != "connection_ack":
                raise websockets.InvalidHandshake(f"no connection_ack: {ack}")
            start = self.table.cursor
            await socket.send(
                json.dumps(
                    {
                        "id": "1",
                        "type": "subscribe",
                        "payload": {"query": SUBSCRIPTION, "variables": {"after": start}},
                    }
                )
            )
            log.info("change feed connected, resuming after %s", start)
            async for raw in socket:
                await self._message(socket, json.loads(raw))

    async def _message(self, socket: Any, message: dict[str, Any]) -> None:
        kind = message.get("type")
        if kind == "ping":
            await socket.send(json.dumps({"type": "pong"}))
        elif kind == "next" and message["payload"].get("errors"):
            # e.g. the key was revoked or expired meanwhile: reconnect, where the handshake says why
            raise websockets.InvalidHandshake(f"subscription refused: {message['payload']['errors']}")
        elif kind == "next":
            change = message["payload"]["data"]["changes"]
            self.table.apply(change["entityId"], change["entity"])
            self.table.cursor = change["cursor"]
            self.table.save()
        elif kind in ("error", "complete"):
            self.table.cursor = None  # e.g. a cursor older than the log keeps: start over from a fresh read
            raise websockets.InvalidHandshake(f"subscription ended: {message.get('payload')}")
