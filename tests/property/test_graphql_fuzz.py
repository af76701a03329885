"""Generated GraphQL documents and variables over the real schema: never INTERNAL, never 5xx.

Each example is one request: one or two root fields of `Query` or `Mutation`
(now and then a subscription, which a plain POST must refuse), random
selections down the output types (inline fragments on interfaces and unions,
`__typename`), and arguments of the right type and of the wrong one, passed
as variables or written as literals. Values mix the plausible (ids of stored
rows, cursors the server issued, valid enum values and moments) with the
hostile (NUL, lone surrogates, 70,000-character strings, 2^70, moments UTC
cannot hold, base64 of anything as a cursor, JSON nested 500 deep).

Every answer must be a result or a client error: HTTP status below 500, every
GraphQL error with an `extensions.code` and none of them `INTERNAL`; and the
server still answers `/health` and a plain query afterwards. It runs with an
admin's session and with a key limited by scopes, tags and a machine, on
SQLite and PostgreSQL, through the in-process ASGI app.

The schema is walked as graphql-core's GraphQLSchema, so a new field or
argument is fuzzed without a change here. Hypothesis runs in a worker thread
and hands each request to the test's event loop (as in
test_property_mutations.py); `derandomize` keeps the examples the same on
every run.
"""

from __future__ import annotations

import asyncio
import base64
import json
import uuid
from typing import Any

import graphql
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smooth_gql.schema import schema
from support.auth import AuthApi, Creds

SCHEMA: graphql.GraphQLSchema = schema._schema
ROOTS: dict[str, graphql.GraphQLObjectType] = {
    kind: root
    for kind, root in (
        ("query", SCHEMA.query_type),
        ("mutation", SCHEMA.mutation_type),
        ("subscription", SCHEMA.subscription_type),
    )
    if root is not None
}
# Mutations that end the caller's own credentials would leave the rest of a run unauthenticated.
ENDS_CREDENTIALS = frozenset({"logout", "changePassword"})
EXAMPLES = 200
MAX_DEPTH = 4

HOSTILE_TEXT = st.sampled_from(
    ["", " ", "\x00", "a\x00b", "\ud800", "x\udfffy", "%_\\", "²", "Ø 6 × 50", "a" * 70_000, "null", "0"]
)
# Surrogates included (Hypothesis leaves them out by default); the hostile ones twice as often.
TEXT = st.text(st.characters(exclude_categories=()), max_size=12) | HOSTILE_TEXT | HOSTILE_TEXT
BIG_INTS = st.sampled_from([2**31, -(2**31) - 1, 2**63, -(2**63) - 1, 2**70, 10**400])
INTS = st.integers(-3, 1001) | st.integers(0, 5) | st.integers(-3, 1001) | BIG_INTS
FLOATS = st.floats(allow_nan=False, allow_infinity=False) | st.sampled_from([1e308, -0.0, 1e-320])
MOMENTS = st.sampled_from(
    [
        "2024-01-01T00:00:00Z",
        "2024-06-30T12:00:00+02:00",
        "9999-12-31T23:59:59-23:59",
        "0001-01-01T00:00:00+23:59",
        "0001-01-01T00:00:00+14:00",
        "9999-12-31T23:59:59.999999+00:00",
        "2024-02-30T00:00:00Z",
        "yesterday",
    ]
) | st.datetimes().map(lambda d: d.isoformat() + "Z")
DATES = st.sampled_from(["2024-01-01", "0001-01-01", "9999-12-31", "2024-13-01", ""]) | st.dates().map(str)


def _nested(depth: int, leaf: Any = 1) -> Any:
    value = leaf
    for level in range(depth):
        value = [value] if level % 2 else {"k": value}
    return value


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | INTS | FLOATS | TEXT,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(TEXT, children, max_size=3),
    max_leaves=8,
) | st.sampled_from([_nested(40), _nested(500)])


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode("utf-8", "surrogatepass")).decode()


def _cursors(issued: list[str]) -> st.SearchStrategy[str]:
    forged = st.one_of(
        st.sampled_from(["chg:²", "chg:" + "9" * 20, "chg:" + "1" * 5000, "chg:-1", "chg:", "[" * 5000]).map(
            _b64
        ),
        st.integers(-(2**70), 2**70).map(lambda n: _b64(f"chg:{n}")),
        st.lists(st.none() | INTS | TEXT | MOMENTS, max_size=4).map(lambda v: _b64(json.dumps(v))),
        st.tuples(st.sampled_from(["created_at", "updated_at", "name", "start_time"]), TEXT | MOMENTS).map(
            lambda p: _b64(json.dumps([p[0], p[1], str(uuid.uuid4())]))
        ),
        st.binary(max_size=12).map(lambda b: base64.urlsafe_b64encode(b).decode()),
    )
    return (st.sampled_from(issued) if issued else forged) | forged | TEXT


def _scalar(name: str, ids: list[str]) -> st.SearchStrategy[Any]:
    if name == "Int":
        return INTS
    if name == "Float":
        return FLOATS | INTS
    if name == "Boolean":
        return st.booleans()
    if name == "ID":
        return st.sampled_from(ids) | st.uuids().map(str) | TEXT
    if name == "JSON":
        return JSON_VALUES
    if name == "DateTime":
        return MOMENTS | TEXT
    if name == "Date":
        return DATES
    return TEXT


# Any JSON at all: what a confused or hostile client sends where something else is typed.
WRONG = (
    st.none()
    | st.booleans()
    | INTS
    | FLOATS
    | TEXT
    | st.lists(INTS | TEXT, max_size=3)
    | st.fixed_dictionaries({}, optional={"a": INTS, "name": TEXT, "id": st.uuids().map(str)})
)


class Draw:
    """Builds one request from Hypothesis's `draw`: the document text and its variables."""

    def __init__(self, draw: st.DrawFn, ids: list[str], cursors: list[str]) -> None:
        self.draw = draw
        # Half the requests keep to the schema's types (hostile values inside them reach the
        # resolvers and services); the other half also break the types (refused by coercion).
        self.typed = draw(st.booleans())
        self.ids = ids
        self.cursors = cursors
        self.variables: dict[str, Any] = {}
        self.declarations: list[str] = []

    # --- argument values -----------------------------------------------------------

    def value(self, type_: graphql.GraphQLInputType, name: str, depth: int = 0) -> Any:
        """A value for `type_`: usually of that type, sometimes anything at all."""
        if not self.typed and self.draw(st.integers(0, 9)) == 0:
            return self.draw(WRONG)
        if isinstance(type_, graphql.GraphQLNonNull):
            return self.value(type_.of_type, name, depth)
        if self.draw(st.integers(0, 29)) == 0:
            return None
        if isinstance(type_, graphql.GraphQLList):
            if self.draw(st.integers(0, 20)) == 0 and (name.startswith("tags") or not self.typed):
                return [f"t{i}" for i in range(40_000 if name.startswith("tags") else 200)]
            return [self.value(type_.of_type, name, depth + 1) for _ in range(self.draw(st.integers(0, 3)))]
        if isinstance(type_, graphql.GraphQLEnumType):
            return self.draw(st.sampled_from([*type_.values, *([] if self.typed else ["probe", "lower"])]))
        if isinstance(type_, graphql.GraphQLInputObjectType):
            out: dict[str, Any] = {}
            for field_name, field in type_.fields.items():
                required = isinstance(field.type, graphql.GraphQLNonNull)
                if (required and (self.typed or self.draw(st.integers(0, 9)) > 0)) or (
                    not required and depth < 3 and self.draw(st.booleans())
                ):
                    out[field_name] = self.value(field.type, field_name, depth + 1)
            return out
        assert isinstance(type_, graphql.GraphQLScalarType)
        if name in ("after", "before", "cursor"):
            return self.draw(_cursors(self.cursors))
        if self.typed and type_.name == "Int":
            return self.draw(st.integers(-3, 1001) | st.sampled_from([2**31 - 1, -(2**31)]))
        return self.draw(_scalar(type_.name, self.ids))

    def arguments(self, args: dict[str, graphql.GraphQLArgument]) -> str:
        passed: list[str] = []
        for name, arg in args.items():
            required = isinstance(arg.type, graphql.GraphQLNonNull) and arg.default_value is graphql.Undefined
            if not required and not self.draw(st.booleans()):
                continue
            if required and not self.typed and self.draw(st.integers(0, 9)) == 0:
                continue  # a required argument left out
            value = self.value(arg.type, name)
            if self.draw(st.booleans()):
                variable = f"v{len(self.variables)}"
                self.declarations.append(f"${variable}: {arg.type}")
                self.variables[variable] = value
                passed.append(f"{name}: ${variable}")
            else:
                passed.append(f"{name}: {literal(value, arg.type)}")
        return f"({', '.join(passed)})" if passed else ""

    # --- selections --------------------------------------------------------------------

    def selection(self, type_: graphql.GraphQLOutputType, depth: int) -> str:
        named = graphql.get_named_type(type_)
        if isinstance(named, graphql.GraphQLScalarType | graphql.GraphQLEnumType):
            return ""
        if depth >= MAX_DEPTH:
            return "{ __typename }"
        parts: list[str] = []
        if isinstance(named, graphql.GraphQLObjectType | graphql.GraphQLInterfaceType):
            names = sorted(named.fields)
            chosen = self.draw(st.lists(st.sampled_from(names), min_size=1, max_size=4, unique=True))
            for field_name in chosen:
                field = named.fields[field_name]
                arguments = self.arguments(field.args) if field.args else ""
                parts.append(f"{field_name}{arguments} {self.selection(field.type, depth + 1)}".strip())
        possible: list[graphql.GraphQLObjectType] = []
        if isinstance(named, graphql.GraphQLUnionType):
            possible = list(named.types)
        elif isinstance(named, graphql.GraphQLInterfaceType):
            possible = list(SCHEMA.get_possible_types(named))
        if possible:
            for member in self.draw(
                st.lists(st.sampled_from(possible), max_size=2, unique_by=lambda t: t.name)
            ):
                parts.append(f"... on {member.name} {self.selection(member, depth + 1)}")
        if not parts or self.draw(st.integers(0, 4)) == 0:
            parts.append("__typename")
        return "{ " + " ".join(parts) + " }"


def literal(value: Any, type_: graphql.GraphQLInputType) -> str:
    """`value` written as a GraphQL literal (enum names bare when the type is an enum)."""
    named = graphql.get_named_type(type_)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value) if not isinstance(value, float) or value == value else "0"
    if isinstance(value, str):
        if isinstance(named, graphql.GraphQLEnumType) and value.isidentifier() and value.isascii():
            return value
        return json.dumps(value)  # JSON's escapes are GraphQL's; a lone surrogate stays \\udXXX
    if isinstance(value, list):
        inner = graphql.get_nullable_type(type_)
        element = inner.of_type if isinstance(inner, graphql.GraphQLList) else type_
        return "[" + ", ".join(literal(v, element) for v in value) + "]"
    if isinstance(value, dict):
        fields = named.fields if isinstance(named, graphql.GraphQLInputObjectType) else {}
        entries = []
        for key, inner_value in value.items():
            name = key if key.isidentifier() and key.isascii() else f"k{len(entries)}"
            entries.append(f"{name}: {literal(inner_value, fields[key].type if key in fields else type_)}")
        return "{" + ", ".join(entries) + "}"
    raise AssertionError(type(value))


@st.composite
def requests(draw: st.DrawFn, ids: list[str], cursors: list[str]) -> dict[str, Any]:
    kind = draw(st.sampled_from(["query"] * 5 + ["mutation"] * 4 + ["subscription"]))
    root = ROOTS[kind]
    # Lists, the change feed and the audit log take cursors and filters, where hostile strings
    # and moments reach SQL: they are drawn four times as often as the other fields.
    names = [
        name
        for name in sorted(set(root.fields) - ENDS_CREDENTIALS)
        for _ in range(4 if {"after", "filter"} & set(root.fields[name].args) else 1)
    ]
    builder = Draw(draw, ids, cursors)
    parts = []
    for index, name in enumerate(draw(st.lists(st.sampled_from(names), min_size=1, max_size=2))):
        field = root.fields[name]
        arguments = builder.arguments(field.args)
        parts.append(f"r{index}: {name}{arguments} {builder.selection(field.type, 1)}".strip())
    head = f"{kind}({', '.join(builder.declarations)})" if builder.declarations else kind
    return {"query": f"{head} {{ {' '.join(parts)} }}", "variables": builder.variables}


# --- the run ---------------------------------------------------------------------------------

SEED = """
mutation($tags: [String!]) {
  items: createToolItems(input: [{name: "holder", category: HOLDER, tags: $tags},
                                 {name: "cutter", category: CUTTING_TOOL, tags: $tags}]) { results { id } }
}"""


async def _seed(auth: AuthApi, admin: Creds) -> tuple[list[str], list[str]]:
    """A small shop (one of everything, tagged for the limited key, on its machine): ids to aim
    at, and cursors the server issued."""
    ids: list[str] = []

    async def made(query: str, variables: dict[str, Any]) -> str:
        data = await auth.ok(query, variables, admin)
        [result] = data.values()
        new = [r["id"] for r in result["results"]]
        ids.extend(new)
        return str(new[0])

    holder = await made(SEED, {"tags": ["fuzz"]})
    ids.append(
        (await auth.ok("{ toolItems(first: 5) { edges { node { id } } } }", creds=admin))["toolItems"][
            "edges"
        ][-1]["node"]["id"]
    )
    assembly = await made(
        'mutation($h: ID) { a: createToolAssemblies(input: [{name: "asm", holderId: $h, tags: ["fuzz"]}]) { results { id } } }',
        {"h": holder},
    )
    instance = await made(
        'mutation($a: ID) { i: createToolInstances(input: [{serialNumber: "SN1", toolAssemblyId: $a, tags: ["fuzz"]}]) { results { id } } }',
        {"a": assembly},
    )
    preset = await made(
        'mutation($i: ID) { p: createToolPresets(input: [{name: "T1", machineId: "mill-1", toolNumber: 1, toolInstanceId: $i, tags: ["fuzz"]}]) { results { id } } }',
        {"i": instance},
    )
    await made(
        'mutation($i: ID) { u: createToolUsages(input: [{startTime: "2024-01-01T00:00:00Z", toolInstanceId: $i, machineId: "mill-1"}]) { results { id } } }',
        {"i": instance},
    )
    await made(
        'mutation($p: [ID!]) { s: createToolSets(input: [{name: "set", type: MACHINE_SETUP, machineId: "mill-1", toolPresetIds: $p, tags: ["fuzz"]}]) { results { id } } }',
        {"p": [preset]},
    )
    pages = await auth.ok(
        "{ toolItems(first: 1) { edges { cursor } } byName: toolItems(first: 1, orderBy: {field: NAME}) { edges { cursor } }"
        " auditLog(first: 1) { edges { cursor } } changesSince(first: 1) { endCursor } }",
        creds=admin,
    )
    cursors = [
        pages["toolItems"]["edges"][0]["cursor"],
        pages["byName"]["edges"][0]["cursor"],
        pages["auditLog"]["edges"][0]["cursor"],
        pages["changesSince"]["endCursor"],
    ]
    return ids, cursors


def _fuzzing() -> settings:
    return settings(
        max_examples=EXAMPLES,
        derandomize=True,  # the same examples on every run: CI stays reproducible
        deadline=None,  # requests hit a real database on a shared machine
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    )


async def _attempt(auth: AuthApi, creds: Creds, request: dict[str, Any]) -> None:
    body = json.dumps(request)  # ASCII: a lone surrogate goes as its escape, as a client would send it
    try:
        response = await auth.client.post(
            "/graphql", content=body, headers={"content-type": "application/json", **creds.as_headers()}
        )
    finally:
        auth.client.cookies.clear()
    assert response.status_code < 500, (response.status_code, response.text[:1000], request["query"])
    if response.headers.get("content-type", "").startswith("application/json"):
        answer = response.json()
        for error in answer.get("errors") or []:
            code = (error.get("extensions") or {}).get("code")
            assert code is not None and code != "INTERNAL", (
                error,
                request["query"],
                str(request["variables"])[:500],
            )


@pytest.mark.parametrize("who", ["admin", "limited key"])
async def test_generated_documents_never_fail_the_server(auth: AuthApi, who: str) -> None:
    await auth.register("admin@shop.example")
    admin = await auth.login("admin@shop.example")
    ids, cursors = await _seed(auth, admin)
    creds = admin
    if who == "limited key":
        key_id, creds = await auth.key(
            admin, ["read", "write:presets", "write:usage"], tags=["fuzz"], machineId="mill-1"
        )
        ids.append(key_id)
    loop = asyncio.get_running_loop()

    @_fuzzing()
    @given(request=requests(ids, cursors))
    def check(request: dict[str, Any]) -> None:
        asyncio.run_coroutine_threadsafe(_attempt(auth, creds, request), loop).result(timeout=120)

    await asyncio.to_thread(check)

    health = await auth.client.get("/health")
    assert health.status_code == 200, health.text
    assert (await auth.ok("{ __typename }", creds=admin)) == {"__typename": "Query"}


def test_the_generator_reaches_every_root_field() -> None:
    """Every query and mutation is in reach of the generator (all but the two that would end
    the caller's session), and a subscription is among the kinds it sends."""
    assert set(ROOTS) == {"query", "mutation", "subscription"}
    assert set(ROOTS["mutation"].fields) >= ENDS_CREDENTIALS
    assert len(ROOTS["query"].fields) > 15 and len(ROOTS["mutation"].fields) > 20
