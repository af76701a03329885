"""Talking to the app with authentication on: as nobody, with a session cookie or with a key.

The httpx client's cookie jar is emptied after every request, so each call
carries exactly the credentials it names.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from conftest import Api, make_settings
from smooth_gql.app import create_app
from smooth_gql.config import Settings
from support.clock import StepClock
from support.loopback import served

PASSWORD = "correct horse battery"


@dataclass(frozen=True)
class Creds:
    """What a request carries: nothing, a session token, an API key, or raw headers."""

    session: str | None = None
    key: str | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def as_headers(self) -> dict[str, str]:
        headers = dict(self.headers)
        if self.session is not None:
            headers["Cookie"] = f"session={self.session}"
        if self.key is not None:
            headers["Authorization"] = f"Bearer {self.key}"
        return headers


NOBODY = Creds()


@dataclass
class AuthApi:
    api: Api

    @property
    def client(self) -> httpx.AsyncClient:
        return self.api.client

    async def post(
        self, query: str, variables: dict[str, Any] | None = None, creds: Creds = NOBODY
    ) -> httpx.Response:
        try:
            return await self.client.post(
                "/graphql", json={"query": query, "variables": variables or {}}, headers=creds.as_headers()
            )
        finally:
            self.client.cookies.clear()

    async def raw(
        self, query: str, variables: dict[str, Any] | None = None, creds: Creds = NOBODY
    ) -> dict[str, Any]:
        response = await self.post(query, variables, creds)
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    async def ok(
        self, query: str, variables: dict[str, Any] | None = None, creds: Creds = NOBODY
    ) -> dict[str, Any]:
        body = await self.raw(query, variables, creds)
        assert "errors" not in body, body["errors"]
        return body["data"]  # type: ignore[no-any-return]

    async def error(
        self, query: str, variables: dict[str, Any] | None = None, creds: Creds = NOBODY
    ) -> dict[str, Any]:
        """The first error of a request that must fail."""
        body = await self.raw(query, variables, creds)
        assert body.get("errors"), body
        return body["errors"][0]  # type: ignore[no-any-return]

    # --- accounts -------------------------------------------------------------------

    async def register(self, email: str, password: str = PASSWORD) -> dict[str, Any]:
        data = await self.ok(REGISTER, {"email": email, "password": password})
        return data["register"]  # type: ignore[no-any-return]

    async def create_user(
        self, admin: Creds, email: str, password: str = PASSWORD, is_admin: bool = False
    ) -> str:
        data = await self.ok(
            "mutation($e: String!, $p: String!, $a: Boolean!) { createUser(email: $e, password: $p, isAdmin: $a) { id } }",
            {"e": email, "p": password, "a": is_admin},
            admin,
        )
        return data["createUser"]["id"]  # type: ignore[no-any-return]

    async def login(self, email: str, password: str = PASSWORD) -> Creds:
        response = await self.post(LOGIN, {"email": email, "password": password})
        body = response.json()
        assert "errors" not in body, body["errors"]
        token = response.cookies.get("session")
        assert token, response.headers
        return Creds(session=token)

    async def key(self, creds: Creds, scopes: list[str], **options: Any) -> tuple[str, Creds]:
        """Make an API key; return its id and the credentials that carry it."""
        data = await self.ok(
            CREATE_KEY, {"name": options.pop("name", "k"), "scopes": scopes, **options}, creds
        )
        made = data["createApiKey"]
        return made["apiKey"]["id"], Creds(key=made["secret"])


REGISTER = "mutation($email: String!, $password: String!) { register(email: $email, password: $password) { id email isAdmin isActive } }"
LOGIN = (
    "mutation($email: String!, $password: String!) { login(email: $email, password: $password) { id email } }"
)
ME = "{ me { id email isAdmin isActive } }"
CREATE_KEY = """
mutation($name: String!, $scopes: [String!]!, $tags: [String!], $machineId: String, $expiresAt: DateTime) {
  createApiKey(name: $name, scopes: $scopes, tags: $tags, machineId: $machineId, expiresAt: $expiresAt) {
    secret
    apiKey { id name prefix scopes tags machineId expiresAt revokedAt lastUsedAt isActive ownerId }
  }
}"""


def auth_settings(database_url: str, **overrides: Any) -> Settings:
    return make_settings(database_url, **{"auth_enabled": True, **overrides})


@asynccontextmanager
async def auth_app(
    engine: AsyncEngine, database_url: str, *, base_url: str = "http://testserver", **overrides: Any
) -> AsyncIterator[AuthApi]:
    settings = auth_settings(database_url, **overrides)
    clock = StepClock()
    app = create_app(settings, engine=engine, clock=clock)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("192.0.2.10", 40000))
        async with httpx.AsyncClient(transport=transport, base_url=base_url) as client:
            yield AuthApi(Api(client, engine, settings, clock))


@asynccontextmanager
async def live_auth_server(
    engine: AsyncEngine, database_url: str, **overrides: Any
) -> AsyncIterator[tuple[AuthApi, int]]:
    """A real uvicorn on 127.0.0.1 with authentication on (WebSocket tests); port 0 picks a free port."""
    settings = auth_settings(database_url, keep_alive_seconds=1.0, **overrides)
    clock = StepClock()
    app = create_app(settings, engine=engine, clock=clock)
    async with (
        served(app) as port,
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client,
    ):
        yield AuthApi(Api(client, engine, settings, clock)), port
