"""Bulk mutations under the plan executor against graphql-core's: byte-identical answers.

Under `executor="plan"` a bulk write's variables are coerced by precomputed coercers and its
root field runs from the coerced arguments (planner/mutation.py); under `graphql-core` they
go through graphql-core's coercion and Strawberry's resolver. Hypothesis sends the same
requests to both apps — any of the 18 bulk mutations, its `input` as a variable or written as
a literal, well formed or wrong in one place (wrong types, nulls in non-null positions,
unknown and missing fields, bad enum names, nested input errors, a lone object for the list,
lists longer than the limit), `atomic` either way — and the HTTP bodies must be the same
bytes: data, errors with their messages, paths and locations, extensions.

The two apps write to two databases of their own (copies on SQLite, two fresh databases on
PostgreSQL), both empty at the start and sent the same requests in the same order, so a
write that succeeds in one succeeds in the other, and a uniqueness refusal (a serial number,
a tool number) is met in both. The selections leave out what differs between two databases
(ids the server makes, timestamps); the ids clients send come from a small pool, so updates
and deletes find rows. A fixed number of examples, derandomized.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import graphql
import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from conftest import BACKENDS, make_settings
from smooth_gql.app import create_app
from smooth_gql.db.engine import create_engine
from smooth_gql.db.migrate import upgrade
from smooth_gql.graphql_bulk_guard import BULK_WRITE
from smooth_gql.schema import schema
from support.input_values import raw_value

EXAMPLES = 60
MAX_ITEMS = 3  # the apps' max_bulk_items, so that a longer list is refused
MUTATION = schema._schema.mutation_type
assert MUTATION is not None
BULK = sorted(
    name
    for name, field in MUTATION.fields.items()
    if BULK_WRITE in field.extensions["strawberry-definition"].metadata
)


def _selection(name: str) -> str:
    """The answer's counts, errors and the entities' version, tags and every scalar a client
    sends to the create (the rest are the server's: ids, owners, timestamps, which differ
    between the two databases)."""
    payload = graphql.get_named_type(MUTATION.fields[name].type)
    entity = graphql.get_named_type(payload.fields["results"].type)  # type: ignore[union-attr]
    create = MUTATION.fields[
        f"create{name.removeprefix('update').removeprefix('delete').removeprefix('create')}"
    ]
    sent = graphql.get_named_type(create.args["input"].type).fields  # type: ignore[union-attr]
    leaves = [
        field
        for field, definition in entity.fields.items()  # type: ignore[union-attr]
        if field in sent and field != "id" and graphql.is_leaf_type(graphql.get_named_type(definition.type))
    ]
    return (
        f"{{ successCount errorCount results {{ __typename version tags {' '.join(leaves)} }} "
        "errors { __typename index id code message field } }"
    )


SELECTIONS = {name: _selection(name) for name in BULK}


@pytest.fixture(params=BACKENDS)
def two_databases(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """Two empty, migrated databases: one per executor."""
    if request.param == "sqlite":
        urls = []
        for name in ("plan", "core"):
            path = tmp_path / f"{name}.db"
            shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
            urls.append(f"sqlite+aiosqlite:///{path}")
        yield urls[0], urls[1]
        return
    server = str(request.getfixturevalue("postgres_url")).rpartition("/")[0]
    names = [f"smooth_plan_{uuid.uuid4().hex[:10]}" for _ in range(2)]

    async def admin(*statements: str) -> None:
        engine = create_async_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
        async with engine.connect() as conn:
            for statement in statements:
                await conn.execute(text(statement))
        await engine.dispose()

    async def migrate(url: str) -> None:
        engine = create_engine(url)
        await upgrade(engine)
        await engine.dispose()

    asyncio.run(admin(*(f'CREATE DATABASE "{name}"' for name in names)))
    try:
        for name in names:
            asyncio.run(migrate(f"{server}/{name}"))
        yield f"{server}/{names[0]}", f"{server}/{names[1]}"
    finally:
        asyncio.run(admin(*(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)' for name in names)))


async def _client(database_url: str, executor: str) -> AsyncIterator[httpx.AsyncClient]:
    # Budgets off: each app counts its own, so extensions.cost.remaining would differ.
    settings_ = make_settings(database_url, executor=executor, points_per_minute=0, max_bulk_items=MAX_ITEMS)
    engine = create_engine(database_url)
    app = create_app(settings_, engine=engine)
    try:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
                yield client
    finally:
        await engine.dispose()


def literal(value: Any, type_: graphql.GraphQLInputType) -> str:
    """`value` written in the document: enum names bare where the type is an enum, the rest
    as GraphQL writes JSON (object keys unquoted)."""
    named = graphql.get_nullable_type(type_)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        item = named.of_type if isinstance(named, graphql.GraphQLList) else named
        return "[" + ", ".join(literal(v, item) for v in value) + "]"
    if isinstance(value, dict):
        fields = named.fields if isinstance(named, graphql.GraphQLInputObjectType) else {}
        parts = [
            f"{key}: {literal(v, fields[key].type if key in fields else named)}" for key, v in value.items()
        ]
        return "{" + ", ".join(parts) + "}"
    if isinstance(named, graphql.GraphQLEnumType) and isinstance(value, str) and value.isidentifier():
        return value
    return json.dumps(value)


@st.composite
def bulk_field(draw: st.DrawFn, key: str, declarations: list[str], variables: dict[str, Any]) -> str:
    """One bulk mutation as the root field `key`, its input a variable or a literal."""
    # Half of them create items or assemblies, which need no other row, so that there are
    # rows for the updates and deletes that follow (the ids come from a small pool).
    name = draw(st.sampled_from(["createToolItems", "createToolAssemblies"]) | st.sampled_from(BULK))
    input_type = MUTATION.fields[name].args["input"].type
    item = raw_value(graphql.get_nullable_type(input_type).of_type, rare=40)  # type: ignore[union-attr]
    value = draw(st.one_of(st.lists(item, min_size=1, max_size=MAX_ITEMS + 1), item, st.just([])))
    atomic = draw(st.sampled_from(["", ", atomic: true", ", atomic: false"]))
    if draw(st.booleans()):
        declarations.append(f"${key}: {input_type}")
        variables[key] = value
        return f"{key}: {name}(input: ${key}{atomic}) {SELECTIONS[name]}"
    return f"{key}: {name}(input: {literal(value, input_type)}{atomic}) {SELECTIONS[name]}"


@st.composite
def bulk_requests(draw: st.DrawFn) -> dict[str, Any]:
    """A bulk mutation as `r`; now and then a second one after it, or `__typename`, so that
    root fields run one after another (a failing one does not stop the next)."""
    declarations: list[str] = []
    variables: dict[str, Any] = {}
    fields = [draw(bulk_field("r", declarations, variables))]
    more = draw(st.sampled_from(["", "", "", "typename", "second"]))
    if more == "typename":
        fields.append("t: __typename")
    elif more == "second":
        fields.append(draw(bulk_field("s", declarations, variables)))
    head = f"mutation({', '.join(declarations)})" if declarations else "mutation"
    return {"query": f"{head} {{ {' '.join(fields)} }}", "variables": variables}


def _examples() -> settings:
    return settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


async def test_bulk_mutations_answer_the_same_under_both_executors(two_databases: tuple[str, str]) -> None:
    plan_clients = _client(two_databases[0], "plan")
    core_clients = _client(two_databases[1], "graphql-core")
    planned, core = await anext(plan_clients), await anext(core_clients)
    loop = asyncio.get_running_loop()
    seen = {"written": 0, "refused": 0, "request errors": 0}

    async def both(request: dict[str, Any], number: int) -> tuple[bytes, bytes]:
        body = json.dumps(request)
        headers = {"content-type": "application/json", "x-request-id": f"diff-{number}"}
        mine = await planned.post("/graphql", content=body, headers=headers)
        theirs = await core.post("/graphql", content=body, headers=headers)
        return mine.content, theirs.content

    @_examples()
    @given(request=bulk_requests())
    def check(request: dict[str, Any]) -> None:
        future = asyncio.run_coroutine_threadsafe(both(request, sum(seen.values())), loop)
        mine, theirs = future.result(timeout=120)
        assert mine == theirs, (request, mine[:2000], theirs[:2000])
        answer = json.loads(mine)
        if answer.get("errors"):
            seen["request errors"] += 1
        else:
            seen["written" if answer["data"]["r"]["successCount"] else "refused"] += 1

    try:
        await asyncio.to_thread(check)
    finally:
        for clients in (plan_clients, core_clients):
            await clients.aclose()
    # Writes that happened, elements refused by the services, and requests refused whole.
    assert min(seen.values()) >= 5, seen
