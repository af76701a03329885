"""WebSocket protocol handlers that close a connection on a malformed message, with 4400.

graphql-transport-ws prescribes it: an invalid message closes the socket with
4400 and a reason. Strawberry does so for a binary frame, text that is not
JSON and an unknown `type`, but a message of the wrong shape (JSON that is not
an object, a `subscribe` without an object `payload` or a string `query`)
raises from inside its handler instead.

The legacy graphql-ws protocol (subscriptions-transport-ws) names no close code:
its reference server answers a message it cannot read with `connection_error`
or `error` and keeps reading. Strawberry closes with 1002 on a binary frame and
silently skips text that is not JSON or has an unknown `type`, so a broken
client waits forever. Here both protocols answer alike: the legacy client
first gets the `connection_error` its library knows how to report, carrying
the reason, then the close with 4400. Only the sender's connection ends.
"""

from __future__ import annotations

from contextlib import suppress
from typing import Any, cast

from strawberry.http.exceptions import (
    NonJsonMessageReceived,
    NonTextMessageReceived,
    WebSocketDisconnected,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import Message
from strawberry.subscriptions.protocols.graphql_ws.handlers import BaseGraphQLWSHandler
from strawberry.subscriptions.protocols.graphql_ws.types import OperationMessage

from .context import Context
from .trusted_gate import operation_extensions

BAD_REQUEST = 4400
NOT_TEXT = "WebSocket message type must be text"
NOT_JSON = "WebSocket message must be valid JSON"

TRANSPORT_WS_TYPES = frozenset({"connection_init", "ping", "pong", "subscribe", "complete"})
LEGACY_WS_TYPES = frozenset({"connection_init", "connection_terminate", "start", "stop"})
# The messages that start an operation (a `payload` with a `query`), and those that name one.
_STARTS = frozenset({"subscribe", "start"})
_NAMES_AN_OPERATION = frozenset({"subscribe", "complete", "start", "stop"})


def message_problem(message: object, known_types: frozenset[str]) -> str | None:
    """Why `message` cannot be handled (the close reason), or None when it can."""
    if not isinstance(message, dict):
        return "WebSocket message must be a JSON object"
    kind = message.get("type")
    if not isinstance(kind, str):
        return "WebSocket message has no `type`"
    if kind not in known_types:
        # A close reason holds at most 123 bytes: the client's text is cut to fit.
        return f"Unknown message type: {kind.encode()[:60].decode(errors='ignore')}"
    if kind in _NAMES_AN_OPERATION and not isinstance(message.get("id"), str):
        return f"`{kind}` message needs a string `id`"
    if kind in _STARTS:
        payload = message.get("payload")
        if not isinstance(payload, dict) or not (
            isinstance(payload.get("query"), str) or (kind == "subscribe" and _names_a_hash(payload))
        ):
            return f"`{kind}` message needs a `payload` with a string `query`"
        for key in ("variables", "extensions"):
            if not isinstance(payload.get(key), dict | None):
                return f"`{key}` must be an object or null"
        if not isinstance(payload.get("operationName"), str | None):
            return "`operationName` must be a string or null"
    return None


def _names_a_hash(payload: dict[str, Any]) -> bool:
    """A payload without `query` that names a trusted document by hash (trusted_gate checks it;
    graphql-transport-ws only: the legacy protocol's handler has no way to pass extensions)."""
    extensions = payload.get("extensions")
    return (
        "query" not in payload
        and isinstance(extensions, dict)
        and extensions.get("persistedQuery") is not None
    )


class TransportWSHandler(BaseGraphQLTransportWSHandler[Context, None]):
    """graphql-transport-ws: malformed messages of any shape end in 4400, as the protocol says.

    Strawberry drops a `subscribe` payload's `extensions`; they are kept here by operation id
    and handed to the schema (the persisted-query extension travels there)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.payload_extensions: dict[str, dict[str, Any]] = {}

    async def handle_message(self, message: Message) -> None:
        problem = message_problem(message, TRANSPORT_WS_TYPES)
        if problem is not None:
            await self.handle_invalid_message(problem)
            return
        if message["type"] != "subscribe" or message["id"] in self.operations:
            await super().handle_message(message)
            return
        op_id, payload = message["id"], message["payload"]
        extensions = payload.get("extensions")
        if extensions:
            self.payload_extensions[op_id] = dict(extensions)
        # A hash alone: Strawberry reads `query` unconditionally; the schema finds the text.
        await super().handle_message(cast("Message", {**message, "payload": {"query": None, **payload}}))
        if op_id not in self.operations:  # refused (e.g. too many): it never runs
            self.payload_extensions.pop(op_id, None)

    async def run_operation(self, operation: Operation[Context, None]) -> None:
        # This task's own copy of the context: the schema reads the extensions of this operation only.
        operation_extensions.set(self.payload_extensions.pop(operation.id, None))
        await super().run_operation(operation)


class LegacyWSHandler(BaseGraphQLWSHandler[Context, None]):
    """graphql-ws (legacy): a binary frame, bad JSON or a malformed message ends in 4400."""

    async def handle(self) -> None:
        # Strawberry's loop, except that nothing unreadable is skipped or closed with 1002.
        try:
            try:
                async for message in self.websocket.iter_json():
                    problem = message_problem(message, LEGACY_WS_TYPES)
                    if problem is not None:
                        await self.refuse(problem)
                        return
                    await self.handle_message(cast("OperationMessage", message))
            except NonTextMessageReceived:
                await self.refuse(NOT_TEXT)
            except NonJsonMessageReceived:
                await self.refuse(NOT_JSON)
        except WebSocketDisconnected:
            pass
        finally:
            if self.keep_alive_task:
                self.keep_alive_task.cancel()
                with suppress(BaseException):
                    await self.keep_alive_task
            await self.cleanup()

    async def refuse(self, reason: str) -> None:
        error: dict[str, Any] = {"type": "connection_error", "payload": {"message": reason}}
        with suppress(WebSocketDisconnected):
            await self.send_message(cast("OperationMessage", error))
            await self.websocket.close(code=BAD_REQUEST, reason=reason)
