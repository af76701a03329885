"""Who a REST request acts for, and the process runtime it reaches.

The same `authenticate()` as GraphQL (session cookie, else Bearer key). A
request without valid credentials is refused here with the legacy 401 before
its body is validated (contract §2.4: an unauthenticated request with a
wrongly shaped body gets 401); what a valid caller may do is the services'
business.
"""

from __future__ import annotations

from fastapi import HTTPException, Request

from ..auth.backend import authenticate
from ..auth.principal import Principal
from ..services.unit_of_work import Runtime

AUTHENTICATION_REQUIRED = "Authentication required"


async def current_principal(request: Request) -> Principal:
    principal = await authenticate(
        runtime(request), cookies=request.cookies, authorization=request.headers.get("authorization")
    )
    if not principal.is_authenticated:
        raise HTTPException(status_code=401, detail=AUTHENTICATION_REQUIRED)
    return principal


def runtime(request: Request) -> Runtime:
    """The host app's runtime (the REST app is mounted inside it and shares its lifespan)."""
    host: Runtime = request.app.state.host.runtime
    return host
