"""A real `smooth-gql serve` with authentication on, and an API key, for the stock-client tests.

The clients users run (Python `gql`, `graphql-ws` and `graphql-sse` under node, browsers) talk
to it over 127.0.0.1 exactly as they would to a deployment: register, log in, make a key, send
it as `Authorization: Bearer …` (or in `connection_init`).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx

from support.auth import CREATE_KEY, LOGIN, PASSWORD, REGISTER
from support.serve_process import ServeProcess, serve

ADMIN = "admin@shop.example"


@dataclass
class StockServer:
    server: ServeProcess
    client: httpx.AsyncClient  # plain httpx, for setting up data and for CORS requests
    key: str  # an API key with every scope the tests need

    @property
    def graphql_url(self) -> str:
        return f"{self.server.base_url}/graphql"

    @property
    def ws_url(self) -> str:
        return self.server.ws_url

    @property
    def bearer(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}

    async def gql(self, query: str, variables: dict[str, Any] | None = None) -> Any:
        """Run an operation with the key that must succeed; return its `data`."""
        response = await self.client.post(
            self.graphql_url, json={"query": query, "variables": variables or {}}, headers=self.bearer
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert "errors" not in body, body["errors"]
        return body["data"]


@contextlib.asynccontextmanager
async def stock_server(database_url: str, env: dict[str, str] | None = None) -> AsyncIterator[StockServer]:
    """Serve `database_url` (empty of users: the first to register becomes admin) with auth on."""
    settings = {"AUTH_ENABLED": "true", "SMOOTH_BCRYPT_ROUNDS": "4", **(env or {})}
    with serve(database_url, env=settings) as server:
        async with httpx.AsyncClient(timeout=30) as client:
            await server.wait_ready(client)
            url = f"{server.base_url}/graphql"
            login = {"email": ADMIN, "password": PASSWORD}
            registered = await client.post(url, json={"query": REGISTER, "variables": login})
            assert "errors" not in registered.json(), registered.text
            logged_in = await client.post(url, json={"query": LOGIN, "variables": login})
            assert "errors" not in logged_in.json(), logged_in.text
            made = await client.post(
                url, json={"query": CREATE_KEY, "variables": {"name": "stock", "scopes": ["read", "write:*"]}}
            )
            client.cookies.clear()  # from here on every request carries exactly what it names
            assert "errors" not in made.json(), made.text
            yield StockServer(server, client, made.json()["data"]["createApiKey"]["secret"])
