"""Generated input against every bulk mutation: never a server error, never a partial write.

The inputs are drawn from the schema itself (its input types, read from the
printed SDL), so a new mutation or input field is covered without a change
here. Values mix the plausible (ids of rows that exist, their versions, valid
enum values, dates) with the hostile (empty and huge strings, NUL, lone
surrogates, 64-bit integers, NaN, unknown enum values, deep JSON, nulls where
a value is required).

For each generated request: the answer is HTTP 200 (or 400 for a body that
is not JSON at all), no error is masked as INTERNAL, and the tables moved by
exactly what the answer reports — `successCount` rows of the entity and of
the change log, one audit row per element — or by nothing at all when the
request was refused whole.

Hypothesis runs in a worker thread and hands each request to the test's event
loop, since the app and its database connections live on that loop.

The rows the requests aim at are built once per module and backend and put back
as built before each test (tests/support/snapshot.py): building them through the
API for each of the 33 tests cost more CPU than the tests' examples.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import graphql
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import Api, PostgresReset
from smooth_gql.schema import schema
from support.factories import create_ok, machine_setup
from support.snapshot import CASE_FIXTURES, Built, built_once

SDL = graphql.build_schema(str(schema))
MUTATIONS = SDL.mutation_type.fields if SDL.mutation_type else {}
TABLES = {
    "ToolItem": "tool_items",
    "ToolAssembly": "tool_assemblies",
    "ToolInstance": "tool_instances",
    "ToolPreset": "tool_presets",
    "ToolUsage": "tool_usages",
    "ToolSet": "tool_sets",
}
BULK = {
    name: TABLES[named.name.removesuffix("BulkResult")]
    for name, field in MUTATIONS.items()
    if (named := graphql.get_named_type(field.type)).name.endswith("BulkResult")
    and named.name.removesuffix("BulkResult") in TABLES
}
NASTY_TEXT = st.sampled_from(["", " ", "\x00", "a" * 5000, "\ud800", "T1", "Ø 6 × 50", "0", "null"])
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=12,
)


def fuzzing(examples: int) -> settings:
    """Hypothesis settings of every property test here and in test_property_rest.py."""
    return settings(
        max_examples=examples,
        derandomize=True,  # the same examples on every run: CI stays reproducible
        deadline=None,  # requests hit a real database on a shared machine
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


def _scalar(name: str, ids: list[str]) -> st.SearchStrategy[Any]:
    if name == "Int":
        return st.integers(-3, 5) | st.integers(-(2**64), 2**64)
    if name == "Float":
        return st.floats(allow_nan=True, allow_infinity=True) | st.integers(-10, 10)
    if name == "Boolean":
        return st.booleans()
    if name == "ID":
        return st.sampled_from(ids) | st.uuids().map(str) | NASTY_TEXT
    if name == "JSON":
        return JSON_VALUES
    if name == "DateTime":
        return st.datetimes(timezones=st.just(None)).map(lambda d: d.isoformat() + "Z") | NASTY_TEXT
    if name == "Date":
        return st.dates().map(str) | NASTY_TEXT
    return st.text(max_size=30) | NASTY_TEXT


def _value(type_: graphql.GraphQLInputType, ids: list[str], depth: int = 0) -> st.SearchStrategy[Any]:
    if isinstance(type_, graphql.GraphQLNonNull):
        inner = _value(type_.of_type, ids, depth)
        return inner | st.none() if depth == 0 else inner  # a null where one is required, at the top
    if isinstance(type_, graphql.GraphQLList):
        return st.lists(_value(type_.of_type, ids, depth + 1), max_size=3) | st.none()
    if isinstance(type_, graphql.GraphQLEnumType):
        return st.sampled_from(list(type_.values)) | st.sampled_from(["probe", "", "lowercase"]) | st.none()
    if isinstance(type_, graphql.GraphQLInputObjectType):
        fields = {name: _value(f.type, ids, depth + 1) for name, f in type_.fields.items()}
        required = {n for n, f in type_.fields.items() if isinstance(f.type, graphql.GraphQLNonNull)}
        # Required fields are usually present (so elements get past coercion), optional ones sometimes.
        return st.fixed_dictionaries(
            {n: s for n, s in fields.items() if n in required},
            optional={n: s for n, s in fields.items() if n not in required},
        )
    assert isinstance(type_, graphql.GraphQLScalarType)
    return _scalar(type_.name, ids) | st.none()


def _request(name: str, ids: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    field = MUTATIONS[name]
    [input_arg] = [a for n, a in field.args.items() if n == "input"]
    element = _value(graphql.get_nullable_type(input_arg.type).of_type, ids, depth=1)  # type: ignore[union-attr]
    return st.fixed_dictionaries(
        {"input": st.lists(element, min_size=1, max_size=4), "atomic": st.booleans()}
    )


def _document(name: str) -> str:
    input_type = str(MUTATIONS[name].args["input"].type)
    return f"""mutation($input: {input_type}, $atomic: Boolean!) {{
      result: {name}(input: $input, atomic: $atomic) {{ successCount errorCount errors {{ code message }} }}
    }}"""


async def _seed(api: Api) -> list[str]:
    """Rows of every kind to aim updates, deletes and references at."""
    presets = await machine_setup(api, 2)
    instance_ids = [
        e["node"]["id"]
        for e in (await api.gql("{ toolInstances { edges { node { id } } } }"))["toolInstances"]["edges"]
    ]
    usage = await create_ok(
        api, "ToolUsage", [{"toolInstanceId": instance_ids[0], "startTime": "2026-01-01T00:00:00Z"}]
    )
    sets = await create_ok(
        api, "ToolSet", [{"name": "set", "type": "MACHINE_SETUP", "toolPresetIds": presets}]
    )
    every: list[str] = presets + instance_ids + usage + sets
    for query in ("{ toolItems { edges { node { id } } } }", "{ toolAssemblies { edges { node { id } } } }"):
        every += [e["node"]["id"] for e in next(iter((await api.gql(query)).values()))["edges"]]
    return every


@pytest.fixture(scope="module")
async def built(
    module_database_url: str, module_reset: PostgresReset | None
) -> AsyncIterator[Built[list[str]]]:
    async with built_once(module_database_url, module_reset, _seed) as kept:
        yield kept


@pytest.fixture
def world(built: Built[list[str]]) -> list[str]:
    """The ids of the seeded rows; asking for it puts the case's database back as seeded."""
    return built.world


case_db, database_url, engine = CASE_FIXTURES
SEEDED_FIXTURES = (built, world)  # test_property_rest.py aims at the same rows


async def _attempt(api: Api, name: str, table: str, variables: dict[str, Any]) -> None:
    before = await api.counts()
    body = json.dumps({"query": _document(name), "variables": variables})  # NaN goes out as bare NaN
    response = await api.client.post("/graphql", content=body, headers={"content-type": "application/json"})
    after = await api.counts()
    moved = {t: after[t] - before[t] for t in after if after[t] != before[t]}
    assert response.status_code in (200, 400), (response.status_code, response.text[:500])
    if response.status_code == 400:  # not JSON at all (NaN): refused before anything ran
        assert moved == {}, moved
        return
    answer = response.json()
    codes = [e.get("extensions", {}).get("code") for e in answer.get("errors") or []]
    assert "INTERNAL" not in codes, answer
    result = (answer.get("data") or {}).get("result")
    if result is None:  # refused whole (coercion, limits): nothing may have been written
        assert moved == {}, (answer, moved)
        return
    assert "INTERNAL" not in {e["code"] for e in result["errors"]}, result
    if variables["atomic"] and result["errorCount"]:
        assert moved == {}, (result, moved)
        return
    elements = len(variables["input"])
    assert result["successCount"] + result["errorCount"] == elements, result
    assert moved.get("audit_log", 0) == elements, (result, moved)
    assert moved.get("change_log", 0) == result["successCount"], (result, moved)
    expected_rows = {"create": result["successCount"], "update": 0, "delete": -result["successCount"]}
    assert moved.get(table, 0) == expected_rows[name[:6]], (result, moved)


@pytest.mark.parametrize("name", sorted(BULK))
async def test_generated_input_never_fails_the_server_nor_writes_half(
    api: Api, world: list[str], name: str
) -> None:
    ids = world  # the name `check` has always used: its source seeds the derandomized examples
    loop = asyncio.get_running_loop()

    @fuzzing(examples=20)
    @given(variables=_request(name, [*ids, str(uuid.uuid4())]))
    def check(variables: dict[str, Any]) -> None:
        asyncio.run_coroutine_threadsafe(_attempt(api, name, BULK[name], variables), loop).result(timeout=60)

    await asyncio.to_thread(check)


def test_every_bulk_mutation_is_covered() -> None:
    """The generator found the bulk mutations by their result types: all eighteen."""
    assert len(BULK) == 18
    assert {n[:6] for n in BULK} == {"create", "update", "delete"}


# --- the other mutations: accounts, keys, backups, restores -------------------------------------

OTHERS = sorted(set(MUTATIONS) - set(BULK))


def _arguments(name: str, ids: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    args = MUTATIONS[name].args
    required = {n for n, a in args.items() if isinstance(a.type, graphql.GraphQLNonNull)}
    return st.fixed_dictionaries(
        {n: _value(a.type, ids) for n, a in args.items() if n in required},
        optional={n: _value(a.type, ids) for n, a in args.items() if n not in required},
    )


def _call(name: str, variables: dict[str, Any]) -> str:
    field = MUTATIONS[name]
    declared = ", ".join(f"${n}: {field.args[n].type}" for n in variables)
    passed = ", ".join(f"{n}: ${n}" for n in variables)
    selection = (
        "{ __typename }"
        if isinstance(
            graphql.get_named_type(field.type), graphql.GraphQLObjectType | graphql.GraphQLUnionType
        )
        else ""
    )
    head = f"mutation({declared})" if declared else "mutation"
    return f"{head} {{ result: {name}{f'({passed})' if passed else ''} {selection} }}"


async def _attempt_other(api: Api, name: str, variables: dict[str, Any]) -> None:
    body = json.dumps({"query": _call(name, variables), "variables": variables})
    response = await api.client.post("/graphql", content=body, headers={"content-type": "application/json"})
    assert response.status_code in (200, 400), (response.status_code, response.text[:500])
    if response.status_code == 200:
        codes = [e.get("extensions", {}).get("code") for e in response.json().get("errors") or []]
        assert "INTERNAL" not in codes, response.text[:1000]


@pytest.mark.parametrize("name", OTHERS)
async def test_generated_arguments_never_fail_the_server(api: Api, world: list[str], name: str) -> None:
    """Accounts, keys, backup import, tool-set restore: whatever arrives, the answer is a
    client error or a result, never INTERNAL (their writes are checked by their own tests)."""
    ids = world  # (as above)
    loop = asyncio.get_running_loop()

    @fuzzing(examples=15)
    @given(variables=_arguments(name, [*ids, str(uuid.uuid4())]))
    def check(variables: dict[str, Any]) -> None:
        asyncio.run_coroutine_threadsafe(_attempt_other(api, name, variables), loop).result(timeout=60)

    await asyncio.to_thread(check)


def test_every_mutation_is_generated_for() -> None:
    assert set(BULK) | set(OTHERS) == set(MUTATIONS) and len(OTHERS) >= 10
