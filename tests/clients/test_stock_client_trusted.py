"""Python's `gql`, unchanged, with a trusted-documents-only key against `smooth-gql serve`.

`gql` sends the document's printed text with every request, and the extensions
a `GraphQLRequest` carries: the persisted-query hash of that text. Registered,
the printed text is served over HTTP and WebSocket; an ad-hoc document is refused.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from typing import Any

import pytest
from gql import Client, GraphQLRequest
from gql.transport.aiohttp import AIOHTTPTransport
from gql.transport.exceptions import TransportQueryError
from gql.transport.websockets import WebsocketsTransport
from graphql import parse, print_ast
from sqlalchemy.ext.asyncio import AsyncEngine

from support.auth import LOGIN, PASSWORD
from support.stock_server import ADMIN, StockServer, stock_server

ITEMS = print_ast(parse("query Items { toolItems { totalCount } }"))
KEY = 'mutation { createApiKey(name: "kiosk", scopes: ["read"], trustedDocumentsOnly: true) { secret } }'
REGISTER = "mutation($d: [String!]!) { registerTrustedDocuments(documents: $d) { sha256Hash } }"


@pytest.fixture
async def trusted_key(
    engine: AsyncEngine, database_url: str
) -> AsyncIterator[tuple[StockServer, dict[str, str]]]:
    """The server, with ITEMS registered by its admin, and a trusted-documents-only key's header."""
    async with stock_server(database_url) as served:
        url, client = served.graphql_url, served.client
        await client.post(url, json={"query": LOGIN, "variables": {"email": ADMIN, "password": PASSWORD}})
        registered = await client.post(url, json={"query": REGISTER, "variables": {"d": [ITEMS]}})
        assert "errors" not in registered.json(), registered.text
        made = (await client.post(url, json={"query": KEY})).json()
        client.cookies.clear()
        yield served, {"Authorization": f"Bearer {made['data']['createApiKey']['secret']}"}


def _request(text: str) -> GraphQLRequest:
    sha256 = hashlib.sha256(text.encode()).hexdigest()
    return GraphQLRequest(text, extensions={"persistedQuery": {"version": 1, "sha256Hash": sha256}})


async def _run(client: Client, text: str) -> Any:
    async with client as session:
        return await session.execute(_request(text))


@pytest.mark.parametrize("transport", ["http", "websocket"])
async def test_gql_runs_registered_documents_only(
    trusted_key: tuple[StockServer, dict[str, str]], transport: str
) -> None:
    served, bearer = trusted_key

    def client() -> Client:
        if transport == "http":
            return Client(transport=AIOHTTPTransport(url=served.graphql_url, headers=bearer, ssl=False))
        # graphql-transport-ws: the legacy graphql-ws protocol runs subscriptions only.
        protocols = [WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL]
        return Client(
            transport=WebsocketsTransport(url=served.ws_url, headers=bearer, subprotocols=protocols)
        )

    assert await _run(client(), ITEMS) == {"toolItems": {"totalCount": 0}}
    with pytest.raises(TransportQueryError) as refused:
        await _run(client(), print_ast(parse("{ toolItems { totalCount } }")))
    assert refused.value.errors is not None
    assert refused.value.errors[0]["extensions"]["code"] == "FORBIDDEN"
