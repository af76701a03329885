"""The typed context every resolver receives, built fresh for each request."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket

from .auth.principal import Principal
from .changes.tail import LogTail
from .loaders import Loaders
from .services.unit_of_work import Runtime


@dataclass
class Context:
    request: Request | WebSocket
    response: Response | WebSocket | None
    principal: Principal
    runtime: Runtime
    loaders: Loaders
    tail: LogTail  # this worker's reader of the change log, shared by its subscriptions
