"""Unexpected exceptions outside GraphQL: a JSON 500 that names the request, and one log line.

GraphQL masks its own errors (INTERNAL, with `extensions.requestId`). Every
other route (the REST compat app, /health, /ready, /metrics) would otherwise
get Starlette's plain-text 500, logged by the server after the request id is
no longer bound. The body is the legacy REST error shape (contract §2.4:
`{"detail": ...}` with the text the legacy server answered) plus the request
id, so a client can quote it and an operator can find the traceback; the
exception's own text never reaches the client.
"""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .request_id import current_request_id

log = logging.getLogger("smooth_gql.errors")

INTERNAL_ERROR = "Internal Server Error"


def internal_error_response() -> JSONResponse:
    return JSONResponse({"detail": INTERNAL_ERROR, "request_id": current_request_id()}, status_code=500)


async def internal_error_handler(request: Request, exc: Exception) -> Response:
    """For a mounted Starlette/FastAPI app's own outermost error middleware, which would
    answer plain text before re-raising; the re-raised exception is logged by
    `ServerErrorGuard` around it."""
    return internal_error_response()


class ServerErrorGuard:
    """Answers an exception that escaped the app with the JSON 500 and logs its traceback once.

    Sits inside `RequestIdMiddleware`, so the log line and the response carry the
    request id. The exception is not re-raised: the server would log it a second
    time, without the id. If the response had already begun, only the log remains.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_and_note(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        except Exception:
            log.exception("unhandled error answering %s %s", scope["method"], scope["path"])
            if not started:
                await internal_error_response()(scope, receive, send)
