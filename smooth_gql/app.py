"""The ASGI application: GraphQL (with GraphiQL), health and readiness."""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import AsyncIterator
from datetime import timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_SSE_PROTOCOL, GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL
from strawberry.types.unset import UnsetType

from .auth.backend import authenticate, bearer
from .auth.principal import PrincipalKind, invalid
from .auth.throttle import LoginThrottle
from .changes.broadcaster import Broadcaster
from .changes.pg_listener import PostgresListener
from .changes.retention import RetentionTask
from .config import Settings
from .context import Context
from .db.engine import create_engine, session_factory
from .db.migrate import is_empty, upgrade
from .loaders import Loaders
from .schema import schema
from .services.unit_of_work import Runtime
from .services.users import ensure_local_admin

log = logging.getLogger("smooth_gql")


class GraphQLApp(GraphQL[Context, None]):
    def decode_json(self, data: str | bytes) -> object:
        try:
            return super().decode_json(data)
        except RecursionError:
            # Nested beyond the parser's reach is a malformed body (400), not a crash.
            raise json.JSONDecodeError("nested too deeply", "", 0) from None

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket | None
    ) -> Context:
        state = request.app.state
        principal = await authenticate(
            state.runtime, cookies=request.cookies, authorization=request.headers.get("authorization")
        )
        return Context(
            request,
            response,
            principal,
            state.runtime,
            Loaders(state.runtime, principal),
            state.broadcaster,
            state.throttle,
        )

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        """graphql-transport-ws `connection_init`: a client that cannot set headers on the
        handshake (browsers) sends `{"authorization": "Bearer <key>"}` here instead.

        Bad credentials close the connection (4403) instead of running anonymously.
        """
        params = context.connection_params or {}
        sent = params.get("authorization") or params.get("Authorization")
        if sent is not None and context.runtime.settings.auth_enabled:
            principal = (
                await bearer(context.runtime, sent) if isinstance(sent, str) else invalid("not a string")
            )
            context.principal = principal
            context.loaders = Loaders(context.runtime, principal)
        if context.principal.kind is PrincipalKind.INVALID:
            log.info("WebSocket connection refused: %s", context.principal.problem)
            raise ConnectionRejectionError({"message": f"authentication failed: {context.principal.problem}"})
        return None  # acknowledge without a payload


def create_app(
    settings: Settings,
    *,
    engine: AsyncEngine | None = None,
    broadcaster: Broadcaster | None = None,
    migrate_empty_sqlite: bool = False,
) -> Starlette:
    """Build the app; `engine` and `broadcaster` let tests share ones they made."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        owned = engine is None
        db = engine or create_engine(
            settings.database_url, sqlite_busy_timeout_ms=settings.sqlite_busy_timeout_ms
        )
        if migrate_empty_sqlite and settings.is_sqlite and await is_empty(db):
            log.info("empty SQLite database: creating the schema")
            await upgrade(db)
        changes = broadcaster or Broadcaster()
        runtime = Runtime(session_factory(db), settings, notify=changes.publish)
        if settings.auth_enabled:
            log.info("authentication is on: sessions and API keys (register the first user to become admin)")
        else:
            log.warning(
                "AUTH_ENABLED=false: AUTHENTICATION IS OFF. Every request, from anyone who can reach "
                "this port, acts as the local admin. For single-user development only."
            )
            await ensure_local_admin(runtime)
        listener = None if settings.is_sqlite else PostgresListener(settings.database_url, changes)
        if listener is not None:
            await listener.start()
        retention = None
        if settings.change_retention_days:
            keep = timedelta(days=settings.change_retention_days)
            retention = RetentionTask(runtime, keep, every=timedelta(hours=1))
            retention.start()
        app.state.engine = db
        app.state.runtime = runtime
        app.state.broadcaster = changes
        app.state.throttle = LoginThrottle(settings.login_max_failures, settings.login_window_seconds)
        try:
            yield
        finally:
            changes.close()  # ends every subscription cleanly
            if retention is not None:
                await retention.stop()
            if listener is not None:
                await listener.stop()
            if owned:
                await db.dispose()

    graphql = GraphQLApp(
        schema,
        graphql_ide="graphiql" if settings.graphiql else None,
        keep_alive=True,
        keep_alive_interval=settings.keep_alive_seconds,
        # graphql-sse lets a bridge with only the standard library follow the feed over HTTP.
        subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL, GRAPHQL_SSE_PROTOCOL),
        # Browsers send cookies on cross-site WebSocket handshakes; Strawberry accepts
        # same-origin pages, clients that send no Origin (bridges, scripts) and these.
        allowed_origins=settings.ws_allowed_origins,
    )

    async def health(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    async def ready(request: Request) -> JSONResponse:
        try:
            async with request.app.state.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except Exception as exc:  # any failure to reach the database means "not ready"
            log.warning("readiness check failed: %s", type(exc).__name__)
            return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)
        return JSONResponse({"status": "ready", "database": "ok"})

    return Starlette(
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),
            Route("/health", health),
            Route("/ready", ready),
        ],
        lifespan=lifespan,
    )


def app_from_env() -> Starlette:
    """Factory for uvicorn (`--workers` needs an import string)."""
    return create_app(Settings.from_env(), migrate_empty_sqlite=True)
