"""Refusals at the HTTP level, before a body is parsed: one JSON shape for all of them.

A refused request gets `{"errors": [{"message", "extensions": {"code", "requestId"}}]}`,
the shape GraphQL clients already read, whatever route it was sent to.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .observability.request_id import with_request_id
from .services.errors import limit_extension

STATUS_CODES = {
    400: "BAD_REQUEST",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    413: "PAYLOAD_TOO_LARGE",
}


def error_response(status: int, message: str, extensions: Mapping[str, Any] | None = None) -> JSONResponse:
    code = STATUS_CODES.get(status, "BAD_REQUEST")
    body = {
        "errors": [{"message": message, "extensions": with_request_id({"code": code, **(extensions or {})})}]
    }
    return JSONResponse(body, status_code=status)


class SizeLimit(NamedTuple):
    name: str  # the setting's name, for `extensions.limit`
    bytes: int


class _BodyTooLarge(Exception):
    pass


class BodySizeLimit:
    """Refuses request bodies over `default` bytes (or the path's own limit) with 413.

    A declared Content-Length over the limit is refused before anything is
    read; a body that arrives without one (chunked) is counted as it streams
    and refused as soon as it passes the limit, so nothing ever holds more than
    the limit in memory.
    """

    def __init__(
        self, app: ASGIApp, *, default: SizeLimit, per_path: Mapping[str, SizeLimit] | None = None
    ) -> None:
        self.app = app
        self.default = default
        self.per_path = dict(per_path or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.per_path.get(scope["path"], self.default)
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit.bytes:
            await _too_large(limit)(scope, receive, send)
            return

        received = 0
        answered = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit.bytes:
                    raise _BodyTooLarge
            return message

        async def noting_send(message: Message) -> None:
            nonlocal answered
            answered = answered or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, noting_send)
        except _BodyTooLarge:
            if answered:  # too late for a 413; the connection is dropped
                raise
            await _too_large(limit)(scope, receive, noting_send)


def _too_large(limit: SizeLimit) -> JSONResponse:
    return error_response(
        413,
        f"The request body is larger than the limit of {limit.bytes} bytes.",
        limit_extension(limit.name, limit.bytes),
    )
