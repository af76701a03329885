"""Prometheus metrics of one app, and the `/metrics` endpoint that serves them.

Each app owns a `CollectorRegistry` (kept in `app.state.metrics`), not the
process-wide default one: tests build many apps in one process, and two
registrations of one metric name in one registry are an error.

Label values are bounded. HTTP requests are labelled with the route template
(`/api/v1/items/{item_id}`), never the raw path; GraphQL operation names come
from clients, so only the first `max_operation_names` distinct ones become
labels and the rest share `other`.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import QueuePool
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PREFIX = "smooth_gql"
_GRAPHQL_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]{0,99}")
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class Metrics:
    def __init__(self, *, max_operation_names: int = 200) -> None:
        self.registry = CollectorRegistry()
        self.graphql_operations = Counter(
            f"{PREFIX}_graphql_operations",
            "GraphQL operations run, by operation name (or anonymous) and type",
            ["operation", "type"],
            registry=self.registry,
        )
        self.graphql_duration = Histogram(
            f"{PREFIX}_graphql_operation_duration_seconds",
            "Time from parsing to result of a GraphQL query or mutation, by operation name",
            ["operation"],
            registry=self.registry,
        )
        self.graphql_errors = Counter(
            f"{PREFIX}_graphql_errors",
            "GraphQL errors answered to clients, by extensions.code (HTTP refusals: see the status label)",
            ["code"],
            registry=self.registry,
        )
        self.http_requests = Counter(
            f"{PREFIX}_http_requests",
            "HTTP requests answered, by route template, method and status",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.http_duration = Histogram(
            f"{PREFIX}_http_request_duration_seconds",
            "Time to answer an HTTP request, by route template and method",
            ["route", "method"],
            registry=self.registry,
        )
        self.active_subscriptions = Gauge(
            f"{PREFIX}_active_subscriptions",
            "Subscriptions currently streaming (WebSocket and Server-Sent Events)",
            registry=self.registry,
        )
        self._max_operation_names = max_operation_names
        self._operation_names: set[str] = set()
        self._pool: _PoolCollector | None = None

    def operation_label(self, name: str | None) -> str:
        """A bounded label for a client-chosen operation name."""
        if name is None:
            return "anonymous"
        if not _GRAPHQL_NAME.fullmatch(name):
            return "invalid"
        if name in self._operation_names:
            return name
        if len(self._operation_names) < self._max_operation_names:
            self._operation_names.add(name)
            return name
        return "other"

    def watch_pool(self, engine: AsyncEngine) -> None:
        """Report the engine's connection pool from now on (called in the lifespan)."""
        self.unwatch_pool()
        self._pool = _PoolCollector(engine)
        self.registry.register(self._pool)

    def unwatch_pool(self) -> None:
        if self._pool is not None:
            self.registry.unregister(self._pool)
            self._pool = None

    async def endpoint(self, request: Request) -> Response:
        return Response(generate_latest(self.registry), media_type=CONTENT_TYPE_LATEST)


class _PoolCollector:
    """Reads the pool at scrape time, so the figures are current, not sampled."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._pool = engine.sync_engine.pool

    def collect(self) -> Iterator[Metric]:
        pool = self._pool
        if not isinstance(pool, QueuePool):  # other pools keep no count of what is lent out
            return
        yield GaugeMetricFamily(
            f"{PREFIX}_db_pool_checked_out", "Database connections in use", value=pool.checkedout()
        )
        yield GaugeMetricFamily(
            f"{PREFIX}_db_pool_size", "Database connections the pool keeps open", value=pool.size()
        )
        yield GaugeMetricFamily(
            f"{PREFIX}_db_pool_overflow",
            "Connections opened beyond the pool size (negative: room left before the size is reached)",
            value=pool.overflow(),
        )


def route_template(scope: Scope) -> str:
    """The path pattern the router matched (mount prefix included), or `unmatched`."""
    path_format = getattr(scope.get("route"), "path_format", None)
    if not isinstance(path_format, str):
        return "unmatched"
    mount_prefix = scope.get("root_path", "")[len(scope.get("app_root_path", "")) :]
    return f"{mount_prefix}{path_format}"


class HttpMetricsMiddleware:
    """Counts and times every HTTP request by route template, method and status."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500  # what the client gets if the app raises before answering
        start = time.perf_counter()

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            route = route_template(scope)
            method = scope["method"] if scope["method"] in _METHODS else "OTHER"
            self.metrics.http_requests.labels(route, method, str(status)).inc()
            self.metrics.http_duration.labels(route, method).observe(time.perf_counter() - start)
