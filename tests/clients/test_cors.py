"""CORS on both doors (/graphql, /api/v1) and the WebSocket origin check, from SMOOTH_CORS_ORIGINS.

Against a real `smooth-gql serve` with authentication on, the way a browser asks:
a preflight, then the request with `Origin`, then a WebSocket handshake with `Origin`.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from conftest import Api, StatementCounter
from support.feed_client import text_message
from support.stock_server import StockServer, stock_server

FRONT_END = "http://localhost:5173"  # a Vite dev server: listed
TOOL_ROOM = "https://tools.shop.example"  # listed
EVIL = "https://evil.example"  # not listed
ORIGINS = f"{FRONT_END}, {TOOL_ROOM}"
ME_QUERY = "{ me { email } }"
REST_ME = "/api/v1/auth/me"


def cors_headers(response: httpx.Response) -> dict[str, str]:
    return {k: v for k, v in response.headers.items() if k.lower().startswith("access-control-")}


def preflight_headers(
    origin: str, method: str = "POST", headers: str = "authorization,content-type"
) -> dict[str, str]:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": headers,
    }


@pytest.fixture
async def served(engine: AsyncEngine, database_url: str) -> AsyncIterator[StockServer]:
    async with stock_server(database_url, env={"SMOOTH_CORS_ORIGINS": ORIGINS}) as server:
        yield server


async def test_a_listed_origin_may_call_both_doors_with_credentials(served: StockServer) -> None:
    client, base = served.client, served.server.base_url
    for path, method in (("/graphql", "POST"), (REST_ME, "GET")):
        answer = await client.options(f"{base}{path}", headers=preflight_headers(FRONT_END, method))
        assert answer.status_code == 200, (path, answer.text)
        allowed = cors_headers(answer)
        assert allowed["access-control-allow-origin"] == FRONT_END
        assert allowed["access-control-allow-credentials"] == "true"
        assert method in allowed["access-control-allow-methods"]
        assert {"authorization", "content-type"} <= set(
            allowed["access-control-allow-headers"].lower().split(", ")
        )

    graphql = await client.post(
        f"{base}/graphql", json={"query": ME_QUERY}, headers={"Origin": TOOL_ROOM, **served.bearer}
    )
    rest = await client.get(f"{base}{REST_ME}", headers={"Origin": TOOL_ROOM, **served.bearer})
    assert graphql.json() == {
        "data": {"me": {"email": "admin@shop.example"}},
        "extensions": {"cost": {"requested": 1, "limit": 500_000, "remaining": 40_000_000 - 1}},
    }
    assert rest.status_code == 200 and rest.json()["email"] == "admin@shop.example"
    for answer in (graphql, rest):
        assert answer.headers["access-control-allow-origin"] == TOOL_ROOM
        assert answer.headers["access-control-allow-credentials"] == "true"
        assert (
            answer.headers["access-control-expose-headers"].lower() == "x-request-id"
        )  # readable by the page
        assert "origin" in answer.headers["vary"].lower()


async def test_an_unlisted_origin_gets_no_cors_headers(served: StockServer) -> None:
    client, base = served.client, served.server.base_url
    for path, method in (("/graphql", "POST"), (REST_ME, "GET")):
        answer = await client.options(f"{base}{path}", headers=preflight_headers(EVIL, method))
        assert (answer.status_code, answer.text, cors_headers(answer)) == (400, "Disallowed CORS origin", {})

    # The request itself is served (a same-origin page sends `Origin` too), but the browser keeps
    # the answer from the foreign page: nothing tells it that it may read it.
    graphql = await client.post(
        f"{base}/graphql", json={"query": ME_QUERY}, headers={"Origin": EVIL, **served.bearer}
    )
    rest = await client.get(f"{base}{REST_ME}", headers={"Origin": EVIL, **served.bearer})
    assert (graphql.status_code, rest.status_code) == (200, 200)
    assert cors_headers(graphql) == {} and cors_headers(rest) == {}

    # Only the API doors speak CORS.
    health = await client.get(f"{base}/health", headers={"Origin": FRONT_END})
    assert health.status_code == 200 and cors_headers(health) == {}


async def test_a_preflight_for_a_method_or_header_not_allowed_is_refused(served: StockServer) -> None:
    client, base = served.client, served.server.base_url
    method = await client.options(f"{base}/graphql", headers=preflight_headers(FRONT_END, "PROPFIND"))
    header = await client.options(
        f"{base}{REST_ME}", headers=preflight_headers(FRONT_END, "GET", "x-shop-secret")
    )
    assert (method.status_code, method.text) == (400, "Disallowed CORS method")
    assert (header.status_code, header.text) == (400, "Disallowed CORS headers")


async def test_the_websocket_handshake_follows_the_same_list(served: StockServer) -> None:
    for origin in (FRONT_END, None):  # listed, and a bridge that sends no Origin at all
        connection = await connect(served.ws_url, subprotocols=["graphql-transport-ws"], origin=origin)  # type: ignore[list-item, arg-type]
        init = {"type": "connection_init", "payload": {"authorization": f"Bearer {served.key}"}}
        await connection.send(json.dumps(init))
        assert text_message(await asyncio.wait_for(connection.recv(), 10))["type"] == "connection_ack"
        await connection.close()

    for subprotocol in ("graphql-transport-ws", "graphql-ws"):
        with pytest.raises(InvalidStatus) as refused:
            await connect(served.ws_url, subprotocols=[subprotocol], origin=EVIL)  # type: ignore[list-item, arg-type]
        assert refused.value.response.status_code == 403
        assert not any(k.lower().startswith("access-control-") for k in refused.value.response.headers)


@pytest.mark.settings(cors_origins=(FRONT_END,))
async def test_a_refused_preflight_never_reaches_the_database(api: Api) -> None:
    counter = StatementCounter(api.engine)
    for path in ("/graphql", REST_ME, "/api/v1/tool-items"):
        for headers in (preflight_headers(EVIL), preflight_headers(FRONT_END, "PROPFIND")):
            answer = await api.client.options(path, headers=headers)
            assert answer.status_code == 400, answer.text
    assert counter.statements == []


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("cam.example.com", "SMOOTH_CORS_ORIGINS: Invalid origin 'cam.example.com'"),
        ("https://cam.example/app", "SMOOTH_CORS_ORIGINS: Invalid origin 'https://cam.example/app'"),
        ("*", "SMOOTH_CORS_ORIGINS: '*' is not accepted"),
    ],
)
def test_serve_stops_on_a_bad_origin_naming_the_variable(value: str, message: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "smooth_gql.cli", "serve", "--host", "127.0.0.1", "--port", "0"],
        env={**os.environ, "SMOOTH_CORS_ORIGINS": value},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done.stderr
    assert message in done.stderr
