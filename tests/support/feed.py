"""Helpers for the change-feed tests: bulk mutations on any entity, the log as
`changesSince` lists it, the server's rows, a stdlib-only SSE reader, and a
uvicorn server a test may stop itself.

Everything goes through the public endpoints; the database is only read (or,
for retention, pruned) to compare the feed with the truth.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import uvicorn
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from websockets.asyncio.client import connect

from conftest import Api, LiveServer, make_settings
from smooth_gql.app import create_app

# GraphQL EntityType name -> (type name, plural used by the mutations, table)
ENTITIES: dict[str, tuple[str, str, str]] = {
    "TOOL_ITEM": ("ToolItem", "ToolItems", "tool_items"),
    "TOOL_ASSEMBLY": ("ToolAssembly", "ToolAssemblies", "tool_assemblies"),
    "TOOL_INSTANCE": ("ToolInstance", "ToolInstances", "tool_instances"),
    "TOOL_PRESET": ("ToolPreset", "ToolPresets", "tool_presets"),
    "TOOL_USAGE": ("ToolUsage", "ToolUsages", "tool_usages"),
    "TOOL_SET": ("ToolSet", "ToolSets", "tool_sets"),
}

SINCE = """
query($after: String, $types: [EntityType!], $first: Int!) {
  changesSince(after: $after, entityTypes: $types, first: $first) {
    changes { cursor entityType entityId operation version }
    endCursor hasMore
  }
}"""


async def bulk(
    api: Api, kind: str, operation: str, inputs: list[dict[str, Any]], *, atomic: bool = False
) -> dict[str, Any]:
    """One bulk `create` / `update` / `delete` mutation on entity `kind` (e.g. "TOOL_SET")."""
    type_name, plural, _ = ENTITIES[kind]
    input_type = "DeleteInput" if operation == "delete" else f"{type_name}{operation.title()}Input"
    query = f"""
    mutation($input: [{input_type}!]!, $atomic: Boolean!) {{
      result: {operation}{plural}(input: $input, atomic: $atomic) {{
        successCount errorCount
        results {{ id version }}
        errors {{ index id code message field }}
      }}
    }}"""
    data = await api.gql(query, {"input": inputs, "atomic": atomic})
    return data["result"]  # type: ignore[no-any-return]


async def bulk_ok(api: Api, kind: str, operation: str, inputs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A bulk mutation whose every element must succeed; its results ({id, version})."""
    result = await bulk(api, kind, operation, inputs)
    assert result["errorCount"] == 0, result["errors"]
    assert result["successCount"] == len(inputs), result
    return result["results"]  # type: ignore[no-any-return]


async def head_cursor(api: Api) -> str:
    """The current end of the log, to follow from."""
    page = (await api.gql(SINCE, {"after": None, "types": None, "first": 0}))["changesSince"]
    assert page["changes"] == []
    return page["endCursor"]  # type: ignore[no-any-return]


async def log_after(api: Api, after: str, types: list[str] | None = None) -> list[dict[str, Any]]:
    """Every retained change after `after`, oldest first, as `changesSince` pages it."""
    changes: list[dict[str, Any]] = []
    for _ in range(1000):  # bounded: pages of 500
        page = (await api.gql(SINCE, {"after": after, "types": types, "first": 500}))["changesSince"]
        changes.extend(page["changes"])
        after = page["endCursor"]
        if not page["hasMore"]:
            return changes
    raise AssertionError("changesSince did not reach the end of the log")


async def server_versions(engine: AsyncEngine) -> dict[tuple[str, str], int]:
    """(entityType, id) -> version of every live row of the six entity tables."""
    found: dict[tuple[str, str], int] = {}
    async with engine.connect() as conn:
        for kind, (_, _, table) in ENTITIES.items():
            for row_id, version in await conn.execute(text(f"SELECT id, version FROM {table}")):
                found[(kind, row_id)] = version
    return found


async def prune_oldest_changes(engine: AsyncEngine, count: int) -> None:
    """What retention does: drop the oldest `count` change-log rows."""
    async with engine.begin() as conn:
        await conn.execute(
            text("DELETE FROM change_log WHERE seq IN (SELECT seq FROM change_log ORDER BY seq LIMIT :n)"),
            {"n": count},
        )


def key(change: dict[str, Any]) -> tuple[str, str, str, int]:
    return (change["entityType"], change["entityId"], change["operation"], change["version"])


# --- WebSocket -------------------------------------------------------------------


async def open_ws(url: str, *, receive_buffer: int | None = None, **options: Any) -> Any:
    """A graphql-transport-ws connection (acknowledged); `options` go to websockets' connect.
    `receive_buffer` pins the socket's kernel receive buffer (no autotuning), so a client
    that stops reading pushes back on the server after little data."""
    from support.feed_client import FeedClient, text_message

    if receive_buffer is not None:
        host, port = urllib.parse.urlsplit(url).netloc.rsplit(":", 1)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
        sock.setblocking(False)
        await asyncio.get_running_loop().sock_connect(sock, (host, int(port)))
        options["sock"] = sock
    connection = await connect(url, subprotocols=["graphql-transport-ws"], **options)  # type: ignore[list-item]
    await connection.send(json.dumps({"type": "connection_init", "payload": {}}))
    ack = text_message(await asyncio.wait_for(connection.recv(), 10))
    assert ack["type"] == "connection_ack", ack
    return FeedClient(connection)


async def operation_errors(client: Any, op_id: str, timeout: float = 10) -> list[dict[str, Any]]:
    """The errors that end operation `op_id`: an `error` message, or a `next` carrying
    only errors followed by `complete` (both are graphql-transport-ws). No data may come first."""
    async for message in client.messages(timeout):
        if message.get("id") != op_id:
            continue
        if message["type"] == "error":
            return message["payload"]  # type: ignore[no-any-return]
        assert message["type"] == "next", message
        payload = message["payload"]
        assert payload.get("data") is None, f"data before the error: {payload}"
        assert payload.get("errors"), payload
        async for following in client.messages(timeout):
            if following.get("id") == op_id:
                assert following["type"] == "complete", following
                return payload["errors"]  # type: ignore[no-any-return]
        raise AssertionError(f"no complete after the error of operation {op_id}")
    raise AssertionError(f"operation {op_id}: no error within {timeout}s")


# --- Server-Sent Events (standard library only) ------------------------------------

SSE_QUERY = "subscription($after: String){ changes(after: $after) { cursor entityId operation } }"


@dataclass
class SSEStream:
    status: int = 0
    content_type: str = ""
    body: str = ""  # when the answer was not an event stream
    events: list[tuple[str, Any]] = field(default_factory=list)  # (event, parsed data)
    comments: list[str] = field(default_factory=list)
    ended: str = ""  # "count": stopped after N changes; "complete"; "eof"; "timeout"

    @property
    def changes(self) -> list[dict[str, Any]]:
        found = []
        for event, data in self.events:
            if event == "next":
                assert "errors" not in data, data
                found.append(data["data"]["changes"])
        return found

    @property
    def errors(self) -> list[dict[str, Any]]:
        return [e for event, data in self.events if event == "next" for e in data.get("errors") or []]


def read_sse(
    url: str,
    after: str | None,
    *,
    count: int,
    timeout: float = 10,
    on_change: Callable[[int], None] | None = None,
    query: str = SSE_QUERY,
) -> SSEStream:
    """POST a subscription in GraphQL-over-SSE "distinct connections" mode and read the
    stream line by line until `count` `next` events arrived (then close it), it completes
    or ends, or nothing arrives for `timeout` seconds (the socket timeout)."""
    body = json.dumps({"query": query, "variables": {"after": after}}).encode()
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "Accept": "text/event-stream"},
    )
    stream = SSEStream()
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as error:
        stream.status, stream.body = error.code, error.read().decode(errors="replace")
        return stream
    with response:
        stream.status = response.status
        stream.content_type = response.headers.get("Content-Type", "")
        if not stream.content_type.startswith("text/event-stream"):
            stream.body = response.read().decode(errors="replace")
            return stream
        event, data = "message", []
        try:
            while True:
                raw = response.readline()
                if not raw:
                    stream.ended = "eof"
                    return stream
                line = raw.decode().rstrip("\r\n")
                if line == "":  # dispatch
                    if data:
                        parsed = json.loads("\n".join(data)) if "".join(data) else None
                        stream.events.append((event, parsed))
                        if event == "complete":
                            stream.ended = "complete"
                            return stream
                        if event == "next":
                            got = sum(1 for name, _ in stream.events if name == "next")
                            if on_change is not None:
                                on_change(got)
                            if got >= count:
                                stream.ended = "count"
                                return stream  # leaving `with` closes the connection
                    event, data = "message", []
                elif line.startswith(":"):
                    stream.comments.append(line[1:].strip())
                else:
                    name, _, value = line.partition(":")
                    value = value[1:] if value.startswith(" ") else value
                    if name == "event":
                        event = value
                    elif name == "data":
                        data.append(value)
        except TimeoutError:
            stream.ended = "timeout"
            return stream


class Progress:
    """A count reported from a reader thread, awaited on the event loop."""

    def __init__(self) -> None:
        self._loop = asyncio.get_running_loop()
        self.value = 0
        self._moved = asyncio.Event()

    def report(self, value: int) -> None:  # called from the thread
        self._loop.call_soon_threadsafe(self._set, value)

    def _set(self, value: int) -> None:
        self.value = value
        self._moved.set()

    async def reached(self, value: int, timeout: float = 10) -> None:
        async with asyncio.timeout(timeout):
            while self.value < value:
                self._moved.clear()
                await self._moved.wait()


# --- a server the test stops -------------------------------------------------------


@dataclass
class Served:
    live: LiveServer
    server: uvicorn.Server
    task: asyncio.Task[None]

    async def stop(self, timeout: float) -> bool:
        """Ask uvicorn to shut down; True when it finished within `timeout`."""
        self.server.should_exit = True
        try:
            await asyncio.wait_for(asyncio.shield(self.task), timeout)
        except TimeoutError:
            return False
        return True


@contextlib.asynccontextmanager
async def serve(
    engine: AsyncEngine, database_url: str, *, send_buffer: int | None = None, **overrides: Any
) -> AsyncIterator[Served]:
    """The `live` fixture's server, handed over so a test can shut it down itself.
    `send_buffer` pins the kernel send buffer of every connection it accepts (they
    inherit it from the listening socket), so a client that stops reading pushes
    back on the application after little data instead of megabytes. `overrides` are Settings."""
    settings = make_settings(database_url, **{"keep_alive_seconds": 1.0, **overrides})
    app = create_app(settings, engine=engine)
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=0,
        log_level="warning",
        lifespan="on",
        timeout_graceful_shutdown=settings.shutdown_grace_seconds,  # as `smooth-gql serve` runs it
    )
    server = uvicorn.Server(config)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if send_buffer is not None:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, send_buffer)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    task = asyncio.create_task(server.serve(sockets=[listener]))
    for _ in range(200):  # bounded wait for start-up
        if server.started or task.done():
            break
        await asyncio.sleep(0.05)
    assert server.started, "uvicorn did not start"
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            yield Served(LiveServer(Api(client, engine, settings), port), server, task)
    finally:
        server.should_exit = True
        try:
            await asyncio.wait_for(asyncio.shield(task), 30)
        except TimeoutError:
            server.force_exit = True  # a hung shutdown fails the test, not the session
            await asyncio.wait_for(task, 10)
        listener.close()
