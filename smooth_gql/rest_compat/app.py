"""The REST compatibility application, mounted at /api by the host app.

FastAPI gives the legacy framework's behaviour for free: the 422 detail
lists, 404/405 bodies, 307 on a trailing slash, and the OpenAPI document with
Swagger UI and ReDoc at the documented URLs (contract §12).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.datastructures import State
from starlette.exceptions import HTTPException
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Receive, Scope, Send

from ..errors import ServiceError
from ..ide import redoc_page, swagger_ui_page
from ..observability.server_errors import internal_error_handler
from . import accounts, audit, backup, bulk, changes, docs, keys, tool_set_history
from .messages import detail_of, headers_of, status_of, validation_details
from .principal import HOST_SCOPE_KEY, account_principal, any_principal, current_principal
from .responses import JSONResponse

TITLE = "Smooth Tool Data Exchange"
VERSION = "0.1.0"
OPENAPI_PATH = "/v1/openapi.json"


async def health() -> dict[str, str]:
    """Liveness in the legacy shape; it says nothing about the database (see /ready)."""
    return {"service": "smooth", "version": VERSION, "status": "running"}


async def request_invalid(request: Request, exc: Exception) -> JSONResponse:
    """FastAPI's own 422, encoded by our JSON codec: its `input` may echo a number the
    standard encoder refuses (1e400 parses to infinity), which made the legacy answer a 500."""
    assert isinstance(exc, RequestValidationError)
    return JSONResponse({"detail": jsonable_encoder(validation_details(exc.errors()))}, status_code=422)


async def http_error(request: Request, exc: Exception) -> Response:
    """FastAPI's own answers, but a body that is not UTF-8 is malformed JSON like any other.

    FastAPI decodes the JSON body with `json.loads`, whose UnicodeDecodeError it
    does not count as a JSON error: it answered 400 "There was an error parsing
    the body". The contract has 422 `json_invalid` for every body that is not
    JSON (§2.4), with `loc` `["body", <offset>]`.
    """
    assert isinstance(exc, HTTPException)
    cause = exc.__cause__
    if exc.status_code == 400 and isinstance(cause, UnicodeDecodeError):
        invalid = {
            "type": "json_invalid",
            "loc": ["body", cause.start],
            "msg": "JSON decode error",
            "input": {},
            "ctx": {"error": str(cause)},
        }
        return JSONResponse({"detail": [invalid]}, status_code=422)
    if exc.status_code == 405:
        # Starlette names only the first route on the path (`Allow: POST` on a collection).
        methods = allowed_methods(request.app.state.operations, request.scope)
        return JSONResponse({"detail": exc.detail}, status_code=405, headers={"Allow": ", ".join(methods)})
    return await http_exception_handler(request, exc)


def allowed_methods(routes: Iterable[BaseRoute], scope: Scope) -> list[str]:
    """Every method some route serves on this path (empty: no route has the path)."""
    methods: set[str] = set()
    for route in routes:
        match, _ = route.matches({**scope, "method": "OPTIONS"})
        if match is not Match.NONE:
            methods.update(getattr(route, "methods", None) or ())
    return sorted(methods | {"OPTIONS"}) if methods else []


class AllowedMethods:
    """`OPTIONS` on a REST path answers 204 with the path's methods in `Allow` (RFC 9110).

    CORS preflights never get here when the host's CORS middleware is on: it answers
    them (and refuses other origins) first. Without it a browser's preflight gets this
    answer, which carries no Access-Control-Allow-Origin, so the browser refuses the
    cross-origin call, as it should. An OPTIONS on a path no route has stays 404.
    """

    def __init__(self, app: ASGIApp, *, routes: Iterable[BaseRoute]) -> None:
        self.app = app
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "OPTIONS":
            methods = allowed_methods(self.routes, scope)
            if methods:
                await Response(status_code=204, headers={"Allow": ", ".join(methods)})(scope, receive, send)
                return
        await self.app(scope, receive, send)


async def service_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ServiceError)
    return JSONResponse({"detail": detail_of(exc)}, status_code=status_of(exc), headers=headers_of(exc))


async def swagger_ui(request: Request) -> HTMLResponse:
    """Swagger UI (contract §12), offline: its files ship in the package."""
    return swagger_ui_page(request, OPENAPI_PATH, TITLE)


async def redoc(request: Request) -> HTMLResponse:
    """ReDoc (contract §12), offline: its files ship in the package."""
    return redoc_page(request, OPENAPI_PATH, TITLE)


def create_rest_app() -> FastAPI:
    app = FastAPI(
        title=TITLE,
        version=VERSION,
        openapi_url=OPENAPI_PATH,
        docs_url=None,  # FastAPI's pages load from CDNs; these serve the package's own copies
        redoc_url=None,
        default_response_class=JSONResponse,
    )
    app.add_exception_handler(ServiceError, service_error)
    app.add_exception_handler(RequestValidationError, request_invalid)
    app.add_exception_handler(HTTPException, http_error)
    # Anything unexpected: the host app's guard logs it; this only shapes the answer.
    app.add_exception_handler(Exception, internal_error_handler)
    app.add_api_route("/health", health, methods=["GET"], tags=["health"], response_model=docs.Health)
    app.add_api_route("/v1/docs", swagger_ui, methods=["GET"], include_in_schema=False)
    app.add_api_route("/v1/redoc", redoc, methods=["GET"], include_in_schema=False)
    routers = [
        accounts.router(),
        *(keys.router(path) for path in keys.PATHS),
        tool_set_history.router(),
        bulk.router(),
        backup.router(),
        changes.router(),
        audit.router(),
    ]
    for router in routers:
        app.include_router(router)
    # Every operation, flat (FastAPI keeps included routers as nested route groups).
    operations = [
        route
        for route in (*app.router.routes, *(r for router in routers for r in router.routes))
        if isinstance(route, APIRoute)
    ]
    app.state.operations = operations
    app.add_middleware(AllowedMethods, routes=operations)
    app.openapi = _documented(app, operations)  # type: ignore[method-assign]
    return app


def _documented(app: FastAPI, operations: list[APIRoute]) -> Any:
    """FastAPI's document, plus who may call each operation (docs.secure)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = generate()
            docs.secure(
                document,
                operations,
                required=(current_principal, account_principal),
                optional=(any_principal,),
            )
        return app.openapi_schema  # type: ignore[return-value]

    return openapi


@functools.cache
def shared_rest_app() -> FastAPI:
    """The process's one REST app: every host app mounts the same one.

    Building it costs tens of milliseconds (FastAPI analyses every route's
    signature and models), and nothing in it depends on a host's settings; a
    request finds its host's runtime in its scope (`HostedRest`), so a process
    that builds many host apps (the tests) builds this once.
    """
    return create_rest_app()


class HostedRest:
    """The shared REST app as a host app mounts it: each request carries that host's state.

    The REST app is shared by every host in the process, so it cannot hold a
    host's runtime itself; the request can. Starlette sets `scope["app"]` to the
    host on the way in and the REST app replaces it with itself, so the host's
    state is copied aside here, where `principal.runtime` reads it.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        host: State = scope["app"].state
        await self.app({**scope, HOST_SCOPE_KEY: host}, receive, send)
