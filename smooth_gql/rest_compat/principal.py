"""Who a REST request acts for, and the process runtime it reaches.

The one place the REST side decides the caller: the identity work replaces
the body of `current_principal` (sessions, API keys) and nothing else.
"""

from __future__ import annotations

from fastapi import Request

from ..auth.principal import Principal, local_admin
from ..services.unit_of_work import Runtime


def current_principal(request: Request) -> Principal:
    return local_admin()


def runtime(request: Request) -> Runtime:
    """The host app's runtime (the REST app is mounted inside it and shares its lifespan)."""
    host: Runtime = request.app.state.host.runtime
    return host
