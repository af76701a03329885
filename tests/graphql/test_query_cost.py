"""Every operation is priced before it runs (issue 15, cost): the rule of `query_cost`, reported
in `extensions.cost` on every response, and an operation over SMOOTH_MAX_QUERY_COST refused
with COST_LIMIT before any SQL."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from graphql import parse

from conftest import Api, LiveServer, StatementCounter
from smooth_gql.config import ConfigError, Settings
from smooth_gql.document_cost import document_cost
from smooth_gql.graphql_limits import selected_operation
from smooth_gql.query_cost import Pricing
from smooth_gql.schema import schema
from support.feed import bulk_ok, head_cursor, open_ws, operation_errors, read_sse

DEFAULT_PAGE, MAX_PAGE = 100, 1000
PAGE_FRAGMENT = "fragment Page on ToolItemConnection { edges { node { parentTool { name } } } }"
ITEMS = [{"name": "a"}, {"name": "b"}, {"name": "c"}, {"name": "d"}]

# (operation, variables, cost): each row says which part of the rule it shows.
TABLE: list[tuple[str, dict[str, Any] | None, int]] = [
    ("{ __typename }", None, 0),  # introspection and scalars are free
    ("{ __schema { types { name fields { name } } } }", None, 0),
    ("{ me { email } }", None, 1),  # an object: 1
    ('{ toolItem(id: "x") { name parentTool { name } } }', None, 2),
    # A page of 10: the connection 1, its edge list 1, then 1 per element for each object in it.
    ("{ toolItems(first: 10) { totalCount pageInfo { hasNextPage } edges { node { name } } } }", None, 13),
    ("{ toolItems(first: 10) { edges { node { parentTool { name } } } } }", None, 22),
    ("{ toolItems { edges { node { name } } } }", None, 102),  # no `first`: the default page
    ("{ toolItems(first: 5000) { edges { node { name } } } }", None, 1002),  # at most the largest page
    ("{ toolItems(first: 0) { edges { node { name } } } }", None, 2),
    # Nested lists multiply through: an unpaged list counts the default page, under each of the 10.
    ("{ toolItems(first: 10) { edges { node { instances { serialNumber } } } } }", None, 22),
    ("{ toolItems(first: 10) { edges { node { instances { presets { name } } } } } }", None, 1022),
    ("{ users { email } apiKeys { name } }", None, 2),  # a list costs 1; scalars in it 0
    # Variables resolved, then the variable's default, then the argument's own default.
    ("query($n: Int) { toolItems(first: $n) { edges { node { name } } } }", {"n": 5}, 7),
    ("query($n: Int = 3) { toolItems(first: $n) { edges { node { name } } } }", None, 5),
    ("query($n: Int) { toolItems(first: $n) { edges { node { name } } } }", None, 102),
    ("{ changesSince { changes { entity { __typename } } } }", None, 102),  # first: Int! = 100
    (
        "{ changesSince(first: 7) { changes { entity { ... on ToolItem { parentTool { name } } } } } }",
        None,
        16,
    ),
    # A fragment counts where it is spread, with that place's page.
    (
        f"{{ a: toolItems(first: 2) {{ ...Page }} b: toolItems(first: 3) {{ ...Page }} }} {PAGE_FRAGMENT}",
        None,
        14,
    ),
    (
        "{ toolItems(first: 4) { edges { ...Edge } } } "
        "fragment Edge on ToolItemEdge { node { parentTool { name } } }",
        None,
        10,
    ),
    # A bulk write: 1 per element; its result lists have as many elements.
    (
        'mutation { createToolItems(input: [{name: "a"}, {name: "b"}, {name: "c"}]) '
        "{ successCount results { id parentTool { name } } errors { message } } }",
        None,
        8,
    ),
    ('mutation { createToolItems(input: {name: "a"}) { successCount } }', None, 1),
    (
        "mutation($items: [ToolItemCreateInput!]!) { createToolItems(input: $items) { results { id } } }",
        {"items": ITEMS},
        5,
    ),
    ("mutation { logout deleteToolSets(input: []) { successCount } }", None, 1),
    # A subscription: one event's selection.
    ("subscription { changes { cursor entity { ... on ToolPreset { toolInstance { id } } } } }", None, 3),
    ("{ noSuchField { name } }", None, 0),  # invalid: priced as far as it goes, refused later
]


@pytest.mark.parametrize(("query", "variables", "cost"), TABLE)
def test_the_cost_of_an_operation(query: str, variables: dict[str, Any] | None, cost: int) -> None:
    document = parse(query)
    index, operation = selected_operation(document, None)
    pricing = Pricing.of(schema._schema, operation, variables, default_page=DEFAULT_PAGE, max_page=MAX_PAGE)
    assert document_cost(document, pricing).operations[index].cost == cost


LIST_OF_LISTS = "{ toolItems(first: 10) { edges { node { instances { presets { name } } } } } }"  # 1022


@pytest.mark.settings(max_query_cost=1000)
async def test_an_operation_over_the_limit_is_refused_before_any_sql(api: Api) -> None:
    counter = StatementCounter(api.engine)

    body = await api.gql_raw(LIST_OF_LISTS)

    assert counter.statements == []
    assert body.get("data") is None
    [error] = body["errors"]
    assert error["message"] == (
        "The operation costs 1022; the limit is 1000 (each object resolved costs 1, "
        "a list multiplies what it selects by its page size)"
    )
    assert error["extensions"] == {
        "code": "COST_LIMIT",
        "limit": {"name": "maxQueryCost", "value": 1000},
        "cost": 1022,
    }
    # Refused for its cost, it is not counted against the caller's budget either.
    assert body["extensions"] == {"cost": {"requested": 1022, "limit": 1000, "remaining": None}}


@pytest.mark.settings(max_query_cost=1022)
async def test_an_operation_at_the_limit_runs(api: Api) -> None:
    body = await api.gql_raw(LIST_OF_LISTS)

    assert body == {
        "data": {"toolItems": {"edges": []}},
        "extensions": {"cost": {"requested": 1022, "limit": 1022, "remaining": 40_000_000 - 1022}},
    }


async def test_the_operation_named_is_the_one_priced(api: Api) -> None:
    document = "query Small { me { email } } query Large { toolItems(first: 3) { edges { node { name } } } }"

    remaining = 40_000_000
    for name, cost in (("Small", 1), ("Large", 5)):
        response = await api.client.post("/graphql", json={"query": document, "operationName": name})
        remaining -= cost
        assert response.json()["extensions"] == {
            "cost": {"requested": cost, "limit": 500_000, "remaining": remaining}
        }


async def test_every_response_reports_its_cost(api: Api) -> None:
    limit = {"limit": 500_000}
    query = await api.gql_raw("{ toolItems(first: 2) { edges { node { name } } } }")
    mutation = await api.gql_raw(
        "mutation($items: [ToolItemCreateInput!]!) { createToolItems(input: $items) { successCount } }",
        {"items": ITEMS},
    )
    failed = await api.gql_raw(
        'mutation { updateToolItems(input: [{id: "nope", expectedVersion: 1}]) { errorCount } }'
    )
    invalid = await api.gql_raw("{ toolItems { noSuchField } }")
    unparsed = await api.gql_raw("{ toolItems ")

    # `remaining`: the caller's points left this minute, each valid operation's cost taken off as
    # it is admitted; an invalid document is priced but not charged, one that does not parse
    # neither.
    assert query["extensions"]["cost"] == {"requested": 4, **limit, "remaining": 39_999_996}
    assert mutation["data"]["createToolItems"]["successCount"] == 4
    assert mutation["extensions"]["cost"] == {"requested": 4, **limit, "remaining": 39_999_992}
    assert failed["data"]["updateToolItems"]["errorCount"] == 1
    assert failed["extensions"]["cost"] == {"requested": 1, **limit, "remaining": 39_999_991}
    assert invalid["errors"] and invalid["extensions"]["cost"] == {"requested": 1, **limit, "remaining": None}
    assert unparsed["errors"] and unparsed["extensions"]["cost"] == {
        "requested": 0,
        **limit,
        "remaining": None,
    }


@pytest.mark.parametrize("raw", ["-1", "0", "lots", "1.5"])
def test_a_bad_limit_stops_the_server_naming_the_variable(raw: str) -> None:
    with pytest.raises(ConfigError, match=r"^SMOOTH_MAX_QUERY_COST: "):
        Settings.from_env({"SMOOTH_MAX_QUERY_COST": raw})


def test_the_limit_is_read_from_the_environment() -> None:
    assert Settings.from_env({"SMOOTH_MAX_QUERY_COST": "2500"}).max_query_cost == 2500
    assert Settings.from_env({}).max_query_cost == 500_000


FEED = "subscription($after: String) { changes(after: $after) { cursor entity { ... on ToolItem { parentTool { name } } } } }"


async def test_every_subscription_event_reports_its_cost(live: LiveServer) -> None:
    """One event's selection: the change 1, its entity 1, the entity's parent tool 1."""
    start = await head_cursor(live.api)
    await bulk_ok(live.api, "TOOL_ITEM", "create", [{"name": "a"}, {"name": "b"}])
    client = await open_ws(live.ws_url)
    payload = {"query": FEED, "variables": {"after": start}}
    await client.connection.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
    over_ws = [m async for m in _first(client.messages(10), 2)]
    await client.close()
    over_sse = await asyncio.to_thread(read_sse, live.http_url, start, count=2, timeout=10, query=FEED)

    # Each subscription is charged once, when it starts; its events repeat what it had left then.
    remaining = over_ws[0]["payload"]["extensions"]["cost"]["remaining"]
    cost = {"cost": {"requested": 3, "limit": 500_000, "remaining": remaining}}
    then = {"cost": {"requested": 3, "limit": 500_000, "remaining": remaining - 3}}
    assert [m["type"] for m in over_ws] == ["next", "next"]
    assert [m["payload"]["extensions"] for m in over_ws] == [cost, cost]
    assert [data["extensions"] for event, data in over_sse.events if event == "next"] == [then, then]


@pytest.mark.settings(max_query_cost=2)
async def test_a_subscription_over_the_limit_is_refused(live: LiveServer) -> None:
    client = await open_ws(live.ws_url)
    payload = {"query": FEED, "variables": {"after": None}}
    await client.connection.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
    [error] = await operation_errors(client, "1")
    await client.close()

    assert error["extensions"] == {
        "code": "COST_LIMIT",
        "limit": {"name": "maxQueryCost", "value": 2},
        "cost": 3,
    }


async def _first(messages: AsyncIterator[dict[str, Any]], count: int) -> AsyncIterator[dict[str, Any]]:
    async for message in messages:
        yield message
        count -= 1
        if count == 0:
            return
