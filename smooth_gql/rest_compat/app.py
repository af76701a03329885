"""The REST compatibility application, mounted at /api by the host app.

FastAPI gives the legacy framework's behaviour for free: the 422 detail
lists, 404/405 bodies, 307 on a trailing slash, and the OpenAPI document with
Swagger UI and ReDoc at the documented URLs (contract §12).
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import Response

from ..observability.server_errors import internal_error_handler
from ..services.errors import ServiceError
from . import accounts, audit, backup, bulk, changes, keys, tool_set_history
from .messages import detail_of, headers_of, status_of, validation_details
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
    return await http_exception_handler(request, exc)


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
    app.add_exception_handler(HTTPException, http_error)
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
