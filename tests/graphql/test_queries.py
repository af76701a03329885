"""Every read of the six entities over HTTP: lookups by id, Relay connections
(paging, ordering, limits, cursors), each filter field, and `allTenants`.

The seven rows of each entity that the paging and ordering cases walk (`seed`) are
written once per module and database (tests/support/snapshot.py) and put back as
written before each case that asks for them (`world`); the other cases start from an
empty database, as before.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import text

from conftest import Api, PostgresReset
from support.factories import create_ok, item
from support.snapshot import CASE_FIXTURES, Built, built_once
from support.users import insert_user

TIME_KEYS = ("createdAt", "updatedAt", "startTime")

# Sort values with duplicates, so ties (broken by id) are part of every walk.
NAMES = ["delta", "alpha", "charlie", "alpha", "bravo", "delta", "echo"]
STATUSES = ["RETIRED", "AVAILABLE", "IN_USE", "AVAILABLE", "MAINTENANCE", "RETIRED", "NEEDS_INSPECTION"]
MACHINES = ["mill-2", "lathe-1", "mill-1", "lathe-1", "mill-2", "drill-1", "mill-1"]
# Index 4 is the same instant as index 2, written with another offset.
STARTS = [
    "2024-03-01T08:00:00+00:00",
    "2024-01-01T08:00:00+00:00",
    "2024-02-01T08:00:00+00:00",
    "2024-01-01T08:00:00+00:00",
    "2024-02-01T10:00:00+02:00",
    "2023-12-31T23:59:59.500000+00:00",
    "2024-05-01T08:00:00+00:00",
]


@dataclass(frozen=True)
class Entity:
    type: str  # GraphQL type name
    one: str  # lookup by id
    many: str  # connection
    update: str  # bulk update mutation
    table: str
    sorts: dict[str, str]  # orderBy field -> node key holding the sorted value
    seed: Callable[[int], dict[str, Any]]  # the i-th row of a test data set

    @property
    def node_fields(self) -> str:
        return " ".join(["id", *sorted(set(self.sorts.values()) | {"createdAt", "updatedAt"})])

    def __str__(self) -> str:
        return self.type


TIMES = {"CREATED_AT": "createdAt", "UPDATED_AT": "updatedAt"}
ENTITIES = [
    Entity(
        "ToolItem",
        "toolItem",
        "toolItems",
        "updateToolItems",
        "tool_items",
        {**TIMES, "NAME": "name"},
        lambda i: {"name": NAMES[i]},
    ),
    Entity(
        "ToolAssembly",
        "toolAssembly",
        "toolAssemblies",
        "updateToolAssemblies",
        "tool_assemblies",
        {**TIMES, "NAME": "name"},
        lambda i: {"name": NAMES[i]},
    ),
    Entity(
        "ToolInstance",
        "toolInstance",
        "toolInstances",
        "updateToolInstances",
        "tool_instances",
        {**TIMES, "STATUS": "status"},
        lambda i: {"serialNumber": f"SN-{i}", "status": STATUSES[i]},
    ),
    Entity(
        "ToolPreset",
        "toolPreset",
        "toolPresets",
        "updateToolPresets",
        "tool_presets",
        {**TIMES, "NAME": "name", "MACHINE_ID": "machineId"},
        lambda i: {"name": NAMES[i], "machineId": MACHINES[i], "toolNumber": i + 1},
    ),
    Entity(
        "ToolUsage",
        "toolUsage",
        "toolUsages",
        "updateToolUsages",
        "tool_usages",
        {**TIMES, "START_TIME": "startTime"},
        lambda i: {"startTime": STARTS[i], "programName": f"O{1000 + i}"},
    ),
    Entity(
        "ToolSet",
        "toolSet",
        "toolSets",
        "updateToolSets",
        "tool_sets",
        {**TIMES, "NAME": "name"},
        lambda i: {"name": NAMES[i], "type": "TEMPLATE"},
    ),
]
BY_TYPE = {e.type: e for e in ENTITIES}
each_entity = pytest.mark.parametrize("entity", ENTITIES, ids=str)


def list_query(entity: Entity, fields: str) -> str:
    return f"""
    query($first: Int, $after: String, $orderBy: {entity.type}Order, $filter: {entity.type}Filter,
          $allTenants: Boolean! = false) {{
      page: {entity.many}(first: $first, after: $after, orderBy: $orderBy, filter: $filter, allTenants: $allTenants) {{
        totalCount
        edges {{ cursor node {{ {fields} }} }}
        pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor }}
      }}
    }}"""


def cursor_of(values: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode()


def sort_key(key: str, created: list[dict[str, Any]]) -> Callable[[dict[str, Any]], tuple[Any, int]]:
    """A list's order: the sort field, ties in creation order (`created`, the default order)."""
    position = {node["id"]: index for index, node in enumerate(created)}

    def of(node: dict[str, Any]) -> tuple[Any, int]:
        value = node[key]
        return (datetime.fromisoformat(value) if key in TIME_KEYS else value, position[node["id"]])

    return of


async def walk(
    api: Api,
    entity: Entity,
    *,
    first: int,
    order_by: dict[str, str] | None = None,
    filter: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """All nodes of a connection, page by page, checking pageInfo on every page."""
    query = list_query(entity, entity.node_fields)
    nodes: list[dict[str, Any]] = []
    after: str | None = None
    total: int | None = None
    for _ in range(200):
        page = (
            await api.gql(query, {"first": first, "after": after, "orderBy": order_by, "filter": filter})
        )["page"]
        edges, info = page["edges"], page["pageInfo"]
        total = page["totalCount"] if total is None else total
        assert page["totalCount"] == total, "totalCount must not depend on the page"
        assert len(edges) <= first
        assert info["hasPreviousPage"] is (after is not None)
        assert info["startCursor"] == (edges[0]["cursor"] if edges else None)
        assert info["endCursor"] == (edges[-1]["cursor"] if edges else None)
        nodes.extend(e["node"] for e in edges)
        if not info["hasNextPage"]:
            break
        assert len(edges) == first
        after = info["endCursor"]
    else:
        pytest.fail("paging did not end")
    ids = [n["id"] for n in nodes]
    assert len(ids) == len(set(ids)) == total, "every row exactly once"
    return nodes


async def seed(api: Api, entity: Entity, count: int = 7) -> list[str]:
    """`count` rows, each in its own request (so creation order is known), then
    rows 3 and 0 updated in that order so updatedAt order differs from creation order."""
    ids = [(await create_ok(api, entity.type, [entity.seed(i)]))[0] for i in range(count)]
    for index in (3, 0):
        await touch(api, entity, ids[index])
    return ids


Seeded = dict[str, list[str]]  # entity type -> its rows' ids, in creation order


async def seed_all(api: Api) -> Seeded:
    return {entity.type: await seed(api, entity) for entity in ENTITIES}


@pytest.fixture(scope="module")
async def built(module_database_url: str, module_reset: PostgresReset | None) -> AsyncIterator[Built[Seeded]]:
    async with built_once(module_database_url, module_reset, seed_all) as built:
        yield built


case_db, database_url, engine = CASE_FIXTURES


@pytest.fixture
def world(built: Built[Seeded]) -> Seeded:
    """`seed`'s rows of every entity (each case reads one entity's: its list shows no other)."""
    return built.world


async def touch(api: Api, entity: Entity, row_id: str, version: int = 1) -> str:
    """Update a row (tags only); return its new updatedAt."""
    data = await api.gql(
        f"""mutation($input: [{entity.type}UpdateInput!]!) {{
          result: {entity.update}(input: $input) {{ successCount results {{ updatedAt }} errors {{ message }} }}
        }}""",
        {"input": [{"id": row_id, "expectedVersion": version, "tags": ["touched"]}]},
    )
    assert data["result"]["successCount"] == 1, data["result"]["errors"]
    return str(data["result"]["results"][0]["updatedAt"])


async def matching(api: Api, entity: Entity, filter: dict[str, Any]) -> set[str]:
    """Ids a filter selects; totalCount must agree with the rows returned."""
    page = (await api.gql(list_query(entity, "id"), {"filter": filter, "first": 1000}))["page"]
    ids = {e["node"]["id"] for e in page["edges"]}
    assert page["totalCount"] == len(ids) == len(page["edges"]), filter
    return ids


async def single_error(api: Api, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    body = await api.gql_raw(query, variables)
    assert body.get("data") is None, body
    [error] = body["errors"]
    return error  # type: ignore[no-any-return]


# --- lookups by id ------------------------------------------------------------------


async def test_each_lookup_returns_its_row_and_unknown_ids_are_null(api: Api) -> None:
    ids = {e.type: (await create_ok(api, e.type, [e.seed(0)]))[0] for e in ENTITIES}
    selection = " ".join(
        f'{e.one}: {e.one}(id: "{ids[e.type]}") {{ id version createdAt }}' for e in ENTITIES
    )
    found = await api.gql(f"{{ {selection} }}")
    for e in ENTITIES:
        assert found[e.one]["id"] == ids[e.type]
        assert found[e.one]["version"] == 1

    stranger = str(uuid.uuid4())
    for unknown in (stranger, "not-a-uuid"):
        selection = " ".join(f'{e.one}: {e.one}(id: "{unknown}") {{ id }}' for e in ENTITIES)
        assert await api.gql(f"{{ {selection} }}") == {e.one: None for e in ENTITIES}


async def test_lookup_returns_the_stored_fields(api: Api) -> None:
    [set_id] = await create_ok(
        api,
        "ToolSet",
        [
            {
                "name": "Job 42",
                "type": "JOB_SPECIFIC",
                "status": "ACTIVE",
                "isGlobal": True,
                "machineId": "mill-1",
                "jobId": "J-42",
                "members": [{"slot": 1}],
                "capacity": {"max": 20},
                "tags": ["job"],
            }
        ],
    )
    got = (
        await api.gql(
            "query($id: ID!) { toolSet(id: $id) { name type status isGlobal machineId jobId members capacity tags } }",
            {"id": set_id},
        )
    )["toolSet"]
    assert got == {
        "name": "Job 42",
        "type": "JOB_SPECIFIC",
        "status": "ACTIVE",
        "isGlobal": True,
        "machineId": "mill-1",
        "jobId": "J-42",
        "members": [{"slot": 1}],
        "capacity": {"max": 20},
        "tags": ["job"],
    }


# --- connections: paging and ordering ---------------------------------------------------


@each_entity
async def test_default_order_is_creation_order_and_pages_visit_every_row_once(
    api: Api, world: Seeded, entity: Entity
) -> None:
    ids = world[entity.type]
    for first in (1, 3, 7, 100):
        nodes = await walk(api, entity, first=first)
        assert [n["id"] for n in nodes] == ids, f"first={first}"


@each_entity
async def test_every_order_field_and_direction_pages_through_every_row_once(
    api: Api, world: Seeded, entity: Entity
) -> None:
    everything = await walk(api, entity, first=100)
    for field, key in entity.sorts.items():
        for direction in ("ASC", "DESC"):
            nodes = await walk(api, entity, first=2, order_by={"field": field, "direction": direction})
            expected = sorted(everything, key=sort_key(key, everything), reverse=direction == "DESC")
            assert [n["id"] for n in nodes] == [n["id"] for n in expected], f"{field} {direction}"


async def test_order_direction_defaults_to_ascending(api: Api, world: Seeded) -> None:
    entity = BY_TYPE["ToolItem"]
    implicit = await walk(api, entity, first=3, order_by={"field": "NAME"})
    explicit = await walk(api, entity, first=3, order_by={"field": "NAME", "direction": "ASC"})
    assert [n["name"] for n in implicit] == sorted(NAMES)
    assert implicit == explicit


async def test_rows_created_in_one_batch_still_page_exactly_once(api: Api) -> None:
    """One bulk create gives every row the same createdAt: creation order breaks the tie."""
    entity = BY_TYPE["ToolItem"]
    ids = await create_ok(api, "ToolItem", [{"name": "same"} for _ in range(9)])
    for order_by in (None, {"field": "NAME"}, {"field": "UPDATED_AT", "direction": "DESC"}):
        nodes = await walk(api, entity, first=2, order_by=order_by)
        assert sorted(n["id"] for n in nodes) == sorted(ids)
    default = await walk(api, entity, first=4)
    assert [n["id"] for n in default] == ids


async def test_page_info_and_total_count(api: Api) -> None:
    query = list_query(BY_TYPE["ToolItem"], "id")
    empty = (await api.gql(query, {}))["page"]
    assert empty == {
        "totalCount": 0,
        "edges": [],
        "pageInfo": {"hasNextPage": False, "hasPreviousPage": False, "startCursor": None, "endCursor": None},
    }

    ids = await create_ok(api, "ToolItem", [{"name": f"item {i}"} for i in range(5)])
    first_page = (await api.gql(query, {"first": 2}))["page"]
    assert first_page["totalCount"] == 5
    assert first_page["pageInfo"]["hasNextPage"] is True
    assert first_page["pageInfo"]["hasPreviousPage"] is False

    nothing = (await api.gql(query, {"first": 0}))["page"]
    assert nothing["edges"] == []
    assert nothing["totalCount"] == 5
    assert nothing["pageInfo"] == {
        "hasNextPage": True,
        "hasPreviousPage": False,
        "startCursor": None,
        "endCursor": None,
    }

    whole = (await api.gql(query, {"first": 5}))["page"]
    assert sorted(e["node"]["id"] for e in whole["edges"]) == sorted(ids)
    assert whole["pageInfo"]["hasNextPage"] is False

    past_the_end = (await api.gql(query, {"first": 5, "after": whole["pageInfo"]["endCursor"]}))["page"]
    assert past_the_end["edges"] == []
    assert past_the_end["totalCount"] == 5
    assert past_the_end["pageInfo"] == {
        "hasNextPage": False,
        "hasPreviousPage": True,
        "startCursor": None,
        "endCursor": None,
    }


async def test_first_defaults_to_the_default_page_size(api: Api) -> None:
    await create_ok(
        api, "ToolItem", [{"name": f"item {i}"} for i in range(api.settings.default_page_size + 1)]
    )
    page = (await api.gql(list_query(BY_TYPE["ToolItem"], "id"), {}))["page"]
    assert len(page["edges"]) == api.settings.default_page_size
    assert page["pageInfo"]["hasNextPage"] is True
    assert page["totalCount"] == api.settings.default_page_size + 1


async def test_first_over_the_maximum_or_negative_is_bad_user_input(api: Api) -> None:
    assert api.settings.max_page_size == 1000
    for entity in ENTITIES:
        query = list_query(entity, "id")
        assert (await api.gql(query, {"first": 1000}))["page"]["totalCount"] == 0
        for first, limit in ((1001, {"limit": {"name": "maxPageSize", "value": 1000}}), (-1, {})):
            error = await single_error(api, query, {"first": first})
            expected = {"code": "BAD_USER_INPUT", "field": "first", **limit}
            assert error["extensions"] == expected, (entity.type, first)
            assert error["path"] == ["page"]


GARBAGE_CURSORS = [
    "garbage",
    "%%%",
    base64.urlsafe_b64encode(b"not json").decode(),
    cursor_of({"created_at": "2024-01-01T00:00:00+00:00"}),
    cursor_of(["created_at", "2024-01-01T00:00:00+00:00"]),
    cursor_of(["created_at", "2024-01-01T00:00:00+00:00", str(uuid.uuid4()), 3]),
    cursor_of(["created_at", None, str(uuid.uuid4())]),
    cursor_of(["created_at", "2024-01-01T00:00:00+00:00", 17]),
    cursor_of(["created_at", "2024-01-01T00:00:00+00:00", "3", str(uuid.uuid4())]),
    cursor_of(["created_at", "2024-01-01T00:00:00+00:00", True, str(uuid.uuid4())]),
    cursor_of(["created_at", "2024-01-01T00:00:00+00:00", 2**70, str(uuid.uuid4())]),
    cursor_of(["created_at", "yesterday", str(uuid.uuid4())]),
    cursor_of(["updated_at", "2024-01-01T00:00:00+00:00", str(uuid.uuid4())]),
]


async def test_garbage_after_cursor_is_bad_user_input(api: Api) -> None:
    for entity in ENTITIES:
        await create_ok(api, entity.type, [entity.seed(0)])
        query = list_query(entity, "id")
        for cursor in GARBAGE_CURSORS:
            error = await single_error(api, query, {"after": cursor})
            assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "after"}, (entity.type, cursor)


async def test_a_cursor_is_refused_under_another_order(api: Api, world: Seeded) -> None:
    entity = BY_TYPE["ToolItem"]
    query = list_query(entity, "id")
    for issued, replayed in (("NAME", "CREATED_AT"), ("CREATED_AT", "NAME"), ("CREATED_AT", "UPDATED_AT")):
        page = (await api.gql(query, {"first": 2, "orderBy": {"field": issued}}))["page"]
        error = await single_error(
            api, query, {"after": page["pageInfo"]["endCursor"], "orderBy": {"field": replayed}}
        )
        assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "after"}, (issued, replayed)


async def test_cursor_whose_value_has_the_wrong_type_for_the_sort_is_bad_user_input(api: Api) -> None:
    """A forged cursor is a client mistake: never an internal error, never a silently served page."""
    ids = await create_ok(api, "ToolItem", [{"name": name} for name in NAMES[:3]])
    query = list_query(BY_TYPE["ToolItem"], "id")
    outcomes = {}
    for value in (123, True, 1.5, ["alpha"], {"name": "alpha"}):
        body = await api.gql_raw(
            query, {"after": cursor_of(["name", value, 1, ids[0]]), "orderBy": {"field": "NAME"}}
        )
        outcomes[repr(value)] = body["errors"][0]["extensions"] if "errors" in body else "a page of data"
    assert outcomes == {key: {"code": "BAD_USER_INPUT", "field": "after"} for key in outcomes}


# --- filters common to all six ------------------------------------------------------------


@each_entity
async def test_tags_any_and_tags_all(api: Api, entity: Entity) -> None:
    tag_sets = [["a", "b"], ["b", "c"], ["c"], []]
    ids = await create_ok(
        api, entity.type, [{**entity.seed(i), "tags": tags} for i, tags in enumerate(tag_sets)]
    )
    expectations = [
        ({"tagsAny": ["a", "c"]}, {0, 1, 2}),
        ({"tagsAny": ["b"]}, {0, 1}),
        ({"tagsAny": ["zzz"]}, set()),
        ({"tagsAll": ["b", "c"]}, {1}),
        ({"tagsAll": ["a", "b"]}, {0}),
        ({"tagsAll": ["c"]}, {1, 2}),
        ({"tagsAll": ["a", "c"]}, set()),
        ({"tagsAll": ["b", "b"]}, {0, 1}),
        ({"tagsAny": ["a", "b"], "tagsAll": ["c"]}, {1}),
    ]
    for filter, rows in expectations:
        assert await matching(api, entity, filter) == {ids[i] for i in rows}, filter


@each_entity
async def test_updated_after(api: Api, entity: Entity) -> None:
    ids = await create_ok(api, entity.type, [entity.seed(i) for i in range(3)])
    created = (await api.gql(f'{{ row: {entity.one}(id: "{ids[2]}") {{ updatedAt }} }}'))["row"]["updatedAt"]
    updated = await touch(api, entity, ids[1])
    created_at = datetime.fromisoformat(created)

    assert await matching(api, entity, {"updatedAfter": created}) == {ids[1]}
    assert await matching(api, entity, {"updatedAfter": updated}) == set(), "strictly after"
    in_berlin = created_at.astimezone(timezone(timedelta(hours=2))).isoformat()
    assert await matching(api, entity, {"updatedAfter": in_berlin}) == {ids[1]}, (
        "offsets are converted to UTC"
    )
    earlier = (created_at - timedelta(seconds=1)).isoformat()
    assert await matching(api, entity, {"updatedAfter": earlier}) == set(ids)


@each_entity
async def test_an_empty_filter_selects_everything(api: Api, entity: Entity) -> None:
    ids = await create_ok(api, entity.type, [entity.seed(i) for i in range(3)])
    assert await matching(api, entity, {}) == set(ids)


# --- filters of each entity ------------------------------------------------------------------


async def test_tool_item_filters(api: Api) -> None:
    entity = BY_TYPE["ToolItem"]
    end_mill, drill, holder, probe = await create_ok(
        api,
        "ToolItem",
        [
            {
                "name": "Carbide End Mill 10",
                "description": "Four flute",
                "manufacturer": "Sandvik",
                "partNumber": "CM-10",
                "category": "CUTTING_TOOL",
                "toolType": "END_MILL",
            },
            {
                "name": "HSS Drill 5",
                "description": "for steel, 100% coolant",
                "manufacturer": "Guhring",
                "partNumber": "DR-5",
                "category": "CUTTING_TOOL",
                "toolType": "DRILL",
            },
            {"name": "ER32 Holder", "manufacturer": "Sandvik", "partNumber": "ER_32", "category": "HOLDER"},
            {"name": "Probe", "category": "PROBE", "toolType": "PROBE"},
        ],
    )
    expectations = [
        ({"text": "end mill"}, {end_mill}),  # name, any case
        ({"text": "cm-1"}, {end_mill}),  # part number
        ({"text": "FLUTE"}, {end_mill}),  # description
        ({"text": "D"}, {end_mill, drill, holder}),
        ({"text": "100%"}, {drill}),  # % is literal
        ({"text": "%"}, {drill}),
        ({"text": "_"}, {holder}),  # _ is literal
        ({"text": "sandvik"}, set()),  # manufacturer is not searched as text
        ({"manufacturer": "Sandvik"}, {end_mill, holder}),
        ({"manufacturer": "Walter"}, set()),
        ({"partNumber": "DR-5"}, {drill}),
        ({"partNumber": "DR"}, set()),  # exact, not contains
        ({"category": "CUTTING_TOOL"}, {end_mill, drill}),
        ({"category": "HOLDER"}, {holder}),
        ({"category": "INSERT"}, set()),
        ({"toolType": "DRILL"}, {drill}),
        ({"toolType": "PROBE"}, {probe}),
        ({"category": "CUTTING_TOOL", "manufacturer": "Sandvik"}, {end_mill}),  # fields combine with AND
        ({"text": None, "category": None}, {end_mill, drill, holder, probe}),  # null means "no filter"
    ]
    for filter, expected in expectations:
        assert await matching(api, entity, filter) == expected, filter


async def test_text_filter_ignores_case_beyond_ascii(api: Api) -> None:
    """Shops name tools in their own language: "FRÄSER" must find "Fräser" on either database."""
    entity = BY_TYPE["ToolItem"]
    cutter, _ = await create_ok(api, "ToolItem", [{"name": "Fräser Ø10"}, {"name": "Bohrer"}])
    outcomes = {
        text: await matching(api, entity, {"text": text}) for text in ("fräser", "FRÄSER", "ø10", "Ø10")
    }
    assert outcomes == {text: {cutter} for text in outcomes}


async def test_tool_assembly_filters(api: Api) -> None:
    entity = BY_TYPE["ToolAssembly"]
    shrink, collet, hydraulic = await create_ok(
        api,
        "ToolAssembly",
        [
            {"name": "Shrink Fit 12", "description": "for HSS"},
            {"name": "Collet chuck ER32"},
            {"name": "Hydraulic 20", "description": "HIGH precision, 100% tested"},
        ],
    )
    expectations = [
        ({"text": "shrink"}, {shrink}),
        ({"text": "er32"}, {collet}),
        ({"text": "high PRECISION"}, {hydraulic}),
        ({"text": "hss"}, {shrink}),
        ({"text": "%"}, {hydraulic}),
        ({"text": "2"}, {shrink, collet, hydraulic}),
        ({"text": "zzz"}, set()),
    ]
    for filter, expected in expectations:
        assert await matching(api, entity, filter) == expected, filter


async def test_tool_instance_filters(api: Api) -> None:
    entity = BY_TYPE["ToolInstance"]
    mill = await item(api, name="mill")
    drill = await item(api, name="drill")
    [assembly] = await create_ok(api, "ToolAssembly", [{"name": "a", "holderId": mill}])
    first, second, third = await create_ok(
        api,
        "ToolInstance",
        [
            {"serialNumber": "SN-A-001", "toolItemId": mill, "status": "IN_USE"},
            {"serialNumber": "sn-b-002", "toolItemId": drill, "toolAssemblyId": assembly},
            {"serialNumber": "SN_C_003", "toolAssemblyId": assembly, "status": "RETIRED"},
        ],
    )
    expectations = [
        ({"text": "sn-"}, {first, second}),
        ({"text": "B-00"}, {second}),
        ({"text": "_"}, {third}),
        ({"serialNumber": "SN-A-001"}, {first}),
        ({"serialNumber": "SN-A"}, set()),
        ({"status": "IN_USE"}, {first}),
        ({"status": "AVAILABLE"}, {second}),  # the default status
        ({"status": "MAINTENANCE"}, set()),
        ({"toolItemId": mill}, {first}),
        ({"toolItemId": drill}, {second}),
        ({"toolAssemblyId": assembly}, {second, third}),
        ({"toolAssemblyId": assembly, "status": "RETIRED"}, {third}),
        ({"toolItemId": str(uuid.uuid4())}, set()),
    ]
    for filter, expected in expectations:
        assert await matching(api, entity, filter) == expected, filter


async def test_tool_preset_filters(api: Api) -> None:
    entity = BY_TYPE["ToolPreset"]
    one, two = await create_ok(api, "ToolInstance", [{"serialNumber": "1"}, {"serialNumber": "2"}])
    rough, finish, lathe, spare = await create_ok(
        api,
        "ToolPreset",
        [
            {"name": "T1 roughing", "machineId": "mill-1", "toolNumber": 1, "toolInstanceId": one},
            {
                "name": "T2 finishing",
                "description": "Mirror FINISH",
                "machineId": "mill-1",
                "toolNumber": 2,
                "toolInstanceId": two,
            },
            {"name": "T1 turning", "machineId": "lathe-1", "toolNumber": 1, "toolInstanceId": one},
            {"name": "spare", "machineId": "lathe-1"},
        ],
    )
    expectations = [
        ({"text": "ROUGH"}, {rough}),
        ({"text": "finish"}, {finish}),  # name and description both hold it
        ({"text": "t1"}, {rough, lathe}),
        ({"machineId": "mill-1"}, {rough, finish}),
        ({"machineId": "lathe-1"}, {lathe, spare}),
        ({"machineId": "mill"}, set()),
        ({"toolNumber": 1}, {rough, lathe}),
        ({"toolNumber": 2}, {finish}),
        ({"toolNumber": 1, "machineId": "lathe-1"}, {lathe}),
        ({"toolInstanceId": one}, {rough, lathe}),
        ({"toolInstanceId": two}, {finish}),
    ]
    for filter, expected in expectations:
        assert await matching(api, entity, filter) == expected, filter


async def test_tool_usage_filters(api: Api) -> None:
    entity = BY_TYPE["ToolUsage"]
    one, two = await create_ok(api, "ToolInstance", [{"serialNumber": "1"}, {"serialNumber": "2"}])
    [preset] = await create_ok(
        api, "ToolPreset", [{"name": "T1", "machineId": "mill-1", "toolInstanceId": two}]
    )
    start = "2024-06-01T08:00:00+00:00"
    rough, broke, derived = await create_ok(
        api,
        "ToolUsage",
        [
            {
                "startTime": start,
                "toolInstanceId": one,
                "machineId": "lathe-1",
                "programName": "O1000 roughing",
            },
            {"startTime": start, "toolInstanceId": one, "programName": "O2000", "notes": "Broke an INSERT"},
            {
                "startTime": start,
                "presetId": preset,
                "programName": "O1000",
            },  # instance and machine from the preset
        ],
    )
    expectations = [
        ({"text": "o1000"}, {rough, derived}),
        ({"text": "insert"}, {broke}),  # notes
        ({"text": "ROUGH"}, {rough}),
        ({"programName": "O1000"}, {derived}),  # exact, not contains
        ({"programName": "O1000 roughing"}, {rough}),
        ({"machineId": "lathe-1"}, {rough}),
        ({"machineId": "mill-1"}, {derived}),
        ({"toolInstanceId": one}, {rough, broke}),
        ({"toolInstanceId": two}, {derived}),
        ({"presetId": preset}, {derived}),
        ({"presetId": str(uuid.uuid4())}, set()),
    ]
    for filter, expected in expectations:
        assert await matching(api, entity, filter) == expected, filter


async def test_tool_set_filters(api: Api) -> None:
    entity = BY_TYPE["ToolSet"]
    setup, job, template = await create_ok(
        api,
        "ToolSet",
        [
            {"name": "Mill 1 setup", "type": "MACHINE_SETUP", "status": "ACTIVE", "machineId": "mill-1"},
            {"name": "Job kit", "description": "Bracket, 100 pcs", "type": "JOB_SPECIFIC", "jobId": "J-7"},
            {"name": "Standard drills", "type": "TEMPLATE", "status": "ARCHIVED", "isGlobal": True},
        ],
    )
    expectations = [
        ({"text": "SETUP"}, {setup}),
        ({"text": "bracket"}, {job}),  # description
        ({"text": "1"}, {setup, job}),
        ({"type": "MACHINE_SETUP"}, {setup}),
        ({"type": "TEMPLATE"}, {template}),
        ({"type": "PROJECT"}, set()),
        ({"status": "ACTIVE"}, {setup}),
        ({"status": "DRAFT"}, {job}),  # the default status
        ({"status": "ARCHIVED"}, {template}),
        ({"machineId": "mill-1"}, {setup}),
        ({"jobId": "J-7"}, {job}),
        ({"isGlobal": True}, {template}),
        ({"isGlobal": False}, {setup, job}),
        ({"isGlobal": False, "status": "ACTIVE"}, {setup}),
    ]
    for filter, expected in expectations:
        assert await matching(api, entity, filter) == expected, filter


# --- tenancy -----------------------------------------------------------------------------


async def test_all_tenants_lets_the_admin_list_other_owners_rows(api: Api) -> None:
    other = await insert_user(api.engine, email="other@example.com")
    mine: dict[str, str] = {}
    theirs: dict[str, str] = {}
    for entity in ENTITIES:
        mine[entity.type], theirs[entity.type] = await create_ok(
            api, entity.type, [entity.seed(0), entity.seed(1)]
        )
        async with api.engine.begin() as conn:
            await conn.execute(
                text(f"UPDATE {entity.table} SET owner_id = :owner WHERE id = :id"),
                {"owner": other, "id": theirs[entity.type]},
            )

    for entity in ENTITIES:
        query = list_query(entity, "id")
        own = (await api.gql(query, {}))["page"]
        assert [e["node"]["id"] for e in own["edges"]] == [mine[entity.type]], entity.type
        assert own["totalCount"] == 1

        everyone = (await api.gql(query, {"allTenants": True}))["page"]
        assert {e["node"]["id"] for e in everyone["edges"]} == {mine[entity.type], theirs[entity.type]}
        assert everyone["totalCount"] == 2

        filtered = (await api.gql(query, {"allTenants": True, "filter": {"tagsAny": ["none"]}}))["page"]
        assert filtered["totalCount"] == 0, "filters still apply across tenants"

        by_id = await api.gql(f'{{ row: {entity.one}(id: "{theirs[entity.type]}") {{ id ownerId }} }}')
        assert by_id["row"] == {"id": theirs[entity.type], "ownerId": other}, "by id an admin reaches any row"
