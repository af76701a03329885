"""The ASGI application: GraphQL (with GraphiQL), health, readiness and metrics."""

from __future__ import annotations

import contextlib
import gc
import logging
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute
from starlette.websockets import WebSocket
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_SSE_PROTOCOL, GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL
from strawberry.types.unset import UnsetType

from .auth.principal import PrincipalKind, invalid
from .changes.broadcaster import Broadcaster
from .changes.pg_listener import PostgresListener
from .changes.retention import RetentionTask
from .changes.tail import LogTail
from .config import Settings
from .context import Context
from .cors import ApiCORS
from .db.engine import create_engine, session_factory
from .db.migrate import is_empty, upgrade
from .graphql_http import GraphQLView
from .http_guards import BodySizeLimit, SizeLimit
from .ide import static_files, static_mount_path
from .loaders import Loaders
from .observability.logging import configure_logging
from .observability.metrics import HttpMetricsMiddleware, Metrics, multiprocess_dir
from .observability.request_id import RequestIdMiddleware
from .observability.server_errors import ServerErrorGuard
from .rest_compat.app import HostedRest, shared_rest_app
from .runtime import Runtime
from .schema import schema
from .services.accounts import has_accounts
from .services.authentication import authenticate, bearer
from .services.login_throttle import LoginThrottle
from .services.rate_limits import RateLimiter
from .services.users import ensure_local_admin
from .web_ui import web_page

log = logging.getLogger("smooth_gql")

# The legacy REST backup import (rest-compat §9) may send a whole shop: its own body limit.
BACKUP_IMPORT_PATH = "/api/v1/backup/import"
LEGACY_PREFIX = "/api/"  # where the REST compatibility app is mounted


class GraphQLApp(GraphQLView):
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
            state.tail,
            state.throttle,
            metrics=state.metrics,
            limiter=state.limiter,
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


async def not_routed(request: Request, exc: Exception) -> Response:
    """Starlette's plain-text 404, but legacy JSON under the REST prefix: a path the REST app
    never sees (the mount's pattern stops at a newline) still answers `{"detail": "Not Found"}`."""
    assert isinstance(exc, HTTPException)
    if request.url.path.startswith(LEGACY_PREFIX):
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)
    return PlainTextResponse(exc.detail, status_code=exc.status_code, headers=exc.headers)


def settle_garbage_collector() -> None:
    """Keep the collector's pauses short once the app is built.

    The change feed delivers a commit to every subscriber from one event loop, so
    one long collection delays all of them at once: a full collection over the
    startup heap (schema, models, libraries) took 120 ms in the feed benchmark.
    What exists now lives as long as the process, so it is frozen out of the
    collector's view; and collections run less often (young objects are cheap
    to keep a little longer), so a full one is rare. Only for a served process
    (`app_from_env`, once its lifespan has built everything): a test process
    builds many apps, and freezing would keep their garbage.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 20, 20)  # Python's defaults: 700, 10, 10


def create_app(
    settings: Settings,
    *,
    engine: AsyncEngine | None = None,
    migrate_empty_sqlite: bool = False,
    settle_gc: bool = False,
    metrics_dir: str | None = None,
    clock: Callable[[], float] = time.time,
) -> Starlette:
    """Build the app; `engine` lets tests share one they made. `metrics_dir` puts the metrics
    in prometheus-client's multiprocess mode (a served app under `--workers N`). `clock` is
    what the budgets' windows are timed by (tests step it instead of sleeping)."""
    metrics = Metrics(multiprocess_dir=metrics_dir, token=settings.metrics_token)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        running = await _start(settings, engine, migrate_empty_sqlite=migrate_empty_sqlite)
        metrics.watch_pool(running.db)
        app.state.engine = running.db
        app.state.runtime = running.runtime
        app.state.tail = running.tail
        if settle_gc:
            settle_garbage_collector()
        app.state.throttle = LoginThrottle(running.runtime)
        app.state.limiter = RateLimiter(running.runtime, clock=clock)
        try:
            yield
        finally:
            await _stop(running, metrics)

    app = Starlette(
        routes=_routes(settings, metrics),
        middleware=_middleware(settings, metrics),
        lifespan=lifespan,
        exception_handlers={404: not_routed},
    )
    app.state.metrics = metrics
    return app


@dataclass
class _Running:
    """What the lifespan started and must stop: the engine (disposed only when the app made
    it), the broadcaster, and the feed's background tasks."""

    db: AsyncEngine
    owned: bool
    changes: Broadcaster
    runtime: Runtime
    listener: PostgresListener | None
    tail: LogTail
    retention: RetentionTask | None


async def _start(settings: Settings, engine: AsyncEngine | None, *, migrate_empty_sqlite: bool) -> _Running:
    """Open the database, wire the broadcaster into the runtime, and start the feed's tasks."""
    db = engine or create_engine(
        settings.database_url,
        sqlite_busy_timeout_ms=settings.sqlite_busy_timeout_ms,
        sqlite_readers=settings.sqlite_readers,
    )
    if migrate_empty_sqlite and settings.is_sqlite and await is_empty(db):
        log.info("empty SQLite database: creating the schema")
        await upgrade(db)
    changes = Broadcaster()
    runtime = Runtime(session_factory(db), settings, notify=changes.publish)
    await _announce_auth(runtime)
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
    return _Running(db, engine is None, changes, runtime, listener, tail, retention)


async def _announce_auth(runtime: Runtime) -> None:
    """Say at startup how callers are authenticated; with authentication off, every caller
    acts as the local admin, so that account must exist."""
    settings = runtime.settings
    if settings.auth_enabled and await has_accounts(runtime):
        log.info("authentication is on: sessions and API keys")
    elif settings.auth_enabled:
        log.info(
            "authentication is on and there is no account yet: register the first one in GraphiQL "
            "(it becomes the admin), or run `smooth-gql create-user --email E --admin`"
        )
    else:
        log.warning(
            "AUTH_ENABLED=false: AUTHENTICATION IS OFF. Every request, from anyone who can reach "
            "this port, acts as the local admin. For single-user development only."
        )
        await ensure_local_admin(runtime)


async def _stop(running: _Running, metrics: Metrics) -> None:
    """Stop the tail first: it ends every subscription cleanly before the rest goes away."""
    await running.tail.stop()
    running.changes.close()
    if running.retention is not None:
        await running.retention.stop()
    if running.listener is not None:
        await running.listener.stop()
    metrics.unwatch_pool()
    metrics.process_exiting()
    if running.owned:
        await running.db.dispose()


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


def _graphql(settings: Settings) -> GraphQLApp:
    return GraphQLApp(
        schema,
        graphql_ide="graphiql" if settings.graphiql else None,
        keep_alive=True,
        keep_alive_interval=settings.keep_alive_seconds,
        # graphql-sse lets a bridge with only the standard library follow the feed over HTTP.
        subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL, GRAPHQL_SSE_PROTOCOL),
        # Browsers send cookies on cross-site WebSocket handshakes; Strawberry accepts
        # same-origin pages, clients that send no Origin (bridges, scripts) and these,
        # the origins that CORS lets call the HTTP doors.
        allowed_origins=settings.cors_origins,
    )


def _routes(settings: Settings, metrics: Metrics) -> list[BaseRoute]:
    graphql = _graphql(settings)
    return [
        Route("/", web_page, methods=["GET"]),  # the tool room in a browser (web/)
        Route("/graphql", graphql, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", graphql),
        Route("/health", health),
        Route("/ready", ready),
        Route("/metrics", metrics.endpoint),
        Mount("/api", app=HostedRest(shared_rest_app())),  # the legacy REST API (rest_compat/)
        Mount(static_mount_path(), app=static_files()),  # the IDE pages' scripts and styles
    ]


def _middleware(settings: Settings, metrics: Metrics) -> list[Middleware]:
    return [
        # Outermost first: every answer below has a request id and is counted, 413s included.
        Middleware(RequestIdMiddleware),
        Middleware(HttpMetricsMiddleware, metrics=metrics),
        # Outside the guard, so a page can read a 500's request id; a refused preflight
        # is answered here, before authentication and the database.
        Middleware(ApiCORS, origins=settings.cors_origins),
        Middleware(ServerErrorGuard),  # a JSON 500 with the request id, logged once
        Middleware(
            BodySizeLimit,
            default=SizeLimit("maxBodyBytes", settings.max_body_bytes),
            per_path={BACKUP_IMPORT_PATH: SizeLimit("maxImportBodyBytes", settings.max_import_body_bytes)},
            legacy_prefixes=(LEGACY_PREFIX,),  # REST clients read `{"detail": ...}` (rest-compat §2.4)
        ),
    ]


def app_from_env() -> Starlette:
    """Factory for uvicorn (`--workers` needs an import string); each worker configures its logs."""
    settings = Settings.from_env()
    configure_logging(settings.log_level)
    return create_app(settings, migrate_empty_sqlite=True, settle_gc=True, metrics_dir=multiprocess_dir())
