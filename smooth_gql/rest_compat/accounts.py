"""Register, login, logout and me in the legacy shapes (contract §3.2 with §0.1 items 5, 13, 14).

Thin: the bodies are parsed here (pydantic gives the legacy 422 lists, and the
e-mail check is the accounts service's own), everything else is the same
service call GraphQL's account fields make — the registration setting, the
password policy (empty and over-72-byte passwords refused with a 400 naming
the field), server-side sessions and the one login throttle of the host app.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import AfterValidator, BaseModel

from ..auth.principal import Principal
from ..errors import BadInput
from ..runtime import Runtime
from ..services import accounts, sessions
from ..services.login_throttle import LoginThrottle
from ..session_cookie import clear_session_cookie, set_session_cookie
from . import docs
from .principal import account_principal, any_principal, runtime, throttle
from .responses import JSONResponse

LOGGED_OUT = "Logged out successfully"


def _email(value: str) -> str:
    """The accounts service's rule, reported where the legacy server reported it (422 value_error)."""
    try:
        return accounts.normalize_email(value)
    except BadInput as error:
        raise ValueError(error.message) from None


Email = Annotated[str, AfterValidator(_email)]


class Credentials(BaseModel):
    email: Email
    password: str


def user_body(row: Mapping[str, Any]) -> dict[str, Any]:
    """The legacy user object; `role` is the [3c05e0d] addition (contract §13.7)."""
    return {
        "id": row["id"],
        "email": row["email"],
        "is_active": bool(row["is_active"]),
        "created_at": row["created_at"].isoformat(),
        "role": "admin" if row["is_admin"] else "user",
    }


Services = Annotated[Runtime, Depends(runtime)]
Throttle = Annotated[LoginThrottle, Depends(throttle)]


def router() -> APIRouter:
    routes = APIRouter(prefix="/v1/auth", tags=["auth"])

    @routes.post(
        "/register",
        status_code=201,
        summary="Create an account",
        response_model=docs.User,
        responses=docs.errors(400, 403, 413),
    )
    async def register(body: Credentials, rt: Services) -> JSONResponse:
        row = await accounts.register(rt, body.email, body.password)
        return JSONResponse(user_body(row), status_code=201)

    @routes.post(
        "/login",
        summary="Start a session (sets the `session` cookie)",
        response_model=docs.User,
        responses=docs.errors(401, 413, 429),
    )
    async def login(body: Credentials, request: Request, rt: Services, gate: Throttle) -> JSONResponse:
        address = request.client.host if request.client else None
        done = await sessions.login(rt, gate, body.email, body.password, address)
        response = JSONResponse(user_body(done.user))
        set_session_cookie(response, request.url, done.token, done.max_age)
        return response

    @routes.post("/logout", summary="End the session the cookie names", response_model=docs.Message)
    async def logout(rt: Services, principal: Annotated[Principal, Depends(any_principal)]) -> JSONResponse:
        await sessions.logout(rt, principal)
        response = JSONResponse({"message": LOGGED_OUT})
        clear_session_cookie(response)
        return response

    @routes.get(
        "/me",
        summary="The caller's account (session cookie or API key)",
        response_model=docs.User,
        responses=docs.errors(401),
    )
    async def me(rt: Services, principal: Annotated[Principal, Depends(account_principal)]) -> JSONResponse:
        return JSONResponse(user_body(await accounts.me(rt, principal)))

    return routes
