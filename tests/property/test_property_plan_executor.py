"""The query-plan executor against graphql-core's, on generated operations: byte-identical answers.

Two apps share one seeded database, one with `executor="plan"`, the other with
`executor="graphql-core"`; every generated query goes to both, and the two HTTP bodies
must be the same bytes (data, errors with their messages, paths and locations, and the
extensions). The operations are the fuzz test's generator over the real schema (nested
selections, inline fragments on interfaces and unions, arguments as literals and variables,
hostile values that make resolvers fail) with aliases, named fragments and `@skip`/
`@include` driven by variables added here. The seeded shop has relations in every direction
and a row whose relation is gone, so nulls and errors appear inside lists and objects.
A fixed number of examples, derandomized; one seeded database per backend.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import graphql
import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncEngine
from test_graphql_fuzz import ROOTS, Draw

from conftest import Api, make_settings
from smooth_gql.app import create_app

EXAMPLES = 60
# Root fields whose answer carries the time it was made: two runs differ whoever runs them.
CLOCKED = frozenset({"exportBackup"})


class PlannedDraw(Draw):
    """The fuzz generator's selections, with aliases, named fragments and switches added."""

    def __init__(self, draw: st.DrawFn, ids: list[str], cursors: list[str]) -> None:
        super().__init__(draw, ids, cursors)
        self.typed = draw(st.integers(0, 3)) > 0  # mostly operations that execute
        self.fragments: list[str] = []

    def selection(self, type_: graphql.GraphQLOutputType, depth: int) -> str:
        text = super().selection(type_, depth)
        if not text or self.draw(st.integers(0, 2)):
            return text
        named = graphql.get_named_type(type_)
        inner = text[1:-1].strip()
        choice = self.draw(st.integers(0, 2))
        if choice == 0:  # an aliased copy of __typename and a switched field
            switch = f"v{len(self.variables)}"
            self.declarations.append(f"${switch}: Boolean!")
            self.variables[switch] = self.draw(st.booleans())
            directive = self.draw(st.sampled_from(["skip", "include"]))
            return "{ " + f"t{depth}: __typename ... @{directive}(if: ${switch}) {{ {inner} }}" + " }"
        if choice == 1 and isinstance(named, graphql.GraphQLObjectType | graphql.GraphQLInterfaceType):
            name = f"F{len(self.fragments)}"
            self.fragments.append(f"fragment {name} on {named.name} {{ {inner} }}")
            return "{ " + f"...{name} __typename" + " }"
        return "{ " + f"{inner} again{depth}: __typename" + " }"


@st.composite
def queries(draw: st.DrawFn, ids: list[str], cursors: list[str]) -> dict[str, Any]:
    root = ROOTS["query"]
    names = sorted(set(root.fields) - CLOCKED)
    builder = PlannedDraw(draw, ids, cursors)
    parts = []
    for index, name in enumerate(draw(st.lists(st.sampled_from(names), min_size=1, max_size=3))):
        field = root.fields[name]
        arguments = builder.arguments(field.args)
        parts.append(f"r{index}: {name}{arguments} {builder.selection(field.type, 1)}".strip())
    head = f"query({', '.join(builder.declarations)})" if builder.declarations else "query"
    document = " ".join([f"{head} {{ {' '.join(parts)} }}", *builder.fragments])
    return {"query": document, "variables": builder.variables}


SHOP = """
mutation($tags: [String!]) {
  items: createToolItems(input: [{id: "00000000-0000-4000-8000-000000000001", name: "holder", category: HOLDER, tags: $tags},
    {name: "cutter", category: CUTTING_TOOL, tags: $tags, geometry: {d: 6}},
    {name: "copy", category: CUTTING_TOOL, parentToolId: "00000000-0000-4000-8000-000000000001"}]) { results { id } }
}"""


async def _seed(api: Api) -> tuple[list[str], list[str]]:
    """A small shop with every relation filled in once, and the ids and cursors to aim at."""
    ids: list[str] = []

    async def made(query: str, variables: dict[str, Any]) -> str:
        [result] = (await api.gql(query, variables)).values()
        ids.extend(r["id"] for r in result["results"])
        return str(result["results"][0]["id"])

    holder = await made(SHOP, {"tags": ["a", "b"]})
    assembly = await made(
        'mutation($h: ID) { a: createToolAssemblies(input: [{name: "asm", holderId: $h}]) { results { id } } }',
        {"h": holder},
    )
    instance = await made(
        'mutation($a: ID) { i: createToolInstances(input: [{serialNumber: "SN1", toolAssemblyId: $a}]) { results { id } } }',
        {"a": assembly},
    )
    preset = await made(
        'mutation($i: ID) { p: createToolPresets(input: [{name: "T1", machineId: "mill-1", toolNumber: 1, toolInstanceId: $i}]) { results { id } } }',
        {"i": instance},
    )
    await made(
        'mutation($i: ID) { u: createToolUsages(input: [{startTime: "2024-01-01T00:00:00Z", toolInstanceId: $i, machineId: "mill-1"}]) { results { id } } }',
        {"i": instance},
    )
    await made(
        'mutation($p: [ID!]) { s: createToolSets(input: [{name: "set", type: MACHINE_SETUP, machineId: "mill-1", toolPresetIds: $p}]) { results { id } } }',
        {"p": [preset]},
    )
    await api.gql(f'mutation {{ deleteToolItems(input: [{{id: "{ids[1]}"}}]) {{ results {{ id }} }} }}')
    pages = await api.gql("{ toolItems(first: 1) { edges { cursor } } changesSince(first: 2) { endCursor } }")
    return ids, [pages["toolItems"]["edges"][0]["cursor"], pages["changesSince"]["endCursor"]]


async def _client(engine: AsyncEngine, database_url: str, executor: str) -> AsyncIterator[Api]:
    # Budgets off: each app counts its own, so extensions.cost.remaining would differ.
    settings_ = make_settings(database_url, executor=executor, points_per_minute=0)
    app = create_app(settings_, engine=engine)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield Api(client, engine, settings_)


def _examples() -> settings:
    return settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    )


async def _both(planned: Api, core: Api, request: dict[str, Any], number: int) -> tuple[bytes, bytes]:
    body = json.dumps(request)
    headers = {"content-type": "application/json", "x-request-id": f"diff-{number}"}
    answers = []
    for api in (planned, core):
        response = await api.client.post("/graphql", content=body, headers=headers)
        answers.append(response.content)
    return answers[0], answers[1]


async def test_the_plan_answers_every_generated_query_as_graphql_core_does(
    engine: AsyncEngine, database_url: str
) -> None:
    planned_apps = _client(engine, database_url, "plan")
    core_apps = _client(engine, database_url, "graphql-core")
    planned, core = await anext(planned_apps), await anext(core_apps)
    ids, cursors = await _seed(core)
    loop = asyncio.get_running_loop()
    seen = {"data": 0, "errors": 0}

    @_examples()
    @given(request=queries(ids, cursors))
    def check(request: dict[str, Any]) -> None:
        number = sum(seen.values())
        future = asyncio.run_coroutine_threadsafe(_both(planned, core, request, number), loop)
        mine, theirs = future.result(timeout=120)
        assert mine == theirs, (request, mine[:2000], theirs[:2000])
        answer = json.loads(mine)
        seen["errors" if answer.get("errors") else "data"] += 1

    try:
        await asyncio.to_thread(check)
    finally:
        for apps in (planned_apps, core_apps):
            await apps.aclose()
    # The run compared answers with data and answers with errors, not only refusals.
    assert seen["data"] > EXAMPLES // 4 and seen["errors"] > 0, seen
