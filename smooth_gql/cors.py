"""CORS for the two API doors, `/graphql` and `/api/v1`, from `SMOOTH_CORS_ORIGINS`.

Starlette's `CORSMiddleware` does the work for a listed origin: it answers the
preflight itself (a refused method or header gets 400) and adds the headers to
the real response, credentials included. For an origin that is not listed it
would still add `Access-Control-Allow-Credentials`, `-Expose-Headers` and, on
a refused preflight, the whole list of allowed methods and headers; so such a
request never reaches it. A refused preflight is answered here, with no CORS
header, before anything below runs (no authentication, no database). The real
request from an unlisted origin goes on without CORS headers: the browser then
keeps its answer from the page, and same-origin pages (which send an `Origin`
on POST too) keep working without being listed.

The WebSocket handshake is no CORS matter: Strawberry's view checks its
`Origin` against the same list (`allowed_origins`).
"""

from __future__ import annotations

from collections.abc import Collection

from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send

# What the REST contract and the GraphQL clients send; `Accept` (graphql-sse) is always allowed.
ALLOWED_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
ALLOWED_HEADERS = ("Authorization", "Content-Type", "X-Request-ID")
PREFLIGHT_MAX_AGE = 600  # seconds a browser may reuse a preflight answer


def is_api_path(path: str) -> bool:
    return path == "/graphql" or path == "/api/v1" or path.startswith("/api/v1/")


class ApiCORS:
    """CORS on `/graphql` and `/api/v1/*` for the listed origins only; other paths untouched."""

    def __init__(self, app: ASGIApp, origins: Collection[str]) -> None:
        self.app = app
        self.origins = frozenset(origins)
        self.cors = CORSMiddleware(
            app,
            allow_origins=sorted(self.origins),
            allow_methods=ALLOWED_METHODS,
            allow_headers=ALLOWED_HEADERS,
            allow_credentials=True,
            expose_headers=["X-Request-ID"],
            max_age=PREFLIGHT_MAX_AGE,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_api_path(scope["path"]):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        origin = headers.get("origin")
        if origin is not None and origin in self.origins:
            await self.cors(scope, receive, send)
            return
        if scope["method"] == "OPTIONS" and origin is not None and "access-control-request-method" in headers:
            await PlainTextResponse("Disallowed CORS origin", status_code=400)(scope, receive, send)
            return
        await self.app(scope, receive, send)
