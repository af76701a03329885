"""What an operator sees: request ids, JSON logs that carry them, and /metrics that move."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import structlog
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Mount, Route
from websockets.asyncio.client import connect

from conftest import Api, LiveServer
from smooth_gql.config import Settings
from smooth_gql.observability import metrics as metrics_module
from smooth_gql.observability.logging import configure_logging, json_formatter
from smooth_gql.observability.metrics import HttpMetricsMiddleware, Metrics
from smooth_gql.services import reads
from support.factories import item
from support.feed_client import FeedClient

GENERATED_ID = re.compile(r"[0-9a-f]{32}")


# --- request ids -----------------------------------------------------------------------------


async def test_every_response_carries_a_request_id(api: Api) -> None:
    health = await api.client.get("/health")
    graphql = await api.client.post("/graphql", json={"query": "{ __typename }"})
    missing = await api.client.get("/no/such/page")

    ids = [r.headers["X-Request-ID"] for r in (health, graphql, missing)]
    assert all(GENERATED_ID.fullmatch(i) for i in ids), ids
    assert len(set(ids)) == 3


async def test_a_sane_incoming_request_id_is_kept_and_anything_else_replaced(api: Api) -> None:
    kept = await api.client.get("/health", headers={"X-Request-ID": "proxy-7f3a:42"})
    too_long = await api.client.get("/health", headers={"X-Request-ID": "a" * 129})
    odd = await api.client.get("/health", headers={"X-Request-ID": "<script>"})

    assert kept.headers["X-Request-ID"] == "proxy-7f3a:42"
    assert GENERATED_ID.fullmatch(too_long.headers["X-Request-ID"])
    assert GENERATED_ID.fullmatch(odd.headers["X-Request-ID"])


async def test_a_websocket_handshake_answers_with_the_connection_request_id(live: LiveServer) -> None:
    async with connect(
        live.ws_url,
        subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
        additional_headers={"X-Request-ID": "bridge-mill-1"},
    ) as connection:
        assert connection.response is not None
        assert connection.response.headers["X-Request-ID"] == "bridge-mill-1"


# --- logs ------------------------------------------------------------------------------------


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """Our modules' log records, rendered by the production formatter."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(json_formatter())
    logger = logging.getLogger("smooth_gql")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


async def test_the_log_line_of_a_masked_error_carries_the_request_id(
    api: Api, monkeypatch: pytest.MonkeyPatch, json_log: io.StringIO
) -> None:
    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("secret SQL: SELECT password FROM users")

    monkeypatch.setattr(reads, "list_page", broken)

    response = await api.client.post("/graphql", json={"query": "{ toolItems { totalCount } }"})

    request_id = response.headers["X-Request-ID"]
    [error] = response.json()["errors"]
    assert error["message"] == "Internal server error."
    assert error["extensions"] == {"code": "INTERNAL", "requestId": request_id}
    assert "secret" not in response.text
    lines = [json.loads(line) for line in json_log.getvalue().splitlines()]
    [logged] = [line for line in lines if line.get("request_id") == request_id]
    assert logged["level"] == "error"
    assert logged["logger"] == "smooth_gql.graphql"
    assert "secret SQL" in logged["exception"], "the details are in the log, not the response"


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    uvicorn = {name: logging.getLogger(name) for name in ("uvicorn", "uvicorn.error", "uvicorn.access")}
    saved = {name: (lg.handlers[:], lg.propagate) for name, lg in uvicorn.items()}
    try:
        yield
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
        for name, (lg_handlers, propagate) in saved.items():
            uvicorn[name].handlers[:] = lg_handlers
            uvicorn[name].propagate = propagate
        structlog.reset_defaults()


@pytest.mark.usefixtures("restore_logging")
def test_configured_logging_renders_every_library_as_json_lines() -> None:
    stream = io.StringIO()
    configure_logging("INFO", stream=stream)
    configure_logging("INFO", stream=stream)  # configuring again does not double the lines

    with structlog.contextvars.bound_contextvars(request_id="r-1"):
        logging.getLogger("uvicorn.error").warning("Invalid HTTP request received.")
        logging.getLogger("smooth_gql.app").debug("below the level: dropped")
        structlog.get_logger("smooth_gql.feed").warning("subscriber lagging", behind=12)

    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first["logger"] == "uvicorn.error" and first["level"] == "warning"
    assert first["event"] == "Invalid HTTP request received."
    assert second["event"] == "subscriber lagging" and second["behind"] == 12
    assert first["request_id"] == second["request_id"] == "r-1"
    assert first["timestamp"].endswith("Z")


# --- metrics ---------------------------------------------------------------------------------


async def scrape(api: Api) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of /metrics, keyed by name and labels."""
    response = await api.client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


async def test_metrics_count_operations_errors_and_routes(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    before = await scrape(api)

    await item(api, name="drill")  # one named mutation (see factories)
    for _ in range(2):
        await api.gql("query Catalogue { toolItems { totalCount } }")
    await api.gql("{ __typename }")
    await api.gql_raw("{ toolItems(first: -1) { totalCount } }")  # BAD_USER_INPUT
    monkeypatch.setattr(reads, "list_page", _broken)
    await api.gql_raw("query Broken { toolItems { totalCount } }")  # INTERNAL
    await api.client.get("/health")
    await api.client.get("/items/12345")  # no such route: labelled, but not with the raw path

    after = await scrape(api)

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    ops = "smooth_gql_graphql_operations_total"
    assert moved(ops, operation="Catalogue", type="query") == 2
    assert moved(ops, operation="anonymous", type="query") == 2
    assert moved(ops, operation="anonymous", type="mutation") == 1
    assert moved(ops, operation="Broken", type="query") == 1
    assert moved("smooth_gql_graphql_operation_duration_seconds_count", operation="Catalogue") == 2
    assert moved("smooth_gql_graphql_errors_total", code="BAD_USER_INPUT") == 1
    assert moved("smooth_gql_graphql_errors_total", code="INTERNAL") == 1
    assert moved("smooth_gql_http_requests_total", route="/health", method="GET", status="200") == 1
    assert moved("smooth_gql_http_requests_total", route="/graphql", method="POST", status="200") == 6
    assert moved("smooth_gql_http_requests_total", route="unmatched", method="GET", status="404") == 1
    assert moved("smooth_gql_http_request_duration_seconds_count", route="/health", method="GET") == 1
    assert not any("12345" in dict(labels).get("route", "") for _, labels in after)


async def test_metrics_show_the_database_pool(api: Api) -> None:
    checked_out = "smooth_gql_db_pool_checked_out"
    assert await _settles(api, checked_out, 0), "start-up work (retention) has given its connection back"
    async with api.engine.connect(), api.engine.connect():
        busy = await scrape(api)

    assert value(busy, checked_out) == 2
    assert value(busy, "smooth_gql_db_pool_size") >= 1
    assert await _settles(api, checked_out, 0)


async def test_the_subscription_gauge_follows_open_subscriptions(live: LiveServer) -> None:
    api = live.api
    gauge = "smooth_gql_active_subscriptions"
    assert value(await scrape(api), gauge) == 0

    client = await FeedClient.open(live.ws_url)
    try:
        await client.subscribe(None)
        assert await _settles(api, gauge, 1)
    finally:
        await client.close()
    assert await _settles(api, gauge, 0)


async def _settles(api: Api, name: str, expected: float) -> bool:
    """Whether the gauge reaches `expected` within a bounded number of scrapes."""
    for _ in range(100):
        if value(await scrape(api), name) == expected:
            return True
        await asyncio.sleep(0.05)
    return False


async def _broken(*args: Any, **kwargs: Any) -> Any:
    raise RuntimeError("boom")


async def test_mounted_routes_are_labelled_with_their_template_not_the_path() -> None:
    """The REST compatibility routes will be mounted under /api/v1: their requests must be
    labelled `/api/v1/items/{item_id}`, one series for every id."""

    async def endpoint(request: Request) -> PlainTextResponse:
        return PlainTextResponse("ok")

    metrics = Metrics()
    app = Starlette(
        routes=[Mount("/api/v1", routes=[Route("/items/{item_id}", endpoint)])],
        middleware=[Middleware(HttpMetricsMiddleware, metrics=metrics)],
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as client:
        for item_id in ("a1", "b2", "c3"):
            assert (await client.get(f"/api/v1/items/{item_id}")).status_code == 200

    samples = {
        tuple(sorted(s.labels.items())): s.value
        for family in text_string_to_metric_families(generate_latest(metrics.registry).decode())
        for s in family.samples
        if s.name == "smooth_gql_http_requests_total"
    }
    assert samples == {(("method", "GET"), ("route", "/api/v1/items/{item_id}"), ("status", "200")): 3.0}


def test_client_chosen_operation_names_are_a_bounded_label_set() -> None:
    metrics = Metrics(max_operation_names=2)

    labels = [metrics.operation_label(name) for name in ("A", "B", "C", "A", None, "x y", "é")]

    assert labels == ["A", "B", "other", "A", "anonymous", "invalid", "invalid"]


# --- unexpected errors outside GraphQL -------------------------------------------------------


async def test_an_unexpected_error_in_a_rest_route_is_a_json_500_with_the_request_id(
    api: Api, monkeypatch: pytest.MonkeyPatch, json_log: io.StringIO
) -> None:
    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("secret SQL: SELECT key_hash FROM api_keys")

    monkeypatch.setattr(reads, "list_window", broken)

    response = await api.client.get("/api/v1/tool-items")

    request_id = response.headers["X-Request-ID"]
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/json"
    # The legacy handled-error shape with the legacy server's text (contract §2.4), plus the id.
    assert response.json() == {"detail": "Internal Server Error", "request_id": request_id}
    _logged_once(json_log, request_id, "secret SQL")


async def test_an_unexpected_error_in_metrics_is_a_json_500_with_the_request_id(
    api: Api, monkeypatch: pytest.MonkeyPatch, json_log: io.StringIO
) -> None:
    def broken(*args: Any, **kwargs: Any) -> bytes:
        raise RuntimeError("secret path /var/lib/smooth")

    monkeypatch.setattr(metrics_module, "generate_latest", broken)

    response = await api.client.get("/metrics", headers={"X-Request-ID": "scrape-9"})

    assert response.status_code == 500
    assert response.headers["X-Request-ID"] == "scrape-9"
    assert response.json() == {"detail": "Internal Server Error", "request_id": "scrape-9"}
    _logged_once(json_log, "scrape-9", "secret path")
    # and it is counted like any other answer
    monkeypatch.undo()
    after = await scrape(api)
    assert value(after, "smooth_gql_http_requests_total", route="/metrics", method="GET", status="500") == 1


def _logged_once(json_log: io.StringIO, request_id: str, secret: str) -> None:
    lines = [json.loads(line) for line in json_log.getvalue().splitlines()]
    [logged] = [line for line in lines if line.get("request_id") == request_id]
    assert logged["level"] == "error"
    assert secret in logged["exception"], "the details are in the log, not the response"


# --- /metrics access -------------------------------------------------------------------------


@pytest.mark.settings(metrics_token="scrape-me-7f3a")
async def test_with_a_metrics_token_only_its_bearer_may_scrape(api: Api) -> None:
    refused = [
        await api.client.get("/metrics"),
        await api.client.get("/metrics", headers={"Authorization": "Bearer wrong"}),
        await api.client.get("/metrics", headers={"Authorization": "Basic scrape-me-7f3a"}),
        await api.client.get("/metrics", headers={"Authorization": "Bearer scrape-me-7f3a-and-more"}),
    ]
    allowed = await api.client.get("/metrics", headers={"Authorization": "Bearer scrape-me-7f3a"})
    any_case = await api.client.get("/metrics", headers={"Authorization": "bearer scrape-me-7f3a"})

    for response in refused:
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == "Bearer"
        assert "SMOOTH_METRICS_TOKEN" in response.json()["detail"]
        assert "smooth_gql" not in response.text
    assert allowed.status_code == any_case.status_code == 200
    assert "smooth_gql_http_requests_total" in allowed.text
    # the rest of the server does not care about the token
    assert (await api.client.get("/health")).status_code == 200


def test_the_metrics_token_comes_from_the_environment_and_stays_out_of_reprs() -> None:
    settings = Settings.from_env({"SMOOTH_METRICS_TOKEN": " scrape-me-7f3a "})

    assert settings.metrics_token == "scrape-me-7f3a"
    assert "scrape-me" not in repr(settings)
    assert Settings.from_env({}).metrics_token is None
    assert Settings.from_env({"SMOOTH_METRICS_TOKEN": ""}).metrics_token is None
