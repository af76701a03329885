"""The typed context every resolver receives, built fresh for each request."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket

from .auth.principal import Principal
from .changes.tail import LogTail
from .errors import BadInput
from .loaders import Loaders
from .observability.metrics import Metrics
from .runtime import Runtime
from .services.login_throttle import LoginThrottle
from .services.rate_limits import RateLimiter
from .session_cookie import clear_session_cookie, set_session_cookie


@dataclass
class Context:
    request: Request | WebSocket
    response: Response | WebSocket | None
    principal: Principal
    runtime: Runtime
    loaders: Loaders
    tail: LogTail  # this worker's reader of the change log, shared by its subscriptions
    throttle: LoginThrottle
    # The graphql-transport-ws `connection_init` payload (Strawberry fills it in).
    connection_params: dict[str, Any] | None = None
    # The app's metrics, for the GraphQL operation counters (the schema is shared by all apps).
    metrics: Metrics | None = None
    # The app's budgets (graphql_budget charges each operation to its caller).
    limiter: RateLimiter | None = None

    @property
    def client_address(self) -> str | None:
        return self.request.client.host if self.request.client else None

    def set_session_cookie(self, token: str, max_age: int) -> None:
        set_session_cookie(self._http_response(), self.request.url, token, max_age)

    def clear_session_cookie(self) -> None:
        clear_session_cookie(self._http_response())

    def _http_response(self) -> Response:
        if not isinstance(self.response, Response):
            raise BadInput("sessions are started and ended over HTTP (POST /graphql), not a WebSocket")
        return self.response
