"""Refusals at the HTTP level, before a body is parsed.

A refused request gets `{"errors": [{"message", "extensions": {"code", "requestId"}}]}`,
the shape GraphQL clients already read; under a legacy prefix (the REST routes
of rest-compat) it gets the legacy `{"detail": "<message>"}` those clients read
(contract §2.4), the request id then being in the `X-Request-ID` header only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import limit_extension
from .observability.request_id import with_request_id

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
    the limit in memory. The app below may catch the failed read and answer it
    its own way (FastAPI turns it into 400 "There was an error parsing the
    body"): that answer is replaced by the 413, so the status does not depend
    on how the route reads its body.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        default: SizeLimit,
        per_path: Mapping[str, SizeLimit] | None = None,
        legacy_prefixes: tuple[str, ...] = (),
    ) -> None:
        self.app = app
        self.default = default
        self.per_path = dict(per_path or {})
        self.legacy_prefixes = legacy_prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        limit = self.per_path.get(path, self.default)
        legacy = path.startswith(self.legacy_prefixes) if self.legacy_prefixes else False
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit.bytes:
            await _too_large(limit, legacy=legacy)(scope, receive, send)
            return

        received = 0
        overflowed = False  # the body passed the limit: the app's own answer is not sent
        started = False  # a response has begun on the wire (the app's, or the 413)

        async def counting_receive() -> Message:
            nonlocal received, overflowed
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit.bytes:
                    overflowed = overflowed or not started
                    raise _BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if overflowed:
                if not started and message["type"] == "http.response.start":
                    started = True
                    await _too_large(limit, legacy=legacy)(scope, receive, send)
                return  # the app's answer to the failed read is dropped
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except _BodyTooLarge:
            if started and not overflowed:  # too late for a 413; the connection is dropped
                raise
        if overflowed and not started:
            started = True
            await _too_large(limit, legacy=legacy)(scope, receive, send)


def _too_large(limit: SizeLimit, *, legacy: bool) -> JSONResponse:
    message = f"The request body is larger than the limit of {limit.bytes} bytes."
    if legacy:
        return JSONResponse({"detail": message}, status_code=413)
    return error_response(413, message, limit_extension(limit.name, limit.bytes))
