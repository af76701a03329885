"""The schema is built once per process; each app's limits still apply to its own requests.

Building a Strawberry schema takes 50-100 ms, so `create_app` reuses the
module-level one and the limits are read from each request's context.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.routing import Route

from conftest import Api, make_settings
from smooth_gql import schema as schema_module
from smooth_gql.app import create_app


@asynccontextmanager
async def serve(engine: AsyncEngine, database_url: str, **overrides: Any) -> AsyncIterator[Api]:
    settings = make_settings(database_url, **overrides)
    app = create_app(settings, engine=engine)
    [route] = [r for r in app.routes if isinstance(r, Route) and r.path == "/graphql"]
    assert route.endpoint.schema is schema_module.schema, "create_app built a schema of its own"
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield Api(client, engine, settings)


def nested(levels: int) -> str:
    inner = "id"
    for _ in range(levels):
        inner = f"parentTool {{ {inner} }}"
    return f"{{ toolItems {{ edges {{ node {{ {inner} }} }} }} }}"


async def test_two_apps_in_one_process_keep_their_own_limits(engine: AsyncEngine, database_url: str) -> None:
    async with AsyncExitStack() as stack:
        strict = await stack.enter_async_context(
            serve(engine, database_url, max_query_depth=4, max_tokens=40)
        )
        loose = await stack.enter_async_context(serve(engine, database_url, max_query_depth=10))
        query = nested(2)  # depth 5, about 20 tokens

        # The same document, twice in each app: the caches must not carry one app's verdict to the other.
        for _ in range(2):
            assert "errors" not in await loose.gql_raw(query)
            [error] = (await strict.gql_raw(query))["errors"]
            assert error["extensions"]["limit"] == {"name": "maxQueryDepth", "value": 4}

        long = "{ " + " __typename" * 40 + " }"  # 42 tokens
        assert "errors" not in await loose.gql_raw(long)
        [error] = (await strict.gql_raw(long))["errors"]
        assert error["extensions"]["limit"] == {"name": "maxTokens", "value": 40}
