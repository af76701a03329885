"""The GraphQL endpoint's HTTP front: what counts as a GraphQL request, and how refusals look.

Strawberry's view trusts the decoded body to be an object: a bare JSON string
or number, or `null`, crashes it into a 500. Here every malformed request is
the client's mistake, answered 400 with a message naming what is wrong, in
the JSON error shape of `http_guards`. Batching (a JSON array of operations)
is not enabled, so an array is refused too.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cached_property
from typing import Any

from cross_web import AsyncHTTPRequestAdapter, HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocketDisconnect
from strawberry.asgi import ASGIWebSocketAdapter, GraphQL
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData, GraphQLRequestProtocol
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.http.parse_content_type import parse_content_type
from strawberry.http.streaming import HTTPStreamTransport

from .context import Context
from .http_guards import error_response
from .ide import graphiql_page
from .json_codec import dumps
from .ws_handlers import LegacyWSHandler, TransportWSHandler


def graphql_request(data: object, protocol: GraphQLRequestProtocol) -> GraphQLRequestData:
    """One operation from a decoded JSON body, or HTTPException 400 saying what is wrong."""
    if isinstance(data, list):
        raise HTTPException(400, "Batching is not enabled: send one operation per request.")
    if not isinstance(data, dict):
        raise HTTPException(
            400, f"The request body must be a JSON object with a `query`, not {_json_kind(data)}."
        )
    query = _query(data)
    for key in ("variables", "extensions"):
        if not isinstance(data.get(key), dict | None):
            raise HTTPException(400, f"`{key}` must be an object or null, not {_json_kind(data[key])}.")
    operation_name = data.get("operationName")
    if not isinstance(operation_name, str | None):
        raise HTTPException(
            400, f"`operationName` must be a string or null, not {_json_kind(operation_name)}."
        )
    return GraphQLRequestData(
        query=query,
        variables=data.get("variables"),
        operation_name=operation_name,
        extensions=data.get("extensions"),
        protocol=protocol,
    )


def _query(data: dict[str, Any]) -> str | None:
    """The document's text; None only for a request naming a trusted document by its hash
    (the persisted-query extension, which `trusted_gate` checks)."""
    if "query" not in data:
        extensions = data.get("extensions")
        if isinstance(extensions, dict) and extensions.get("persistedQuery") is not None:
            return None
        raise HTTPException(400, "The request has no `query`.")
    query = data["query"]
    if not isinstance(query, str):
        raise HTTPException(400, f"`query` must be a string holding the document, not {_json_kind(query)}.")
    if not query.strip():
        raise HTTPException(400, "`query` is empty.")
    return query


def _json_kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def budget_refusal(response: GraphQLHTTPResponse | list[GraphQLHTTPResponse]) -> int | None:
    """The seconds to wait of a response refused before execution with RATE_LIMITED, else None
    (a resolver's RATE_LIMITED, such as a throttled login, has a path and keeps its 200)."""
    errors = response.get("errors") if isinstance(response, dict) else None
    for error in errors or ():
        extensions = (error.get("extensions") if isinstance(error, dict) else None) or {}
        if extensions.get("code") == "RATE_LIMITED" and isinstance(error, dict) and not error.get("path"):
            retry_after = extensions.get("retryAfter")
            return retry_after if isinstance(retry_after, int) else 1
    return None


class TextFrameWebSocket(ASGIWebSocketAdapter):
    """Sends every WebSocket message as a text frame.

    graphql-transport-ws and graphql-ws are text protocols: the stock clients
    (`graphql-ws` in JavaScript, Python's `gql`, GraphiQL) refuse binary frames.
    Strawberry sends bytes as a binary frame, and the view's `encode_json`
    returns orjson's bytes for the HTTP bodies, so the frames are decoded here.
    """

    async def send_json(self, message: Mapping[str, object]) -> None:
        try:
            await self.ws.send_text(dumps(message).decode())
        except WebSocketDisconnect as exc:
            raise WebSocketDisconnected from exc


class GraphQLView(GraphQL[Context, None]):
    """Strawberry's ASGI view with malformed requests refused as client errors.

    `__call__` is Strawberry's own but for the refusal's shape (Strawberry
    answers its HTTPException in plain text). `parse_http_body` takes over only
    for JSON POST bodies, and finds the transport a request asks for (SSE) the
    way Strawberry does, through its public transport classes rather than its
    private lookup — `test_feed_sse` fails if the two ever disagree.
    """

    websocket_adapter_class = TextFrameWebSocket
    # A malformed WebSocket message closes its connection with 4400 (ws_handlers.py).
    graphql_transport_ws_handler_class = TransportWSHandler
    graphql_ws_handler_class = LegacyWSHandler

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        try:
            response = await self.run(Request(scope, receive))
        except HTTPException as refusal:
            response = error_response(refusal.status_code, refusal.reason)
        await response(scope, receive, send)

    async def render_graphql_ide(self, request: Request) -> Response:
        """GraphiQL from the package's own files (Strawberry's page loads them from CDNs)."""
        return graphiql_page(request)

    def create_response(
        self, response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse], sub_response: Response
    ) -> Response:
        """An operation refused whole for its caller's budget answers 429 with Retry-After, the
        GraphQL body unchanged: what HTTP clients, proxies and the stock `gql` client understand."""
        response = super().create_response(response_data, sub_response)
        retry_after = budget_refusal(response_data)
        if retry_after is not None:
            response.status_code = 429
            response.headers["Retry-After"] = str(retry_after)
        return response

    def encode_json(self, data: object) -> bytes:
        return dumps(data)

    def decode_json(self, data: str | bytes) -> object:
        try:
            return super().decode_json(data)
        except RecursionError:
            # Nested beyond the parser's reach is a malformed body (400), not a crash.
            raise json.JSONDecodeError("nested too deeply", "", 0) from None
        except UnicodeDecodeError as error:
            # JSON is UTF-8 (RFC 8259): other bytes are a malformed body too.
            raise json.JSONDecodeError(f"not UTF-8: {error.reason}", "", error.start) from None

    async def parse_http_body(
        self, request: AsyncHTTPRequestAdapter
    ) -> GraphQLRequestData | list[GraphQLRequestData]:
        content_type, _ = parse_content_type(request.content_type or "")
        if request.method != "POST" or "application/json" not in content_type:
            return await super().parse_http_body(request)  # GET parameters; other types are refused
        return graphql_request(self.parse_json(await request.get_body()), self.request_protocol(request))

    @cached_property
    def stream_transports(self) -> tuple[HTTPStreamTransport, ...]:
        """The streaming transports this view serves (SSE, multipart), from Strawberry's
        public settings: the view's `protocols` and `stream_transport_classes_by_protocol`."""
        classes = self.stream_transport_classes_by_protocol
        return tuple(classes[protocol]() for protocol in self.protocols if protocol in classes)

    def request_protocol(self, request: AsyncHTTPRequestAdapter) -> GraphQLRequestProtocol:
        """The transport a request asks for in its `Accept` header (SSE, multipart), else
        plain HTTP: Strawberry's own choice, made with the transports' public `accepts`."""
        accept = next((value for key, value in request.headers.items() if key.lower() == "accept"), "")
        return next((t.protocol for t in self.stream_transports if t.accepts(accept)), "http")
