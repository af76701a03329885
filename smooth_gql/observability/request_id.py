"""One id per HTTP request and per WebSocket connection, in logs, headers and GraphQL errors.

A client (or a proxy in front) may send its own `X-Request-ID` so one id
follows a call across systems; anything that does not look like an id is
replaced, since it ends up in logs and headers verbatim.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADER = "X-Request-ID"
_HEADER_KEY = HEADER.lower().encode("latin-1")
_SANE = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def current_request_id() -> str | None:
    """The id of the request or connection this code runs for (None outside one)."""
    value = structlog.contextvars.get_contextvars().get("request_id")
    return value if isinstance(value, str) else None


def with_request_id(extensions: dict[str, Any]) -> dict[str, Any]:
    """GraphQL error extensions plus `requestId`, the key to the matching log lines."""
    request_id = current_request_id()
    return extensions if request_id is None else {**extensions, "requestId": request_id}


def _incoming(scope: Scope) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == _HEADER_KEY:
            text: str = value.decode("latin-1")
            return text if _SANE.fullmatch(text) else None
    return None


class RequestIdMiddleware:
    """Binds the id into structlog's context and echoes it in the response headers.

    The WebSocket handshake answer (`websocket.accept`) carries the header too;
    every operation on the connection logs with the connection's id.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        request_id = _incoming(scope) or uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        header = (_HEADER_KEY, request_id.encode("latin-1"))

        async def send_with_id(message: Message) -> None:
            if message["type"] in ("http.response.start", "websocket.accept"):
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        with structlog.contextvars.bound_contextvars(request_id=request_id):
            await self.app(scope, receive, send_with_id)
