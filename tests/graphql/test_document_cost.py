"""Documents that expand to far more than they say are refused in time linear in their text.

A fragment spread three times, whose fragment spreads the next three times,
and so on, is 1 KB of text and millions of fields. Strawberry's depth and alias
limiters walked every spread again (the fan-out document below took 13 s, on
the event loop, before authentication), so a handful of anonymous requests
froze the server. Each test here measures CPU time (`time.thread_time`: the
in-process app runs in this thread), never wall-clock time, except the one
with a real server, which is about the latency others see.
"""

from __future__ import annotations

import asyncio
import gc
import random
import statistics
import time
from typing import Any

import httpx
import pytest
from graphql import get_introspection_query

from conftest import Api, StatementCounter
from support.serve_process import serve

CPU_BUDGET = 0.050  # seconds of CPU per refusal (the bound)


def fan_out(levels: int = 14, width: int = 3, *, prefix: str = "F") -> str:
    """`{...F0} fragment F0 on Query {...F1 ...F1 ...F1} … fragment F14 on Query {__typename}`."""
    spreads = [
        f"fragment {prefix}{i} on Query {{ {' '.join([f'...{prefix}{i + 1}'] * width)} }}"
        for i in range(levels)
    ]
    return (
        f"{{ ...{prefix}0 }} " + " ".join(spreads) + f" fragment {prefix}{levels} on Query {{ __typename }}"
    )


async def post_timed(
    api: Api, query: str, variables: dict[str, Any] | None = None
) -> tuple[dict[str, Any], float]:
    """The response body and the CPU time this thread spent on the whole in-process request."""
    gc.collect()
    gc.disable()  # a collection over the whole test process's heap is not this request's cost
    try:
        start = time.thread_time()
        response = await api.client.post("/graphql", json={"query": query, "variables": variables or {}})
        spent = time.thread_time() - start
    finally:
        gc.enable()
    assert response.status_code == 200, response.text
    return response.json(), spent


def limit_of(body: dict[str, Any]) -> str:
    assert body.get("data") is None, body
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT", error
    return str(error["extensions"]["limit"]["name"])


# Budgets off: on PostgreSQL the warm-up operation is counted in the database (test_rate_limits).
@pytest.mark.settings(points_per_minute=0, requests_per_second=0)
async def test_the_fan_out_document_is_refused_within_50_ms_of_cpu(api: Api) -> None:
    counter = StatementCounter(api.engine)
    await post_timed(api, "{ __typename }")  # warm: first-request costs are not the document's

    body, spent = await post_timed(api, fan_out())

    assert limit_of(body) == "maxQueryFields"
    [error] = body["errors"]
    assert error["message"] == (
        "'anonymous' selects 4782969 fields, counting a fragment at every spread; the limit is 1000"
    )
    assert error["extensions"]["limit"] == {"name": "maxQueryFields", "value": 1000}
    assert spent < CPU_BUDGET, f"{spent * 1000:.1f} ms of CPU"
    assert counter.statements == []


def random_document(rng: random.Random) -> tuple[str, str]:
    """A fan-out over fresh fragment names (a validation cache cannot help), some levels nested
    in `parentTool` (deep as well as wide), fragments defined in random order. Returns the
    document and the limit expected to refuse it."""
    width = rng.choice([3, 3, 4])
    levels = 11 if width == 3 else 9  # 3^11 = 177,147 and 4^9 = 262,144 fields once expanded
    nested = rng.random() < 0.5
    names = [f"{rng.choice('ABCDEFGHXYZ')}{rng.randrange(10**6)}_{i}" for i in range(levels + 1)]
    fragments = []
    for i in range(levels):
        spreads = " ".join([f"...{names[i + 1]}"] * width)
        leaf = rng.choice(["id", "name", "x: id"])
        body = f"parentTool {{ {spreads} }}" if nested and i % 2 == 0 else f"{leaf} {spreads}"
        fragments.append(f"fragment {names[i]} on ToolItem {{ {body} }}")
    fragments.append(f"fragment {names[levels]} on ToolItem {{ id name }}")
    rng.shuffle(fragments)
    query = f"{{ toolItems {{ edges {{ node {{ ...{names[0]} }} }} }} }} " + " ".join(fragments)
    return query, "maxQueryFields"


async def test_twenty_random_fan_out_and_nested_documents_are_refused_within_50_ms_of_cpu(api: Api) -> None:
    rng = random.Random(20261207)
    await post_timed(api, "{ __typename }")
    slow: list[str] = []
    for _ in range(20):
        query, expected = random_document(rng)
        body, spent = await post_timed(api, query)
        errors = body["errors"]
        assert body.get("data") is None, body
        assert expected in {e["extensions"].get("limit", {}).get("name") for e in errors}, errors
        if spent >= CPU_BUDGET:
            slow.append(f"{spent * 1000:.1f} ms: {query[:120]}")
    assert not slow, slow


async def test_deep_nesting_through_fragments_is_measured_once_per_fragment(api: Api) -> None:
    """A chain of 150 fragments, each one level deeper: depth 151, refused by the depth limit."""
    chain = " ".join(f"fragment D{i} on ToolItem {{ parentTool {{ ...D{i + 1} }} }}" for i in range(150))
    query = f"{{ toolItems {{ edges {{ node {{ ...D0 }} }} }} }} {chain} fragment D150 on ToolItem {{ id }}"
    await post_timed(api, "{ __typename }")

    body, spent = await post_timed(api, query)

    assert limit_of(body) == "maxQueryDepth"
    assert body["errors"][0]["message"] == "'anonymous' exceeds maximum operation depth of 10"
    assert spent < CPU_BUDGET


async def test_a_fragment_cycle_is_left_to_validation(api: Api) -> None:
    """The cost walk cuts the cycle; graphql-core's NoFragmentCycles names it."""
    body, spent = await post_timed(
        api, "{ ...A } fragment A on Query { __typename ...B } fragment B on Query { ...A ...A }"
    )
    assert body.get("data") is None
    assert any("Cannot spread fragment 'A' within itself" in e["message"] for e in body["errors"]), body
    assert spent < CPU_BUDGET


async def test_many_copies_of_one_field_are_refused_before_the_quadratic_overlap_rule(api: Api) -> None:
    """graphql-core compares every two fields with one response name: 300 copies took 0.35 s."""
    copies = "{ " + " ".join(["toolItems { totalCount }"] * 300) + " }"
    await post_timed(api, "{ __typename }")

    body, spent = await post_timed(api, copies)

    assert limit_of(body) == "maxFieldMerges"
    assert body["errors"][0]["message"] == (
        "The document repeats fields too often: validating it would compare 89700 pairs of fields; "
        "the limit is 10000"
    )
    assert spent < CPU_BUDGET


@pytest.mark.settings(max_field_merges=100)
async def test_the_field_merge_limit_lets_through_a_document_exactly_at_it(api: Api) -> None:
    def copies(n: int) -> str:  # n copies of one field: n * (n - 1) / 2 pairs
        return "{ " + " ".join(["__typename"] * n) + " }"

    assert (await api.gql(copies(14)))["__typename"] == "Query"  # 91 pairs
    body, _ = await post_timed(api, copies(15))  # 105 pairs
    assert limit_of(body) == "maxFieldMerges"


@pytest.mark.settings(max_query_fields=20)
async def test_the_field_limit_counts_fragments_at_every_spread(api: Api) -> None:
    fragment = "fragment T on ToolItemConnection { totalCount }"
    at_limit = "{ " + " ".join(f"a{i}: toolItems {{ ...T }}" for i in range(10)) + " } " + fragment
    over = "{ " + " ".join(f"a{i}: toolItems {{ ...T ...T }}" for i in range(10)) + " } " + fragment

    assert len(await api.gql(at_limit)) == 10  # 10 fields and 10 spreads of one field
    body, _ = await post_timed(api, over)
    assert limit_of(body) == "maxQueryFields"
    assert body["errors"][0]["message"].startswith("'anonymous' selects 30 fields")


async def test_graphiql_introspection_passes_the_limits(api: Api) -> None:
    query = get_introspection_query(
        descriptions=True,
        specified_by_url=True,
        directive_is_repeatable=True,
        schema_description=True,
        input_value_deprecation=True,
    )
    data = await api.gql(query)
    assert data["__schema"]["queryType"]["name"] == "Query"


async def test_health_answers_while_the_fan_out_document_is_sent_ten_times_at_once(database_url: str) -> None:
    """Against a real `smooth-gql serve`: /health is polled while ten fan-out requests run.

    Before the cost bound each of them held the event loop for about 13 s and
    /health waited behind them. The bound asserted is generous for a shared
    2-core machine (the issue's 100 ms for the median, one second for the worst).
    """
    with serve(database_url) as server:
        async with httpx.AsyncClient(timeout=30) as client:
            await server.wait_ready(client)
            url = f"{server.base_url}/graphql"

            async def attack(i: int) -> httpx.Response:
                return await client.post(url, json={"query": fan_out(prefix=f"F{i}x")})

            latencies: list[float] = []
            stop = asyncio.Event()

            async def poll_health() -> None:
                for _ in range(200):  # bounded; ends earlier once the attacks are answered
                    start = time.perf_counter()
                    response = await client.get(f"{server.base_url}/health")
                    latencies.append(time.perf_counter() - start)
                    assert response.status_code == 200
                    if stop.is_set() and len(latencies) >= 10:
                        return
                    await asyncio.sleep(0.01)

            poller = asyncio.create_task(poll_health())
            await asyncio.sleep(0.02)
            responses = await asyncio.gather(*(attack(i) for i in range(10)))
            stop.set()
            await poller

    for response in responses:
        assert response.status_code == 200
        assert limit_of(response.json()) == "maxQueryFields"
    assert statistics.median(latencies) < 0.100, latencies
    assert max(latencies) < 1.0, latencies
