"""The REST compatibility application, mounted at /api by the host app.

FastAPI gives the legacy framework's behaviour for free: the 422 detail
lists, 404/405 bodies, 307 on a trailing slash, and the OpenAPI document with
Swagger UI and ReDoc at the documented URLs (contract §12).
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from starlette.responses import HTMLResponse

from ..ide import redoc_page, swagger_ui_page
from ..observability.server_errors import internal_error_handler
from ..services.errors import ServiceError
from . import accounts, audit, backup, bulk, changes, keys, tool_set_history
from .messages import detail_of, headers_of, status_of, validation_details
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
    # Anything unexpected: the host app's guard logs it; this only shapes the answer.
    app.add_exception_handler(Exception, internal_error_handler)
    app.add_api_route("/health", health, methods=["GET"], tags=["health"])
    app.add_api_route("/v1/docs", swagger_ui, methods=["GET"], include_in_schema=False)
    app.add_api_route("/v1/redoc", redoc, methods=["GET"], include_in_schema=False)
    app.include_router(accounts.router())
    for path in keys.PATHS:
        app.include_router(keys.router(path))
    app.include_router(tool_set_history.router())
    app.include_router(bulk.router())
    app.include_router(backup.router())
    app.include_router(changes.router())
    app.include_router(audit.router())
    return app
