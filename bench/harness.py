"""The real app in process, a thin GraphQL client for it, and a SQL statement counter.

The app is driven through its ASGI interface with httpx, exactly as a test
would, so a timing includes request parsing, validation, execution and JSON
encoding: everything a client waits for except the network.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from smooth_gql.app import create_app
from smooth_gql.config import Settings

JSON_HEADERS = {"content-type": "application/json", "accept": "application/json"}
BEGIN_STATEMENTS = frozenset({"BEGIN", "BEGIN IMMEDIATE"})


class BenchError(RuntimeError):
    """A workload did not do what it is supposed to; its timing would be meaningless."""


def encode_request(query: str, variables: dict[str, Any] | None = None) -> bytes:
    """The request body, encoded ahead of time so a timing holds no client-side JSON work."""
    return json.dumps({"query": query, "variables": variables or {}}).encode()


@dataclass
class GraphQLClient:
    client: httpx.AsyncClient

    async def post(self, body: bytes) -> bytes:
        """Send a pre-encoded request; return the raw response body (not parsed: that is the client's cost)."""
        response = await self.client.post("/graphql", content=body, headers=JSON_HEADERS)
        if response.status_code != 200:
            raise BenchError(f"HTTP {response.status_code}: {response.text[:500]}")
        return response.content

    async def data(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """Run an operation that must succeed (dataset building, checks) and return its `data`."""
        return parse_data(await self.post(encode_request(query, variables)))


def parse_data(body: bytes) -> dict[str, Any]:
    """The `data` of a GraphQL response; any error in it makes the run invalid."""
    document = json.loads(body)
    if document.get("errors"):
        raise BenchError(f"GraphQL errors: {json.dumps(document['errors'])[:1000]}")
    data = document.get("data")
    if not isinstance(data, dict):
        raise BenchError("GraphQL response without data")
    return data


@asynccontextmanager
async def running_app(
    engine: AsyncEngine, database_url: str, executor: str = "plan", **settings: Any
) -> AsyncIterator[GraphQLClient]:
    """The app as `create_app` builds it, its lifespan entered, sharing the benchmark's engine
    (`executor`: SMOOTH_EXECUTOR, for the same reads under graphql-core's executor; `settings`
    change other defaults: `--budgets` runs a second app with the budgets off)."""
    # The benchmark measures the data path, as the local admin (no login per request).
    config = Settings(database_url=database_url, auth_enabled=False, executor=executor, **settings)
    app = create_app(config, engine=engine)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench", timeout=None) as client:
            yield GraphQLClient(client)


@dataclass
class StatementCounter:
    """Counts SQL statements (BEGIN excluded) and pool checkouts while switched on.

    Statements are what a DataLoader design promises to bound; checkouts show
    how many sessions a request opened (each one costs a pool round trip and,
    with `pool_pre_ping`, a ping on PostgreSQL).
    """

    engine: AsyncEngine
    active: bool = False
    statements: list[str] = field(default_factory=list)
    checkouts: int = 0

    def __post_init__(self) -> None:
        event.listen(self.engine.sync_engine, "before_cursor_execute", self._on_execute)
        event.listen(self.engine.sync_engine, "checkout", self._on_checkout)

    def close(self) -> None:
        event.remove(self.engine.sync_engine, "before_cursor_execute", self._on_execute)
        event.remove(self.engine.sync_engine, "checkout", self._on_checkout)

    def start(self) -> None:
        self.statements = []
        self.checkouts = 0
        self.active = True

    def stop(self) -> int:
        self.active = False
        return len(self.statements)

    def _on_execute(
        self, conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool
    ) -> None:
        if self.active and statement.strip().upper() not in BEGIN_STATEMENTS:
            self.statements.append(statement)

    def _on_checkout(self, dbapi_connection: Any, connection_record: Any, connection_proxy: Any) -> None:
        if self.active:
            self.checkouts += 1
