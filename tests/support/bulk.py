"""Shared helpers for the write-path tests (bad input, atomic batches, versions).

Everything goes through the public GraphQL endpoint; the database is only read,
to prove that a refused write left no trace.
"""

from __future__ import annotations

import itertools
import json
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text

from conftest import Api
from smooth_gql.db.models import Base
from support.factories import create_ok

ENTITIES = ["ToolItem", "ToolAssembly", "ToolInstance", "ToolPreset", "ToolUsage", "ToolSet"]
OPERATIONS = ["create", "update", "delete"]


@dataclass(frozen=True)
class Names:
    create: str
    update: str
    delete: str
    create_input: str
    update_input: str
    lookup: str
    table: str


NAMES = {
    "ToolItem": Names(
        "createToolItems",
        "updateToolItems",
        "deleteToolItems",
        "ToolItemCreateInput",
        "ToolItemUpdateInput",
        "toolItem",
        "tool_items",
    ),
    "ToolAssembly": Names(
        "createToolAssemblies",
        "updateToolAssemblies",
        "deleteToolAssemblies",
        "ToolAssemblyCreateInput",
        "ToolAssemblyUpdateInput",
        "toolAssembly",
        "tool_assemblies",
    ),
    "ToolInstance": Names(
        "createToolInstances",
        "updateToolInstances",
        "deleteToolInstances",
        "ToolInstanceCreateInput",
        "ToolInstanceUpdateInput",
        "toolInstance",
        "tool_instances",
    ),
    "ToolPreset": Names(
        "createToolPresets",
        "updateToolPresets",
        "deleteToolPresets",
        "ToolPresetCreateInput",
        "ToolPresetUpdateInput",
        "toolPreset",
        "tool_presets",
    ),
    "ToolUsage": Names(
        "createToolUsages",
        "updateToolUsages",
        "deleteToolUsages",
        "ToolUsageCreateInput",
        "ToolUsageUpdateInput",
        "toolUsage",
        "tool_usages",
    ),
    "ToolSet": Names(
        "createToolSets",
        "updateToolSets",
        "deleteToolSets",
        "ToolSetCreateInput",
        "ToolSetUpdateInput",
        "toolSet",
        "tool_sets",
    ),
}

_COMMON = "id tags ownerId createdBy updatedBy createdAt updatedAt version"
FIELDS = {
    "ToolItem": f"""{_COMMON} name description manufacturer partNumber category legacyCategory toolType
        geometry material capabilities shapeData iso13399Reference parentToolId""",
    "ToolAssembly": f"""{_COMMON} name description assemblyData computedGeometry legacyComponents
        components {{ itemId role position gaugeOffset }}""",
    "ToolInstance": f"""{_COMMON} toolItemId toolAssemblyId serialNumber status legacyStatus measurements
        location lifecycle purchaseDate lastCalibration calibrationDue""",
    "ToolPreset": f"""{_COMMON} name description toolInstanceId machineId toolNumber pocket parameters
        offsets orientation limits isDefault loadedAt loadedBy""",
    "ToolUsage": f"""{_COMMON} toolInstanceId presetId machineId programName operator startTime endTime
        cycleCount cutTime usageMetrics wearMeasurements events notes""",
    "ToolSet": f"""{_COMMON} name description type legacyType status legacyStatus isGlobal machineId jobId
        members capacity activation toolInstances {{ id }} toolPresets {{ id }}""",
}

CURRENT = """current {
  __typename
  ... on ToolItem { id version name description }
  ... on ToolAssembly { id version name description }
  ... on ToolInstance { id version serialNumber }
  ... on ToolPreset { id version name description }
  ... on ToolUsage { id version notes }
  ... on ToolSet { id version name description }
}"""

ERRORS = f"errors {{ __typename index id code message field ... on VersionConflict {{ currentVersion {CURRENT} }} }}"

# A JSON-valued input field and a short-string input field of every entity.
JSON_FIELD = {
    "ToolItem": "geometry",
    "ToolAssembly": "assemblyData",
    "ToolInstance": "measurements",
    "ToolPreset": "parameters",
    "ToolUsage": "usageMetrics",
    "ToolSet": "capacity",
}
STRING_FIELD = {
    "ToolItem": "name",
    "ToolAssembly": "name",
    "ToolInstance": "serialNumber",
    "ToolPreset": "machineId",
    "ToolUsage": "programName",
    "ToolSet": "name",
}
# The field whose type GraphQL checks on create, with a value of the wrong type.
REQUIRED_FIELD = {
    "ToolItem": "name",
    "ToolAssembly": "name",
    "ToolInstance": "serialNumber",
    "ToolPreset": "machineId",
    "ToolUsage": "startTime",
    "ToolSet": "type",
}
# A nullable field an update may clear, with the value it is created with.
CLEARABLE = {
    "ToolItem": ("description", "a four-flute cutter"),
    "ToolAssembly": ("description", "holder and cutter"),
    "ToolInstance": ("purchaseDate", "2024-03-01"),
    "ToolPreset": ("description", "roughing"),
    "ToolUsage": ("notes", "first run"),
    "ToolSet": ("description", "setup for job 7"),
}
# A field an update changes in the ordinary tests, with its new value.
CHANGE = {
    "ToolItem": ("name", "renamed"),
    "ToolAssembly": ("name", "renamed"),
    "ToolInstance": ("serialNumber", "renamed"),
    "ToolPreset": ("name", "renamed"),
    "ToolUsage": ("programName", "renamed"),
    "ToolSet": ("name", "renamed"),
}

_counter = itertools.count(1)


def new_id() -> str:
    return str(uuid.uuid4())


def valid_input(entity: str, **overrides: Any) -> dict[str, Any]:
    """A create input that succeeds on its own (unique serials and tool numbers)."""
    n = next(_counter)
    bases: dict[str, dict[str, Any]] = {
        "ToolItem": {"name": f"item {n}", "category": "CUTTING_TOOL", "description": "a four-flute cutter"},
        "ToolAssembly": {"name": f"assembly {n}", "description": "holder and cutter"},
        "ToolInstance": {"serialNumber": f"SN-{n}", "purchaseDate": "2024-03-01"},
        "ToolPreset": {
            "name": f"T{n}",
            "machineId": "mill-9",
            "toolNumber": 1000 + n,
            "description": "roughing",
        },
        "ToolUsage": {"startTime": "2024-05-01T08:00:00+00:00", "programName": f"O{n}", "notes": "first run"},
        "ToolSet": {"name": f"set {n}", "type": "MACHINE_SETUP", "description": "setup for job 7"},
    }
    return {**bases[entity], **overrides}


def selection(entity: str) -> str:
    return f"successCount errorCount results {{ {FIELDS[entity]} }} {ERRORS}"


def mutation(op: str, entity: str) -> str:
    names = NAMES[entity]
    field, input_type = {
        "create": (names.create, f"[{names.create_input}!]!"),
        "update": (names.update, f"[{names.update_input}!]!"),
        "delete": (names.delete, "[DeleteInput!]!"),
    }[op]
    return f"""mutation($input: {input_type}, $atomic: Boolean!) {{
      result: {field}(input: $input, atomic: $atomic) {{ {selection(entity)} }}
    }}"""


async def post(api: Api, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    """POST a GraphQL request; the body is encoded with ASCII escapes, so any string (even a
    lone surrogate) reaches the server exactly as a hostile client could send it."""
    body = json.dumps({"query": query, "variables": variables or {}})
    response = await api.client.post("/graphql", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def bulk(api: Api, op: str, entity: str, inputs: Any, *, atomic: bool = False) -> dict[str, Any]:
    """Run a bulk mutation that must not fail as a whole; return its bulk result."""
    body = await post(api, mutation(op, entity), {"input": inputs, "atomic": atomic})
    assert "errors" not in body, body["errors"]
    result: dict[str, Any] = body["data"]["result"]
    assert result["errorCount"] == len(result["errors"])
    assert result["successCount"] == len(result["results"])
    return result


async def request_errors(
    api: Api, query: str, variables: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """Run a request that must fail as a whole; return its errors."""
    body = await post(api, query, variables)
    assert body.get("data") is None, body
    assert body.get("errors"), body
    return body["errors"]  # type: ignore[no-any-return]


async def one_request_error(api: Api, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    errors = await request_errors(api, query, variables)
    assert len(errors) == 1, errors
    return errors[0]


async def read(api: Api, entity: str, entity_id: str) -> dict[str, Any] | None:
    lookup = NAMES[entity].lookup
    data = await api.gql(
        f"query($id: ID!) {{ row: {lookup}(id: $id) {{ {FIELDS[entity]} }} }}", {"id": entity_id}
    )
    return data["row"]  # type: ignore[no-any-return]


def error(index: int, entity_id: str | None, code: str, field: str | None, message: str) -> dict[str, Any]:
    """A per-item error as the bulk result shows it (without VersionConflict extras)."""
    typename = {
        "VALIDATION": "ValidationError",
        "NOT_FOUND": "NotFoundError",
        "CONSTRAINT": "ConstraintError",
        "FORBIDDEN": "ForbiddenError",
        "LIMIT": "ValidationError",
    }[code]
    return {
        "__typename": typename,
        "index": index,
        "id": entity_id,
        "code": code,
        "message": message,
        "field": field,
    }


@dataclass
class DbState:
    """Row counts plus every row of every data, join and history table."""

    counts: dict[str, int]
    rows: dict[str, list[str]]


# Budgets' windows change with every request on PostgreSQL (services/rate_windows.py): not data.
_TABLES = [
    t.name for t in Base.metadata.sorted_tables if t.name not in ("sessions", "api_keys", "rate_windows")
]


def _rows_as_text_sql() -> str:
    """One statement for every table's rows on PostgreSQL: each row as the text of each of
    its columns (NULL as NULL), tagged with its table's name."""
    parts = []
    for name in _TABLES:
        columns = ", ".join(f'"{c.name}"::text' for c in Base.metadata.tables[name].columns)
        parts.append(f"SELECT '{name}' AS name, ARRAY[{columns}] AS row FROM \"{name}\"")
    return " UNION ALL ".join(parts)


_ROWS_AS_TEXT = _rows_as_text_sql()


def _sqlite_rows_sql() -> str:
    """The same in one statement on SQLite: each row as its columns through `quote()`, which
    keeps every digit of a REAL and tells NULL, numbers and text apart."""
    parts = []
    for name in _TABLES:
        columns = " || ',' || ".join(f'quote("{c.name}")' for c in Base.metadata.tables[name].columns)
        parts.append(f"SELECT '{name}' AS name, {columns} AS row FROM \"{name}\"")
    return " UNION ALL ".join(parts)


_SQLITE_ROWS = _sqlite_rows_sql()


async def db_state(api: Api) -> DbState:
    """Every row of the tables `Api.counts` counts, read once: the counts are the rows' numbers.

    (It asked `Api.counts` too: a second query per table for the same numbers, paid
    again after every refused request of tests/graphql/test_bad_input.py.) On PostgreSQL
    in one round trip, each value as PostgreSQL's text of it: 17 queries per state, two
    or three states per case, were a large share of a case's round trips to the server.
    SQLite in one statement too: a query per table was 4 ms of this process's CPU per
    state, one is under 1 ms (hundreds of states per run of test_bad_input.py).
    """
    rows: dict[str, list[str]] = {name: [] for name in _TABLES}
    async with api.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            for name, row in await conn.execute(text(_ROWS_AS_TEXT)):
                rows[name].append(repr(tuple(row)))
        else:
            for name, row in await conn.execute(text(_SQLITE_ROWS)):
                rows[name].append(row)
    rows = {name: sorted(table) for name, table in rows.items()}
    return DbState({name: len(table) for name, table in rows.items()}, rows)


async def assert_unchanged(api: Api, before: DbState) -> None:
    after = await db_state(api)
    assert after.counts == before.counts
    assert after.rows == before.rows


@dataclass
class World:
    """Rows of each entity, linked: items <- assembly <- instance <- preset <- usage, set."""

    items: list[str]  # [holder, cutter, child of cutter]
    assembly: str
    instance: str
    preset: str
    usage: str
    tool_set: str
    spare_instance: str  # referenced by nothing

    def referenced(self) -> dict[str, str]:
        return {
            "ToolItem": self.items[0],
            "ToolAssembly": self.assembly,
            "ToolInstance": self.instance,
            "ToolPreset": self.preset,
        }


async def make_world(api: Api) -> World:
    holder, cutter = await create_ok(
        api,
        "ToolItem",
        [
            {"name": "HSK63 holder", "category": "HOLDER"},
            {"name": "10 mm end mill", "category": "CUTTING_TOOL"},
        ],
    )
    [child] = await create_ok(api, "ToolItem", [{"name": "10 mm end mill, coated", "parentToolId": cutter}])
    [assembly] = await create_ok(
        api, "ToolAssembly", [{"name": "T1 assembly", "holderId": holder, "cutterId": cutter}]
    )
    instance, spare = await create_ok(
        api,
        "ToolInstance",
        [{"serialNumber": "W-1", "toolAssemblyId": assembly, "toolItemId": cutter}, {"serialNumber": "W-2"}],
    )
    [preset] = await create_ok(
        api,
        "ToolPreset",
        [{"name": "T1", "machineId": "mill-1", "toolNumber": 1, "toolInstanceId": instance}],
    )
    [usage] = await create_ok(api, "ToolUsage", [{"startTime": "2024-05-01T08:00:00Z", "presetId": preset}])
    [tool_set] = await create_ok(
        api,
        "ToolSet",
        [
            {
                "name": "mill-1 setup",
                "type": "MACHINE_SETUP",
                "toolInstanceIds": [instance],
                "toolPresetIds": [preset],
            }
        ],
    )
    return World([holder, cutter, child], assembly, instance, preset, usage, tool_set, spare)


async def seed(api: Api, entity: str, count: int = 1, **overrides: Any) -> list[str]:
    """`count` fresh, unreferenced rows of `entity`."""
    return await create_ok(api, entity, [valid_input(entity, **overrides) for _ in range(count)])


async def audit_rows(api: Api, entity_id: str) -> list[tuple[Any, ...]]:
    """(operation, result, error_message) of an entity's audit entries, oldest first."""
    async with api.engine.connect() as conn:
        result = await conn.execute(
            text("SELECT operation, result, error_message FROM audit_log WHERE entity_id = :id ORDER BY seq"),
            {"id": entity_id},
        )
        return [tuple(row) for row in result]


async def change_rows(api: Api, entity_id: str) -> list[tuple[Any, ...]]:
    """(entity_type, operation, version) of an entity's change-log entries, oldest first."""
    async with api.engine.connect() as conn:
        result = await conn.execute(
            text("SELECT entity_type, operation, version FROM change_log WHERE entity_id = :id ORDER BY seq"),
            {"id": entity_id},
        )
        return [tuple(row) for row in result]
