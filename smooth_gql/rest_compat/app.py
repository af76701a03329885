"""The REST compatibility application, mounted at /api by the host app.

FastAPI gives the legacy framework's behaviour for free: the 422 detail
lists, 404/405 bodies, 307 on a trailing slash, and the OpenAPI document with
Swagger UI and ReDoc at the documented URLs (contract §12).
"""

from __future__ import annotations

import functools

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from starlette.datastructures import State
from starlette.types import ASGIApp, Receive, Scope, Send

from ..observability.server_errors import internal_error_handler
from ..services.errors import ServiceError
from . import accounts, audit, backup, bulk, changes, keys, tool_set_history
from .messages import detail_of, headers_of, status_of, validation_details
from .principal import HOST_SCOPE_KEY
from .responses import JSONResponse

TITLE = "Smooth Tool Data Exchange"
VERSION = "0.1.0"


async def health() -> dict[str, str]:
    """Liveness in the legacy shape; it says nothing about the database (see /ready)."""
    return {"service": "smooth", "version": VERSION, "status": "running"}


async def request_invalid(request: Request, exc: Exception) -> JSONResponse:
    """FastAPI's own 422, encoded by our JSON codec: its `input` may echo a number the
    standard encoder refuses (1e400 parses to infinity), which made the legacy answer a 500."""
    assert isinstance(exc, RequestValidationError)
    return JSONResponse({"detail": jsonable_encoder(validation_details(exc.errors()))}, status_code=422)


async def service_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ServiceError)
    return JSONResponse({"detail": detail_of(exc)}, status_code=status_of(exc), headers=headers_of(exc))


def create_rest_app() -> FastAPI:
    app = FastAPI(
        title=TITLE,
        version=VERSION,
        openapi_url="/v1/openapi.json",
        docs_url="/v1/docs",
        redoc_url="/v1/redoc",
        default_response_class=JSONResponse,
    )
    app.add_exception_handler(ServiceError, service_error)
    app.add_exception_handler(RequestValidationError, request_invalid)
    # Anything unexpected: the host app's guard logs it; this only shapes the answer.
    app.add_exception_handler(Exception, internal_error_handler)
    app.add_api_route("/health", health, methods=["GET"], tags=["health"])
    app.include_router(accounts.router())
    for path in keys.PATHS:
        app.include_router(keys.router(path))
    app.include_router(tool_set_history.router())
    app.include_router(bulk.router())
    app.include_router(backup.router())
    app.include_router(changes.router())
    app.include_router(audit.router())
    return app


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
