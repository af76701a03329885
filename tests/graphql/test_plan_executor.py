"""The query-plan executor's own rules: what it plans, what it leaves to graphql-core, the bound
and the memory of its cache. (Its answers are compared with graphql-core's in
tests/property/test_property_plan_executor.py, and every GraphQL test runs under both executors.)"""

from __future__ import annotations

import gc
import tracemalloc
from types import SimpleNamespace
from typing import Any

import pytest
from graphql import DocumentNode, GraphQLObjectType, parse

from conftest import Api
from smooth_gql.config import Settings
from smooth_gql.planner.cache import PlanCache, plan_cache
from smooth_gql.planner.executor import PlanExecutor
from smooth_gql.planner.plan import _direct_resolver
from smooth_gql.schema import schema

SCHEMA = schema._schema
MACHINE_VIEW = """
query View%(n)d($machine: String!, $full: Boolean!) {
  p%(n)d: toolPresets(filter: {machineId: $machine}, first: 100) {
    edges { cursor node {
      id name toolNumber pocket offsets parameters version
      toolInstance @include(if: $full) {
        id serialNumber status
        toolAssembly { id name components { role position item { id name category partNumber geometry } } }
      }
    } }
    pageInfo { hasNextPage endCursor } totalCount
  }
  changesSince(first: 10) { changes { entity { __typename ... on Entity { id version } ... on ToolItem { name } } } }
}"""


def _context(size: int = 256, executor: str = "plan") -> Any:
    """What the executor reads off our Context: the app's settings."""
    return SimpleNamespace(
        runtime=SimpleNamespace(settings=Settings(query_cache_size=size, executor=executor))
    )


def _executor(document: str | DocumentNode, variables: dict[str, Any], context: Any) -> PlanExecutor:
    parsed = parse(document) if isinstance(document, str) else document
    built = PlanExecutor.build(SCHEMA, parsed, None, context, variables)
    assert isinstance(built, PlanExecutor), built
    return built


def _planned(document: str | DocumentNode, variables: dict[str, Any] | None = None, size: int = 256) -> bool:
    """Whether the operation would run from a plan (and its plan is now cached)."""
    executor = _executor(document, variables or {}, _context(size))
    serially = False if executor.operation.operation.value == "subscription" else None
    return executor._plan(serially) is not None


def test_queries_subscription_events_and_mutations_are_planned() -> None:
    assert _planned(MACHINE_VIEW % {"n": 0}, {"machine": "m", "full": True})
    assert _planned("subscription { changes { cursor entity { __typename } } }")
    # Its root fields run one after another from the plan (PlanExecutor._execute_serially).
    assert _planned('mutation { deleteToolItems(input: [{id: "x"}]) { results { id } } }')


def test_resolver_methods_without_arguments_are_called_past_strawberrys_wrapper() -> None:
    """The machine view's relations (five resolver calls per preset) are called straight
    from the plan; a field with arguments, or one that only reads an attribute, is not
    (the differential test checks that the answers and errors are graphql-core's)."""
    preset, query = SCHEMA.type_map["ToolPreset"], SCHEMA.query_type
    assert isinstance(preset, GraphQLObjectType) and query is not None
    assert all(
        _direct_resolver(SCHEMA.type_map[t].fields[f]) is not None  # type: ignore[attr-defined]
        for t, f in [
            ("ToolPreset", "toolInstance"),
            ("ToolInstance", "toolAssembly"),
            ("ToolAssembly", "components"),
            ("AssemblyComponent", "item"),
        ]
    )
    assert _direct_resolver(query.fields["toolItems"]) is None  # arguments: Strawberry converts
    assert _direct_resolver(preset.fields["name"]) is None  # an attribute: the plan reads it


def test_only_string_and_id_leaves_pass_a_str_through_uncoerced() -> None:
    """graphql-core's String and ID coercions return a str as it is, so the plan skips them;
    an enum's str values map to the names its coercion gives; a custom scalar or an Int
    still coerces."""
    document = "{ toolItems(first: 1) { edges { node { id name category createdAt version } } } }"
    plan = _executor(document, {}, _context())._plan(None)
    assert plan is not None
    edges = plan.fields[0].type.of.objects["ToolItemConnection"].fields[0]  # type: ignore[union-attr,index]
    node = edges.type.of.of.of.objects["ToolItemEdge"].fields[0]  # type: ignore[union-attr,index]
    leaves = node.type.of.objects["ToolItem"].fields  # type: ignore[union-attr,index]
    assert {f.name: f.str_is_itself for f in leaves} == {
        "id": True,
        "name": True,
        "category": False,
        "createdAt": False,
        "version": False,
    }
    # An enum's str values map to their names, as the enum's own coercion gives them.
    category = next(f for f in leaves if f.name == "category")
    assert category.str_names and all(category.coerce(v) == n for v, n in category.str_names.items())  # type: ignore[misc]


def test_a_mutation_coerces_its_arguments_on_every_request() -> None:
    """A query's literal arguments are coerced once and kept in its plan; a write's are not: a
    write may keep or change what it is given, so each request gets its own, as graphql-core's."""
    document = 'mutation { restoreToolSetVersion(toolSetId: "x", version: 1) { id } }'
    plan = _executor(document, {}, _context(256))._plan(None)
    assert plan is not None and [field.static_args for field in plan.fields] == [None]
    query = _executor('{ toolItem(id: "x") { id } }', {}, _context(256))._plan(None)
    assert query is not None and [field.static_args for field in query.fields] == [{"id": "x"}]


@pytest.mark.parametrize(
    "document",
    [
        "{ __schema { types { name } } }",
        '{ __type(name: "ToolItem") { name } toolItems { totalCount } }',
    ],
)
def test_introspection_is_left_to_graphql_core(document: str) -> None:
    assert not _planned(document)


def test_a_plan_is_kept_per_value_of_the_switches_and_only_those() -> None:
    document = MACHINE_VIEW % {"n": 1}
    cache = plan_cache(SCHEMA, 256)
    operation = parse(document).definitions[0]
    assert _planned(document, {"machine": "a", "full": True})
    planned, found = cache.lookup(operation, (), {"machine": "b", "full": True})  # type: ignore[arg-type]
    assert found and planned is not None, "another machine is the same plan: arguments are per request"
    _, found = cache.lookup(operation, (), {"machine": "a", "full": False})  # type: ignore[arg-type]
    assert not found, "@include(if: false) collects other fields: another plan"


def test_the_cache_is_bounded() -> None:
    cache = PlanCache(2)
    for n in range(3):
        operation = parse(MACHINE_VIEW % {"n": n}).definitions[0]
        key, found = cache.lookup(operation, (), {"full": True})  # type: ignore[arg-type]
        assert not found
        cache.store(key, None)
    assert len(cache) == 2


def test_a_thousand_distinct_operations_keep_their_plans_in_under_50_mb() -> None:
    """Issue 18's bound, measured with tracemalloc after a collection: what the 1,000 plans
    add to their documents (which the parse cache keeps, bounded by the same setting)."""
    size = 1000
    documents = [parse(MACHINE_VIEW % {"n": n + 10_000}) for n in range(size)]
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for document in documents:
            assert _planned(document, {"machine": "m", "full": True}, size=size)
        gc.collect()
        kept = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert len(plan_cache(SCHEMA, size)) == size
    print(f"plan cache, {size} distinct operations: {kept / 2**20:.1f} MB")
    assert kept < 50 * 2**20


async def test_the_setting_picks_the_executor(api: Api) -> None:
    """An app with executor="graphql-core" never plans; its answers are the plan's (the
    differential test compares them at length)."""
    planned, core = _context(), _context(executor="graphql-core")
    document = "{ toolItems(first: 1) { totalCount } }"
    assert _executor(document, {}, planned)._plan(None) is not None
    assert _executor(document, {}, core)._plan(None) is None
    assert (await api.gql(document)) == {"toolItems": {"totalCount": 0}}
