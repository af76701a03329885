"""Prometheus metrics of one app, and the `/metrics` endpoint that serves them.

Each app owns a `CollectorRegistry` (kept in `app.state.metrics`), not the
process-wide default one: tests build many apps in one process, and two
registrations of one metric name in one registry are an error.

Under `smooth-gql serve --workers N` each worker is its own process and a
scrape reaches one of them, so the app runs in prometheus-client's
multiprocess mode (`PROMETHEUS_MULTIPROC_DIR`, set by `serve` before the
workers start): every process writes its values to files in that directory
and a scrape sums them (`MultiProcessCollector`). Custom collectors see only
the scraped process there, so the pool is then reported by gauges that the
pool's own checkout and checkin events keep current in every worker.

Label values are bounded. HTTP requests are labelled with the route template
(`/api/v1/items/{item_id}`), never the raw path; GraphQL operation names come
from clients, so only the first `max_operation_names` distinct ones become
labels and the rest share `other` (per worker, in multiprocess mode).
"""

from __future__ import annotations

import glob
import hmac
import os
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
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import Pool, QueuePool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import MULTIPROC_ENV

PREFIX = "smooth_gql"
_GRAPHQL_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]{0,99}")
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_LIVE_GAUGE_FILE = re.compile(r"gauge_live[a-z]+_(\d+)\.db")


def multiprocess_dir() -> str | None:
    """The directory of multiprocess mode, when this process runs in it.

    prometheus-client decides at import whether values go to files, from the
    same variable, so it is read from the environment rather than from settings.
    """
    return os.environ.get(MULTIPROC_ENV) or None


class Metrics:
    def __init__(
        self,
        *,
        max_operation_names: int = 200,
        multiprocess_dir: str | None = None,
        token: str | None = None,
    ) -> None:
        self.registry = CollectorRegistry()
        self.multiprocess_dir = multiprocess_dir
        own: CollectorRegistry | None = self.registry
        if multiprocess_dir is not None:
            # The metrics below go to the files; registered here as well they would be reported twice.
            multiprocess.MultiProcessCollector(self.registry, path=multiprocess_dir)  # type: ignore[no-untyped-call]
            own = None
        self._token = token
        self.graphql_operations = Counter(
            f"{PREFIX}_graphql_operations",
            "GraphQL operations run, by operation name (or anonymous) and type",
            ["operation", "type"],
            registry=own,
        )
        self.graphql_duration = Histogram(
            f"{PREFIX}_graphql_operation_duration_seconds",
            "Time from parsing to result of a GraphQL query or mutation, by operation name",
            ["operation"],
            registry=own,
        )
        self.graphql_errors = Counter(
            f"{PREFIX}_graphql_errors",
            "GraphQL errors answered to clients, by extensions.code (HTTP refusals: see the status label)",
            ["code"],
            registry=own,
        )
        self.http_requests = Counter(
            f"{PREFIX}_http_requests",
            "HTTP requests answered, by route template, method and status",
            ["route", "method", "status"],
            registry=own,
        )
        self.http_duration = Histogram(
            f"{PREFIX}_http_request_duration_seconds",
            "Time to answer an HTTP request, by route template and method",
            ["route", "method"],
            registry=own,
        )
        self.active_subscriptions = Gauge(
            f"{PREFIX}_active_subscriptions",
            "Subscriptions currently streaming (WebSocket and Server-Sent Events)",
            registry=own,
            multiprocess_mode="livesum",
        )
        self._max_operation_names = max_operation_names
        self._operation_names: set[str] = set()
        self._pool: _PoolCollector | _PoolGauges | None = None

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
        pool = engine.sync_engine.pool
        if self.multiprocess_dir is not None:
            self._pool = _PoolGauges(pool)
        else:
            self._pool = _PoolCollector(pool)
            self.registry.register(self._pool)

    def unwatch_pool(self) -> None:
        if isinstance(self._pool, _PoolCollector):
            self.registry.unregister(self._pool)
        elif self._pool is not None:
            self._pool.close()
        self._pool = None

    def process_exiting(self) -> None:
        """A worker's live gauges stop counting once it is gone (its counters stay in the sums)."""
        if self.multiprocess_dir is not None:
            multiprocess.mark_process_dead(os.getpid(), self.multiprocess_dir)  # type: ignore[no-untyped-call]

    def _forget_dead_processes(self) -> None:
        """A worker killed without shutting down cannot mark itself dead; whoever is scraped does."""
        assert self.multiprocess_dir is not None
        for path in glob.glob(os.path.join(self.multiprocess_dir, "gauge_live*.db")):
            found = _LIVE_GAUGE_FILE.fullmatch(os.path.basename(path))
            if found is not None and not _alive(int(found.group(1))):
                multiprocess.mark_process_dead(int(found.group(1)), self.multiprocess_dir)  # type: ignore[no-untyped-call]

    def authorized(self, request: Request) -> bool:
        if self._token is None:
            return True
        scheme, _, sent = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer":
            return False
        return hmac.compare_digest(sent.strip().encode(), self._token.encode())

    async def endpoint(self, request: Request) -> Response:
        if not self.authorized(request):
            return JSONResponse(
                {"detail": "/metrics needs Authorization: Bearer <SMOOTH_METRICS_TOKEN>"},
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
        if self.multiprocess_dir is not None:
            self._forget_dead_processes()
        return Response(generate_latest(self.registry), media_type=CONTENT_TYPE_LATEST)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


class _PoolCollector:
    """Reads the pool at scrape time, so the figures are current, not sampled."""

    def __init__(self, pool: Pool) -> None:
        self._pool = pool

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


class _PoolGauges:
    """The pool in multiprocess mode: gauges summed over the live workers, moved by the
    pool's events (a scrape reaches one worker, so nothing can be read at scrape time).

    The overflow figure is not reported here: it changes after the checkin event.
    """

    def __init__(self, pool: Pool) -> None:
        self._pool = pool
        self.checked_out = Gauge(
            f"{PREFIX}_db_pool_checked_out",
            "Database connections in use",
            registry=None,
            multiprocess_mode="livesum",
        )
        self.size = Gauge(
            f"{PREFIX}_db_pool_size",
            "Database connections the pool keeps open",
            registry=None,
            multiprocess_mode="livesum",
        )
        if isinstance(pool, QueuePool):
            self.size.set(pool.size())
        event.listen(pool, "checkout", self._checkout)
        event.listen(pool, "checkin", self._checkin)

    def _checkout(self, *_args: object) -> None:
        self.checked_out.inc()

    def _checkin(self, *_args: object) -> None:
        self.checked_out.dec()

    def close(self) -> None:
        event.remove(self._pool, "checkout", self._checkout)
        event.remove(self._pool, "checkin", self._checkin)
        self.checked_out.set(0)
        self.size.set(0)


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
