"""Hostile values a client may send anywhere it names a cursor, a filter, a moment or a JSON
value: each is the client's mistake, answered BAD_USER_INPUT naming the field (REST: 400/422),
never INTERNAL or HTTP 500 (issue 13 item 5).

Most of them once reached the database or Python's int/datetime arithmetic: a lone surrogate or
NUL the driver cannot send, a LIKE pattern SQLite finds too complex, more bind parameters than
asyncpg can send, a date-time UTC cannot hold, a change-feed cursor that is not a 64-bit number.
The services now check them with the same validators that guard writes (services/fields.py).

One app over one database serves the whole module (per database): every case is refused, and
each checks that it left every table as it found it (the local admin and one item), but for the
audit log, which journals refused writes and which no case reads.
"""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from typing import Any

import graphql
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from conftest import Api
from smooth_gql.schema import schema
from support.snapshot import api_on

NIL_ID = "00000000-0000-4000-8000-00000000abcd"
LATE = "9999-12-31T23:59:59-23:59"  # after 9999-12-31 in UTC
EARLY = "0001-01-01T00:00:00+23:59"  # before 0001-01-01 in UTC


@pytest.fixture(scope="module")
async def module_api(module_engine: AsyncEngine, module_database_url: str) -> AsyncIterator[Api]:
    """The app, and one item in its database: a list cursor or a filter then has a row to be
    compared with."""
    async with api_on(module_engine, module_database_url) as api:
        await api.gql('mutation { createToolItems(input: [{name: "a", category: HOLDER}]) { successCount } }')
        yield api


def _kept(counts: dict[str, int]) -> dict[str, int]:
    """The row counts a refused case must not change (all but the audit log's)."""
    return {name: count for name, count in counts.items() if name != "audit_log"}


@pytest.fixture
async def api(module_api: Api) -> AsyncIterator[Api]:
    """Overrides conftest's: the module's one app; the case must leave every table as it found it."""
    before = _kept(await module_api.counts())
    yield module_api
    assert _kept(await module_api.counts()) == before


def b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode("utf-8", "surrogatepass")).decode()


def list_cursor(*values: Any) -> str:
    return b64(json.dumps(list(values)))


async def gql_ascii(api: Api, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    """Like api.gql_raw, but the body as ASCII JSON: a lone surrogate goes as its `\\ud800`
    escape, as a hostile client would send it (httpx cannot encode it as UTF-8)."""
    response = await api.client.post(
        "/graphql",
        content=json.dumps({"query": query, "variables": variables}),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def assert_refused(body: dict[str, Any], field: str) -> None:
    """One BAD_USER_INPUT error naming `field`, and no INTERNAL anywhere."""
    errors = body.get("errors")
    assert errors, body
    codes = [e.get("extensions", {}).get("code") for e in errors]
    assert "INTERNAL" not in codes, errors
    assert codes[0] == "BAD_USER_INPUT", errors
    assert errors[0]["extensions"].get("field") == field, errors[0]


FEED = "query($after: String) { changesSince(after: $after) { hasMore endCursor } }"


@pytest.mark.parametrize(
    "cursor",
    [
        pytest.param(b64("chg:²"), id="superscript-digit"),
        pytest.param(b64("chg:" + "9" * 20), id="20-digits"),
        pytest.param(b64("chg:" + "1" * 5000), id="5000-digits"),
        pytest.param(b64("chg:-1"), id="negative"),
    ],
)
async def test_change_feed_cursor_that_is_no_64_bit_number(api: Api, cursor: str) -> None:
    assert_refused(await gql_ascii(api, FEED, {"after": cursor}), "after")


ITEMS = "query($after: String, $order: ToolItemOrder) { toolItems(after: $after, orderBy: $order, first: 5) { edges { cursor } } }"
BY_NAME = {"field": "NAME", "direction": "ASC"}


@pytest.mark.parametrize(
    ("cursor", "order"),
    [
        pytest.param(b64("[" * 100_000 + "]" * 100_000), None, id="nested-json"),
        pytest.param(list_cursor("name", "\ud800", NIL_ID), BY_NAME, id="surrogate-value"),
        pytest.param(
            list_cursor("created_at", "2024-01-01T00:00:00+00:00", "\ud800"), None, id="surrogate-id"
        ),
        pytest.param(list_cursor("name", "a\x00b", NIL_ID), BY_NAME, id="nul-value"),
        pytest.param(list_cursor("created_at", "2024-01-01T00:00:00+00:00", "a\x00b"), None, id="nul-id"),
        pytest.param(list_cursor("created_at", "0001-01-01T00:00:00+14:00", NIL_ID), None, id="year-0"),
        pytest.param(list_cursor("created_at", LATE, NIL_ID), None, id="year-10000"),
        pytest.param(b64("\udcff"), None, id="surrogate-cursor"),
    ],
)
async def test_list_cursor_the_database_cannot_compare(api: Api, cursor: str, order: Any) -> None:
    assert_refused(await gql_ascii(api, ITEMS, {"after": cursor, "order": order}), "after")


FILTERED = (
    "query($filter: ToolItemFilter) { toolItems(filter: $filter) { totalCount edges { node { id } } } }"
)


@pytest.mark.parametrize(
    "filter",
    [
        pytest.param({"text": "a\ud800b"}, id="surrogate-text"),
        pytest.param({"tagsAny": ["a\ud800b"]}, id="surrogate-tag"),
        pytest.param({"tagsAll": ["\udfff"]}, id="surrogate-tag-all"),
        pytest.param({"text": "%" * 70_000}, id="text-70000"),
        pytest.param({"tagsAny": ["a\x00b"]}, id="nul-tag"),
        pytest.param({"tagsAny": [f"t{i}" for i in range(40_000)]}, id="40000-tags"),
        pytest.param({"manufacturer": "\ud800"}, id="surrogate-manufacturer"),
        pytest.param({"partNumber": "x" * 70_000}, id="part-number-70000"),
        pytest.param({"updatedAfter": LATE}, id="updated-after-late"),
        pytest.param({"updatedAfter": EARLY}, id="updated-after-early"),
    ],
)
async def test_filter_the_database_cannot_take(api: Api, filter: dict[str, Any]) -> None:
    assert_refused(await gql_ascii(api, FILTERED, {"filter": filter}), "filter")


USAGE = "mutation($input: [ToolUsageCreateInput!]!) { createToolUsages(input: $input) { successCount errors { code field message } } }"


@pytest.mark.parametrize("moment", [LATE, EARLY])
async def test_usage_start_time_utc_cannot_hold(api: Api, moment: str) -> None:
    body = await api.gql_raw(USAGE, {"input": [{"startTime": moment}]})
    assert "errors" not in body, body["errors"]
    [error] = body["data"]["createToolUsages"]["errors"]
    assert (error["code"], error["field"]) == ("VALIDATION", "startTime"), error


@pytest.mark.parametrize("moment", [LATE, EARLY])
async def test_rest_key_expiry_utc_cannot_hold(api: Api, moment: str) -> None:
    response = await api.client.post(
        "/api/v1/auth/keys", json={"name": "k", "scopes": ["read"], "expires_at": moment}
    )
    assert response.status_code in (400, 422), response.text
    assert "expires" in response.text.lower(), response.text


@pytest.mark.parametrize("moment", [LATE, EARLY])
async def test_graphql_key_expiry_utc_cannot_hold(api: Api, moment: str) -> None:
    body = await api.gql_raw(
        'mutation($e: DateTime) { createApiKey(name: "k", scopes: ["read"], expiresAt: $e) { secret } }',
        {"e": moment},
    )
    assert_refused(body, "expiresAt")


@pytest.mark.parametrize("kind", ["list", "object"])
async def test_json_variable_nested_500_deep(api: Api, kind: str) -> None:
    value: Any = "leaf"
    for _ in range(500):
        value = [value] if kind == "list" else {"k": value}
    body = await api.gql_raw(
        "mutation($input: [ToolItemCreateInput!]!) { createToolItems(input: $input) { successCount errors { code field message } } }",
        {"input": [{"name": "deep", "category": "HOLDER", "geometry": value}]},
    )
    assert "errors" not in body, body["errors"]
    [error] = body["data"]["createToolItems"]["errors"]
    assert (error["code"], error["field"]) == ("VALIDATION", "geometry"), error


async def test_graphql_body_that_is_not_utf8(api: Api) -> None:
    response = await api.client.post(
        "/graphql",
        content=b'{"query": "{ __typename }", "x": "\xff\xfe"}',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400, response.text
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_subscription_sent_as_a_plain_post(api: Api) -> None:
    response = await api.client.post("/graphql", json={"query": "subscription { changes { cursor } }"})
    assert response.status_code == 400, response.text
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "BAD_REQUEST", error
    assert "subscription" in error["message"].lower(), error


@pytest.mark.parametrize("param", ["operation", "entity_type", "result", "entity_id", "user_id"])
async def test_rest_audit_filter_the_database_cannot_take(api: Api, param: str) -> None:
    response = await api.client.get("/api/v1/audit-logs", params={param: "a\x00b"})
    assert response.status_code in (400, 422), response.text


@pytest.mark.parametrize("filter", [{"operation": "a\x00b"}, {"entityType": "\ud800"}, {"result": "a\x00"}])
async def test_graphql_audit_filter_the_database_cannot_take(api: Api, filter: dict[str, Any]) -> None:
    body = await gql_ascii(
        api, "query($f: AuditLogFilter) { auditLog(filter: $f) { edges { node { id } } } }", {"f": filter}
    )
    assert_refused(body, "filter")


def test_no_input_type_nests_lists() -> None:
    """types/common.py `to_service` passes a list or dict inside a list on untouched, as part of
    a JSON value; that is right only while no argument or input field is a list of lists."""

    def nests(type_: graphql.GraphQLInputType) -> bool:
        outer = graphql.get_nullable_type(type_)
        return isinstance(outer, graphql.GraphQLList) and isinstance(
            graphql.get_nullable_type(outer.of_type), graphql.GraphQLList
        )

    every = schema._schema
    inputs = [
        (f"{name}.{field}", spec.type)
        for name, type_ in every.type_map.items()
        if isinstance(type_, graphql.GraphQLInputObjectType)
        for field, spec in type_.fields.items()
    ]
    roots = [every.query_type, every.mutation_type, every.subscription_type]
    arguments = [
        (f"{field}({arg})", spec.type)
        for root in roots
        if root is not None
        for field, definition in root.fields.items()
        for arg, spec in definition.args.items()
    ]
    assert [where for where, type_ in inputs + arguments if nests(type_)] == []
