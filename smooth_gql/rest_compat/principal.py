"""Who a REST request acts for, and the process runtime it reaches.

The same `authenticate()` as GraphQL (session cookie, else Bearer key). A
request without valid credentials is refused here with the legacy 401 before
its body is validated (contract §2.4: an unauthenticated request with a
wrongly shaped body gets 401); what a valid caller may do is the services'
business.
"""

from __future__ import annotations

from fastapi import HTTPException, Request

from ..auth.principal import Principal
from ..runtime import Runtime
from ..services.authentication import authenticate
from ..services.login_throttle import LoginThrottle
from ..services.rate_limits import REST_POINTS, RateLimiter
from .messages import AUTHENTICATION_REQUIRED, NOT_AUTHENTICATED

# Where a request carries its host app's state (`app.HostedRest` puts it there): the REST app
# is shared by every host app of the process, so the host is a property of the request.
HOST_SCOPE_KEY = "smooth_gql.host"


async def any_principal(request: Request) -> Principal:
    """Whoever the credentials name: possibly anonymous or invalid (login, logout); every
    route that asks is charged to that caller's budget first (RATE_LIMITED: 429)."""
    host = request.scope[HOST_SCOPE_KEY]
    principal = await authenticate(
        host.runtime, cookies=request.cookies, authorization=request.headers.get("authorization")
    )
    limiter: RateLimiter = host.limiter
    await limiter.charge(principal, request.client.host if request.client else None, REST_POINTS)
    return principal


async def current_principal(request: Request) -> Principal:
    principal = await any_principal(request)
    if not principal.is_authenticated:
        raise HTTPException(status_code=401, detail=AUTHENTICATION_REQUIRED)
    return principal


async def account_principal(request: Request) -> Principal:
    """`/auth/me` keeps its own legacy 401 text (contract §3.2)."""
    principal = await any_principal(request)
    if not principal.is_authenticated:
        raise HTTPException(status_code=401, detail=NOT_AUTHENTICATED)
    return principal


# The two dependencies below await nothing, but are `async def`: FastAPI runs a plain `def`
# dependency in a worker thread, a thread hop on every request for an attribute lookup.


async def runtime(request: Request) -> Runtime:
    """The host app's runtime (the REST app is mounted inside it and shares its lifespan)."""
    host: Runtime = request.scope[HOST_SCOPE_KEY].runtime
    return host


async def throttle(request: Request) -> LoginThrottle:
    """The host's one login throttle, the same one GraphQL's `login` counts against."""
    shared: LoginThrottle = request.scope[HOST_SCOPE_KEY].throttle
    return shared
