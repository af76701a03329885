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
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.subscriptions import GRAPHQL_SSE_PROTOCOL, GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL

from .auth.principal import local_admin
from .changes.broadcaster import Broadcaster
from .changes.pg_listener import PostgresListener
from .changes.retention import RetentionTask
from .changes.tail import LogTail
from .config import Settings
from .context import Context
from .db.engine import create_engine, session_factory
from .db.migrate import is_empty, upgrade
from .loaders import Loaders
from .rest_compat.app import create_rest_app
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
        principal = local_admin()
        return Context(
            request, response, principal, state.runtime, Loaders(state.runtime, principal), state.tail
        )


def create_app(
    settings: Settings,
    *,
    engine: AsyncEngine | None = None,
    migrate_empty_sqlite: bool = False,
) -> Starlette:
    """Build the app; `engine` lets tests share one they made."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        owned = engine is None
        db = engine or create_engine(
            settings.database_url, sqlite_busy_timeout_ms=settings.sqlite_busy_timeout_ms
        )
        if migrate_empty_sqlite and settings.is_sqlite and await is_empty(db):
            log.info("empty SQLite database: creating the schema")
            await upgrade(db)
        changes = Broadcaster()
        runtime = Runtime(session_factory(db), settings, notify=changes.publish)
        log.warning(
            "AUTH_ENABLED=false: every request acts as the local admin; for single-user development only"
        )
        await ensure_local_admin(runtime)
        listener = None if settings.is_sqlite else PostgresListener(settings.database_url, changes)
        if listener is not None:
            await listener.start()
        tail = LogTail(runtime, changes, capacity=settings.feed_buffer_rows)
        await tail.start()
        retention = None
        if settings.change_retention_days:
            keep = timedelta(days=settings.change_retention_days)
            retention = RetentionTask(runtime, keep, every=timedelta(hours=1))
            retention.start()
        app.state.engine = db
        app.state.runtime = runtime
        app.state.tail = tail
        try:
            yield
        finally:
            await tail.stop()  # ends every subscription cleanly
            changes.close()
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

    rest = create_rest_app()
    app = Starlette(
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),
            Route("/health", health),
            Route("/ready", ready),
            Mount("/api", app=rest),  # the legacy REST API (rest_compat/)
        ],
        lifespan=lifespan,
    )
    rest.state.host = app.state  # REST handlers reach the runtime the lifespan builds
    return app


def app_from_env() -> Starlette:
    """Factory for uvicorn (`--workers` needs an import string)."""
    return create_app(Settings.from_env(), migrate_empty_sqlite=True)
