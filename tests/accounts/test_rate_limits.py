"""Budgets per API key, session and client address (issue 15, part 4), on SQLite and PostgreSQL.

A caller over its points per minute or its requests per second is refused with
RATE_LIMITED and retryAfter (HTTP: 429 and Retry-After; REST: 429 in the
contract's `{"detail": ...}` shape; WebSocket and SSE: the operation's error),
and nothing of the refused operation runs, while other callers go on. Windows
are stepped with the app's injected clock (support/clock.py), never slept through.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from websockets.asyncio.client import connect
from websockets.typing import Subprotocol

from conftest import Api, LiveServer
from smooth_gql.app import create_app
from smooth_gql.cli import main
from smooth_gql.services.rate_limits import REST_POINTS
from support.auth import PASSWORD, AuthApi, Creds, auth_app, auth_settings, live_auth_server
from support.clock import StepClock
from support.feed_client import text_message

QUERY = "{ toolItems(first: 3) { edges { node { name } } } }"
ADD = 'mutation { createToolItems(input: [{name: "refused?"}]) { successCount } }'
KEY_WITH_BUDGET = """
mutation($name: String!, $points: Int, $requests: Int) {
  createApiKey(name: $name, scopes: ["read", "write:*"], pointsPerMinute: $points, requestsPerSecond: $requests) {
    secret apiKey { id pointsPerMinute requestsPerSecond }
  }
}"""


async def _admin(auth: AuthApi) -> Creds:
    await auth.register("admin@shop.example")
    return await auth.login("admin@shop.example")


async def _key(auth: AuthApi, creds: Creds, name: str, **budget: int) -> Creds:
    body = await auth.raw(KEY_WITH_BUDGET, {"name": name, **budget}, creds)
    assert "errors" not in body, body["errors"]
    return Creds(key=body["data"]["createApiKey"]["secret"])


def _refusal(response: httpx.Response, retry_after: int) -> dict[str, Any]:
    """A GraphQL request refused whole for its budget: 429, Retry-After, the GraphQL body."""
    assert response.status_code == 429, response.text
    assert response.headers["Retry-After"] == str(retry_after)
    body = response.json()
    assert body["data"] is None
    [error] = body["errors"]
    assert error["extensions"] == {"code": "RATE_LIMITED", "retryAfter": retry_after}
    assert body["extensions"]["cost"]["remaining"] is None
    return error  # type: ignore[no-any-return]


def _remaining(response: httpx.Response) -> int:
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body["errors"]
    return body["extensions"]["cost"]["remaining"]  # type: ignore[no-any-return]


async def test_a_key_over_its_points_is_limited_while_another_key_goes_on(
    engine: AsyncEngine, database_url: str
) -> None:
    async with auth_app(engine, database_url, points_per_minute=20) as auth:
        admin = await _admin(auth)
        heavy, light = await _key(auth, admin, "heavy"), await _key(auth, admin, "light")
        cost = (await auth.raw(QUERY, creds=light))["extensions"]["cost"]["requested"]
        assert 0 < cost <= 20
        served = [_remaining(await auth.post(QUERY, creds=heavy)) for _ in range(20 // cost)]
        assert served == [20 - cost * n for n in range(1, 20 // cost + 1)]
        items = await auth.api.scalar("SELECT count(*) FROM tool_items")

        refused = _refusal(await auth.post(QUERY, creds=heavy), retry_after=60)
        add = _refusal(await auth.post(ADD, creds=heavy), retry_after=60)

        assert refused["message"] == (
            f"the operation costs {cost} points and {20 - cost * (20 // cost)} of the 20 points "
            "per minute are left: retry in 60 seconds"
        )
        assert add["extensions"]["code"] == "RATE_LIMITED"
        assert await auth.api.scalar("SELECT count(*) FROM tool_items") == items  # nothing ran
        assert _remaining(await auth.post(QUERY, creds=light)) == 20 - 2 * cost  # the other key
        assert auth.api.clock is not None
        auth.api.clock.advance(60)  # the next minute
        assert _remaining(await auth.post(QUERY, creds=heavy)) == 20 - cost


async def test_requests_per_second_and_the_next_second(engine: AsyncEngine, database_url: str) -> None:
    """Anonymous calls from one address (`{ __typename }` is open to them), 3 a second."""
    async with _addresses(engine, database_url, requests_per_second=3) as (one, _, clock):
        statuses = [
            (await one.post("/graphql", json={"query": "{ __typename }"})).status_code for _ in range(3)
        ]
        refused = await one.post("/graphql", json={"query": "{ __typename }"})
        clock.advance(1)
        again = await one.post("/graphql", json={"query": "{ __typename }"})

    assert statuses == [200, 200, 200]
    error = _refusal(refused, retry_after=1)
    assert error["message"] == "over the budget of 3 requests per second: retry in 1 second"
    assert again.status_code == 200 and again.json()["data"] == {"__typename": "Query"}


@asynccontextmanager
async def _addresses(
    engine: AsyncEngine, database_url: str, **overrides: Any
) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient, StepClock]]:
    """One app with authentication on, called from two client addresses."""
    clock = StepClock()
    app = create_app(auth_settings(database_url, **overrides), engine=engine, clock=clock)
    async with app.router.lifespan_context(app):
        clients = [
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app, client=(host, 40000)), base_url="http://t"
            )
            for host in ("192.0.2.10", "192.0.2.11")
        ]
        async with clients[0], clients[1]:
            yield clients[0], clients[1], clock


async def test_a_session_and_each_anonymous_address_have_their_own_budget(
    engine: AsyncEngine, database_url: str
) -> None:
    async with _addresses(engine, database_url, requests_per_second=2) as (first, second, clock):
        auth = AuthApi(Api(first, engine, auth_settings(database_url)))
        await auth.register("user@shop.example")
        clock.advance(1)
        session = await auth.login("user@shop.example", PASSWORD)
        clock.advance(1)  # a new second: the session's and the address's counts start at 0

        as_session = [(await auth.post(QUERY, creds=session)).status_code for _ in range(3)]
        anonymous = [
            (await first.post("/graphql", json={"query": "{ __typename }"})).status_code for _ in range(3)
        ]
        elsewhere = (await second.post("/graphql", json={"query": "{ __typename }"})).status_code

    assert as_session == [200, 200, 429]
    assert anonymous == [200, 200, 429]  # the same address as the session, counted apart
    assert elsewhere == 200


async def test_a_keys_own_budget_replaces_the_servers(engine: AsyncEngine, database_url: str) -> None:
    async with auth_app(engine, database_url, points_per_minute=40) as auth:
        admin = await _admin(auth)
        made = await auth.ok(KEY_WITH_BUDGET, {"name": "small", "points": 5, "requests": 0}, admin)
        small = Creds(key=made["createApiKey"]["secret"])
        large = await _key(auth, admin, "large", points=1000)
        keys = await auth.ok("{ apiKeys { name pointsPerMinute requestsPerSecond } }", creds=admin)
        cost = (await auth.raw(QUERY, creds=large))["extensions"]["cost"]["requested"]

        small_served = _remaining(await auth.post(QUERY, creds=small))
        small_refused = await auth.post(QUERY, creds=small)
        large_served = [_remaining(await auth.post(QUERY, creds=large)) for _ in range(40 // cost + 1)]

    assert made["createApiKey"]["apiKey"]["pointsPerMinute"] == 5
    assert made["createApiKey"]["apiKey"]["requestsPerSecond"] == 0  # off for this key
    assert {k["name"]: (k["pointsPerMinute"], k["requestsPerSecond"]) for k in keys["apiKeys"]} == {
        "small": (5, 0),
        "large": (1000, None),  # null: the server's
    }
    assert small_served == 5 - cost
    _refusal(small_refused, retry_after=60)
    assert large_served[-1] == 1000 - cost * (len(large_served) + 1)  # past the server's 40


async def test_a_bad_key_budget_is_refused_naming_the_field_and_nothing_is_stored(
    engine: AsyncEngine, database_url: str
) -> None:
    async with auth_app(engine, database_url, requests_per_second=50) as auth:
        admin = await _admin(auth)
        await auth.create_user(admin, "user@shop.example")
        user = await auth.login("user@shop.example")
        before = await auth.api.scalar("SELECT count(*) FROM api_keys")

        negative = await auth.error(KEY_WITH_BUDGET, {"name": "n", "points": -1}, admin)
        too_many = await auth.error(KEY_WITH_BUDGET, {"name": "t", "requests": 51}, user)
        unlimited = await auth.error(KEY_WITH_BUDGET, {"name": "u", "requests": 0}, user)
        within = await auth.ok(KEY_WITH_BUDGET, {"name": "w", "requests": 50}, user)

        assert await auth.api.scalar("SELECT count(*) FROM api_keys") == before + 1

    assert (
        negative["message"] == "pointsPerMinute: must be a whole number of at least 0 (0: no budget), got -1"
    )
    assert negative["extensions"] == {"code": "BAD_USER_INPUT", "field": "pointsPerMinute"}
    for refused in (too_many, unlimited):
        assert refused["extensions"] == {"code": "FORBIDDEN", "field": "requestsPerSecond"}
        assert refused["message"] == (
            "requestsPerSecond: at most 50, the budget you spend by yourself (0, no budget, is for admins)"
        )
    assert within["createApiKey"]["apiKey"]["requestsPerSecond"] == 50


async def test_legacy_rest_answers_429_with_retry_after_in_the_contracts_shape(
    engine: AsyncEngine, database_url: str
) -> None:
    async with auth_app(engine, database_url, points_per_minute=2 * REST_POINTS) as auth:
        admin = await _admin(auth)
        key = await _key(auth, admin, "rest")
        served = [
            (await auth.client.get("/api/v1/tool-items", headers=key.as_headers())).status_code
            for _ in range(2)
        ]
        refused = await auth.client.get("/api/v1/tool-items", headers=key.as_headers())
        graphql = await auth.post(QUERY, creds=key)  # the same key's budget, through the other door

    assert served == [200, 200]
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "60"
    assert refused.json() == {
        "detail": f"the operation costs {REST_POINTS} points and 0 of the {2 * REST_POINTS} points "
        "per minute are left: retry in 60 seconds"
    }
    _refusal(graphql, retry_after=60)


@pytest.mark.parametrize("name", ["SMOOTH_POINTS_PER_MINUTE", "SMOOTH_REQUESTS_PER_SECOND"])
@pytest.mark.parametrize(
    ("raw", "problem"),
    [("-1", "must be at least 0, got -1"), ("lots", "expected a whole number, got 'lots'")],
)
def test_a_bad_budget_setting_stops_serve_naming_the_variable(
    name: str, raw: str, problem: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(name, raw)
    assert main(["serve", "--host", "127.0.0.1", "--port", "0"]) == 2
    assert f"{name}: {problem}" in capsys.readouterr().err


@pytest.mark.settings(requests_per_second=1)
async def test_the_stock_gql_client_sees_the_refusal_and_retry_after(live: LiveServer) -> None:
    """Python's `gql` over HTTP: a 429 with a GraphQL body is a TransportQueryError carrying the
    error's extensions, and the transport keeps the Retry-After header."""
    from gql import Client, gql
    from gql.transport.aiohttp import AIOHTTPTransport
    from gql.transport.exceptions import TransportQueryError

    transport = AIOHTTPTransport(url=live.http_url)
    async with Client(transport=transport) as session:
        served = await session.execute(gql("{ __typename }"))
        with pytest.raises(TransportQueryError) as refused:
            await session.execute(gql("{ __typename }"))
        retry_after = transport.response_headers["Retry-After"] if transport.response_headers else None

    assert served == {"__typename": "Query"}
    assert refused.value.errors is not None
    assert refused.value.errors[0]["extensions"] == {"code": "RATE_LIMITED", "retryAfter": 1}
    assert retry_after == "1"


FEED = "subscription { changes { cursor } }"


async def test_a_subscription_over_budget_is_refused_over_websocket_and_sse(
    engine: AsyncEngine, database_url: str
) -> None:
    async with live_auth_server(engine, database_url, requests_per_second=1) as (auth, port):
        clock = auth.api.clock
        assert clock is not None
        await auth.register("admin@shop.example")
        clock.advance(1)  # one request a second: registering and logging in are two
        admin = await auth.login("admin@shop.example")
        key = await _key(auth, admin, "feed")
        assert (await auth.post(QUERY, creds=key)).status_code == 200  # the key's one request this second
        connection = await connect(
            f"ws://127.0.0.1:{port}/graphql", subprotocols=[Subprotocol("graphql-transport-ws")]
        )
        try:
            await connection.send(
                json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {key.key}"}})
            )
            ack = text_message(await asyncio.wait_for(connection.recv(), 10))
            await connection.send(json.dumps({"type": "subscribe", "id": "1", "payload": {"query": FEED}}))
            over_ws = text_message(await asyncio.wait_for(connection.recv(), 10))
        finally:
            await connection.close()
        over_sse = await auth.client.post(
            "/graphql", json={"query": FEED}, headers={**key.as_headers(), "Accept": "text/event-stream"}
        )

    assert ack["type"] == "connection_ack"
    assert over_ws["type"] == "error" and over_ws["id"] == "1", over_ws
    [error] = over_ws["payload"]
    assert error["extensions"] == {"code": "RATE_LIMITED", "retryAfter": 1}
    frames = [f for f in over_sse.text.replace("\r\n", "\n").split("\n\n") if f.startswith("event: next")]
    [sse_result] = [json.loads(frame.split("data: ", 1)[1]) for frame in frames]
    assert [e["extensions"] for e in sse_result["errors"]] == [{"code": "RATE_LIMITED", "retryAfter": 1}]
    assert "data" not in sse_result or sse_result["data"] is None


@pytest.mark.settings(requests_per_second=1)
async def test_the_stock_gql_websocket_client_sees_a_subscription_refused_over_budget(
    live: LiveServer,
) -> None:
    """Python's `gql` over graphql-transport-ws: the subscription's error frame surfaces as a
    TransportQueryError carrying RATE_LIMITED and retryAfter (our own client is above)."""
    from gql import Client, gql
    from gql.transport.exceptions import TransportQueryError
    from gql.transport.websockets import WebsocketsTransport

    async with httpx.AsyncClient() as client:  # the address's one request this second
        assert (await client.post(live.http_url, json={"query": "{ __typename }"})).status_code == 200
    transport = WebsocketsTransport(url=live.ws_url, subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL])
    async with Client(transport=transport) as session:
        with pytest.raises(TransportQueryError) as refused:  # served instead: no event comes, a timeout
            await asyncio.wait_for(anext(aiter(session.subscribe(gql(FEED)))), 10)
    assert refused.value.errors is not None
    assert refused.value.errors[0]["extensions"] == {"code": "RATE_LIMITED", "retryAfter": 1}
