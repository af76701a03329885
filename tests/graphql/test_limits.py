"""What a GraphQL request may cost: every limit refuses before anything runs.

Each over-limit request is shown to run no SQL at all (the StatementCounter
sees nothing) and to carry a message that names the limit; each limit is also
shown to let through a request exactly at it, so the test would fail if the
limit were off by one or not configured.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from strawberry.extensions.parser_cache import _get_parse_cache
from strawberry.extensions.validation_cache import _get_validate_cache

from conftest import Api, StatementCounter, make_settings
from smooth_gql.app import BACKUP_IMPORT_PATH, create_app
from smooth_gql.services import reads


@asynccontextmanager
async def serve(engine: AsyncEngine, database_url: str, **overrides: Any) -> AsyncIterator[Api]:
    """The app with some settings changed, over in-process HTTP."""
    settings = make_settings(database_url, **overrides)
    app = create_app(settings, engine=engine)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield Api(client, engine, settings)


async def refused_before_execution(
    api: Api, query: str, variables: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """The errors of a request that must not reach the database."""
    counter = StatementCounter(api.engine)
    body = await api.gql_raw(query, variables)
    assert counter.statements == [], "an over-limit request ran SQL"
    assert body.get("data") is None, body
    return body["errors"]  # type: ignore[no-any-return]


def nested_parent_tools(levels: int) -> str:
    """A list query whose depth is 3 + `levels` (toolItems, edges, node, parentTool × levels)."""
    inner = "id"
    for _ in range(levels):
        inner = f"parentTool {{ {inner} }}"
    return f"{{ toolItems {{ edges {{ node {{ {inner} }} }} }} }}"


async def test_query_depth_over_the_limit_is_refused(api: Api) -> None:
    assert api.settings.max_query_depth == 10
    assert "errors" not in await api.gql_raw(nested_parent_tools(7))  # depth 10

    [error] = await refused_before_execution(api, nested_parent_tools(8))  # depth 11

    assert error["message"] == "'anonymous' exceeds maximum operation depth of 10"
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "limit": {"name": "maxQueryDepth", "value": 10}}


async def test_aliases_over_the_limit_are_refused(api: Api) -> None:
    assert api.settings.max_aliases == 15

    def aliased(count: int) -> str:
        return "{ " + " ".join(f"a{i}: toolItems {{ totalCount }}" for i in range(count)) + " }"

    assert "errors" not in await api.gql_raw(aliased(15))

    [error] = await refused_before_execution(api, aliased(16))

    assert error["message"] == "16 aliases found. Allowed: 15"
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "limit": {"name": "maxAliases", "value": 15}}


async def test_tokens_over_the_limit_are_refused(api: Api) -> None:
    assert api.settings.max_tokens == 2000

    def padded(tokens: int) -> str:
        # 16 tokens of punctuation and names (a string counts as one), plus one per tag.
        tags = " ".join('"t"' for _ in range(tokens - 16))
        return f"{{ toolItems(filter: {{tagsAny: [{tags}]}}) {{ totalCount }} }}"

    assert "errors" not in await api.gql_raw(padded(2000))

    [error] = await refused_before_execution(api, padded(2001))

    assert "more than 2000 tokens" in error["message"], error
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "limit": {"name": "maxTokens", "value": 2000}}


# Budgets off: on PostgreSQL a valid operation is counted in the database (test_rate_limits).
@pytest.mark.settings(points_per_minute=0, requests_per_second=0)
async def test_page_size_over_the_limit_is_refused_before_any_sql(api: Api) -> None:
    assert api.settings.max_page_size == 1000

    [error] = await refused_before_execution(api, "{ toolItems(first: 1001) { totalCount } }")

    assert error["message"] == "first: must be between 0 and 1000"
    assert error["extensions"] == {
        "code": "BAD_USER_INPUT",
        "field": "first",
        "limit": {"name": "maxPageSize", "value": 1000},
    }
    # Below the range is a wrong value, not too much: no limit named.
    [below] = await refused_before_execution(api, "{ toolItems(first: -1) { totalCount } }")
    assert below["extensions"] == {"code": "BAD_USER_INPUT", "field": "first"}
    # The change feed and the audit log page by the same rule.
    [feed] = await refused_before_execution(api, "{ changesSince(first: 1001) { endCursor } }")
    assert feed["extensions"]["limit"] == {"name": "maxPageSize", "value": 1000}


async def test_a_batch_of_operations_is_refused(api: Api) -> None:
    """Batching is not enabled: one operation per request, so a JSON array is a client error."""
    counter = StatementCounter(api.engine)
    operation = {"query": "{ toolItems { totalCount } }"}

    response = await api.client.post("/graphql", json=[operation, operation])

    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["message"] == "Batching is not enabled: send one operation per request."
    assert error["extensions"]["code"] == "BAD_REQUEST"
    assert counter.statements == []


async def test_a_body_over_the_size_limit_is_refused_unread(api: Api) -> None:
    limit = api.settings.max_body_bytes
    assert limit == 2 * 1024 * 1024
    query = "{ toolItems { totalCount } }"
    body = '{"query": "%s", "variables": {"pad": "%s"}}'
    filler = "x" * (limit - len(body % (query, "")))
    assert len(body % (query, filler)) == limit

    counter = StatementCounter(api.engine)
    at_limit = await api.client.post("/graphql", content=body % (query, filler), headers=JSON)
    counter.reset()
    declared = await api.client.post("/graphql", content=body % (query, filler + "x"), headers=JSON)
    streamed = await api.client.post("/graphql", content=chunks(body % (query, filler + "x")), headers=JSON)

    assert at_limit.status_code == 200, at_limit.text
    for response in (declared, streamed):
        assert response.status_code == 413
        [error] = response.json()["errors"]
        assert error["message"] == f"The request body is larger than the limit of {limit} bytes."
        assert error["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
        assert error["extensions"]["limit"] == {"name": "maxBodyBytes", "value": limit}
        assert error["extensions"]["requestId"] == response.headers["X-Request-ID"]
    assert "transfer-encoding" not in declared.request.headers
    assert streamed.request.headers["transfer-encoding"] == "chunked", "the second one had no Content-Length"
    assert counter.statements == []


async def test_the_backup_import_route_has_its_own_larger_body_limit(
    engine: AsyncEngine, database_url: str
) -> None:
    async with serve(engine, database_url, max_body_bytes=1000, max_import_body_bytes=5000) as api:
        body = b"x" * 3000
        assert (await api.client.post("/graphql", content=body, headers=JSON)).status_code == 413
        # Within its own limit the body reaches the route (which wants a multipart upload: 422).
        assert (await api.client.post(BACKUP_IMPORT_PATH, content=body, headers=JSON)).status_code == 422
        refused = await api.client.post(BACKUP_IMPORT_PATH, content=body * 2, headers=JSON)
        assert refused.status_code == 413
        # A REST route: the legacy shape (rest-compat §2.4), the limit named in the text.
        assert refused.json() == {"detail": "The request body is larger than the limit of 5000 bytes."}


async def test_an_operation_over_the_execution_timeout_is_cancelled(
    engine: AsyncEngine, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A resolver that never finishes is cancelled at the deadline and answered TIMEOUT."""
    started = asyncio.Event()
    cancelled = asyncio.Event()

    async def never_finishes(*args: Any, **kwargs: Any) -> Any:
        started.set()
        try:
            await asyncio.sleep(60)  # bounded: the test fails rather than hangs
        except asyncio.CancelledError:
            cancelled.set()
            raise
        raise AssertionError("the operation was not cancelled")

    monkeypatch.setattr(reads, "list_page", never_finishes)
    async with serve(engine, database_url, execution_timeout_seconds=0.05) as api:
        response = await api.client.post(
            "/graphql", json={"query": "query Slow { toolItems { totalCount } }"}
        )
        metrics = (await api.client.get("/metrics")).text

    assert response.status_code == 200
    body = response.json()
    assert body["data"] is None
    [error] = body["errors"]
    assert error["message"] == "The operation ran longer than 0.05 s and was cancelled."
    assert error["extensions"] == {"code": "TIMEOUT", "requestId": response.headers["X-Request-ID"]}
    assert started.is_set() and cancelled.is_set()
    assert 'smooth_gql_graphql_errors_total{code="TIMEOUT"} 1.0' in metrics.splitlines()


async def test_introspection_can_be_switched_off(engine: AsyncEngine, database_url: str) -> None:
    introspect = "{ __schema { queryType { name } } }"
    async with serve(engine, database_url) as api:
        assert (await api.gql(introspect))["__schema"]["queryType"]["name"] == "Query"
    async with serve(engine, database_url, introspection=False) as api:
        errors = await refused_before_execution(api, introspect)
        assert errors[0]["message"] == (
            "GraphQL introspection has been disabled, but the requested query contained the field '__schema'."
        )
        assert {e["extensions"]["code"] for e in errors} == {"BAD_USER_INPUT"}
        assert await api.gql("{ __typename }") == {"__typename": "Query"}, "only the schema is hidden"


async def test_parsing_and_validation_are_cached_within_the_configured_bound(api: Api) -> None:
    """A repeated document is neither parsed nor validated again (each request builds
    its extensions anew, so this fails if anything in the cache key changes per request)."""
    caches = [
        _get_parse_cache(api.settings.query_cache_size),
        _get_validate_cache(api.settings.query_cache_size),
    ]
    assert [c.cache_info().maxsize for c in caches] == [api.settings.query_cache_size] * 2 == [256, 256]
    query = "{ toolItems { totalCount } } # test_parsing_and_validation_are_cached"
    await api.gql(query)
    hits = [c.cache_info().hits for c in caches]
    await api.gql(query)
    assert [c.cache_info().hits for c in caches] == [h + 1 for h in hits]


JSON = {"content-type": "application/json"}


async def chunks(text: str) -> AsyncIterator[bytes]:
    """The body as a stream, so it is sent without Content-Length."""
    data = text.encode()
    for start in range(0, len(data), 64 * 1024):
        yield data[start : start + 64 * 1024]
