"""All-or-nothing batches, partial success with its audit and change rows, duplicate ids
in one batch, optimistic versions, and what an update does with absent and null fields.

Every test runs for each of the six entities (on SQLite and PostgreSQL).

The world the cases that ask for it start from is built once per module and database
(tests/support/snapshot.py) and put back as built before each of them; the other
cases start from an empty database, as before.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import text

from conftest import Api, PostgresReset
from support.bulk import (
    CHANGE,
    CLEARABLE,
    ENTITIES,
    JSON_FIELD,
    NAMES,
    STRING_FIELD,
    World,
    assert_unchanged,
    audit_rows,
    bulk,
    change_rows,
    db_state,
    error,
    make_world,
    new_id,
    read,
    seed,
    valid_input,
)
from support.snapshot import CASE_FIXTURES, Built, built_once

SNAKE = {
    "description": "description",
    "purchaseDate": "purchase_date",
    "notes": "notes",
    "name": "name",
    "serialNumber": "serial_number",
    "programName": "program_name",
}
REFERENCED_BY_WORLD = {"ToolItem", "ToolAssembly", "ToolInstance", "ToolPreset"}


@pytest.fixture(scope="module")
async def built(module_database_url: str, module_reset: PostgresReset | None) -> AsyncIterator[Built[World]]:
    async with built_once(module_database_url, module_reset, make_world) as kept:
        yield kept


case_db, database_url, engine = CASE_FIXTURES


@pytest.fixture
def world(built: Built[World]) -> World:
    return built.world


def nul_value(entity: str) -> tuple[str, str, str]:
    field = STRING_FIELD[entity]
    return field, "bad\x00value", f"{field}: must not contain NUL characters"


def deep_value(entity: str) -> tuple[str, Any, str]:
    field = JSON_FIELD[entity]
    value: Any = 1
    for _ in range(40):
        value = [value]
    return field, value, f"{field}: nested deeper than 32 levels"


def changed(entity: str) -> tuple[str, str]:
    field, value = CHANGE[entity]
    return field, f"{value} {new_id()[:8]}"


async def audit_changes(api: Api, entity_id: str) -> list[Any]:
    """The `changes` of an entity's successful audit entries, oldest first."""
    async with api.engine.connect() as conn:
        result = await conn.execute(
            text("SELECT changes FROM audit_log WHERE entity_id = :id AND result = 'success' ORDER BY seq"),
            {"id": entity_id},
        )
        return [json.loads(c) if isinstance(c, str) else c for (c,) in result]


def counts_plus(before: dict[str, int], **delta: int) -> dict[str, int]:
    return {name: count + delta.get(name, 0) for name, count in before.items()}


# --- create ---------------------------------------------------------------------------------


@pytest.mark.parametrize("entity", ENTITIES)
async def test_create_batch_atomic_writes_nothing_and_plain_writes_the_valid(
    api: Api, world: World, entity: str
) -> None:
    a, b, c, d = (new_id() for _ in range(4))
    nul_field, nul, nul_message = nul_value(entity)
    deep_field, deep, deep_message = deep_value(entity)
    inputs = [
        {**valid_input(entity), "id": a},
        {**valid_input(entity), "id": b, nul_field: nul},
        {**valid_input(entity), "id": c},
        {**valid_input(entity), "id": d, deep_field: deep},
    ]
    expected_errors = [
        error(1, b, "VALIDATION", nul_field, nul_message),
        error(3, d, "VALIDATION", deep_field, deep_message),
    ]
    before = await db_state(api)

    result = await bulk(api, "create", entity, inputs, atomic=True)

    assert result["successCount"] == 0
    assert result["results"] == []
    assert result["errors"] == expected_errors
    await assert_unchanged(api, before)
    for i in (a, b, c, d):
        assert await read(api, entity, i) is None

    result = await bulk(api, "create", entity, inputs)

    assert result["errors"] == expected_errors
    assert [(r["id"], r["version"]) for r in result["results"]] == [(a, 1), (c, 1)]
    table = NAMES[entity].table
    assert await api.counts() == counts_plus(before.counts, **{table: 2, "audit_log": 4, "change_log": 2})
    for i in (a, c):
        assert await audit_rows(api, i) == [("CREATE", "success", None)]
        assert await change_rows(api, i) == [(entity, "CREATED", 1)]
        [changes] = await audit_changes(api, i)
        assert changes["after"]["id"] == i
        assert changes["after"]["version"] == 1
    assert await audit_rows(api, b) == [("CREATE", "error", nul_message)]
    assert await audit_rows(api, d) == [("CREATE", "error", deep_message)]
    assert await change_rows(api, b) == await change_rows(api, d) == []
    assert await read(api, entity, b) is None


@pytest.mark.parametrize("entity", ENTITIES)
async def test_atomic_batch_without_errors_is_written_whole(api: Api, entity: str) -> None:
    before = await api.counts()
    table = NAMES[entity].table
    snapshots = int(entity == "ToolSet")

    created = await bulk(api, "create", entity, [valid_input(entity), valid_input(entity)], atomic=True)
    ids = [r["id"] for r in created["results"]]
    updated = await bulk(
        api,
        "update",
        entity,
        [
            {"id": i, "expectedVersion": 1, CHANGE[entity][0]: f"{CHANGE[entity][1]} {n}"}
            for n, i in enumerate(ids)
        ],
        atomic=True,
    )
    assert await api.counts() == counts_plus(
        before, **{table: 2, "audit_log": 4, "change_log": 4, "tool_set_versions": 2 * snapshots}
    )
    deleted = await bulk(api, "delete", entity, [{"id": i, "expectedVersion": 2} for i in ids], atomic=True)

    assert [(r["id"], r["version"]) for r in created["results"]] == [(ids[0], 1), (ids[1], 1)]
    assert [(r["id"], r["version"]) for r in updated["results"]] == [(ids[0], 2), (ids[1], 2)]
    assert [(r["id"], r["version"]) for r in deleted["results"]] == [(ids[0], 2), (ids[1], 2)]
    assert created["errors"] == updated["errors"] == deleted["errors"] == []
    # a deleted tool set takes its version history with it
    assert await api.counts() == counts_plus(before, audit_log=6, change_log=6)
    for i in ids:
        assert await change_rows(api, i) == [
            (entity, "CREATED", 1),
            (entity, "UPDATED", 2),
            (entity, "DELETED", 2),
        ]
        assert await audit_rows(api, i) == [
            ("CREATE", "success", None),
            ("UPDATE", "success", None),
            ("DELETE", "success", None),
        ]


# --- update ---------------------------------------------------------------------------------


@pytest.mark.parametrize("entity", ENTITIES)
async def test_update_batch_atomic_writes_nothing_and_plain_writes_the_valid(
    api: Api, world: World, entity: str
) -> None:
    a, b, c = await seed(api, entity, 3)
    rows = {i: await read(api, entity, i) for i in (a, b, c)}
    missing = new_id()
    field, value = changed(entity)
    nul_field, nul, nul_message = nul_value(entity)
    inputs = [
        {"id": a, "expectedVersion": 1, field: value},
        {"id": b, "expectedVersion": 2, field: "too late"},
        {"id": c, "expectedVersion": 1, nul_field: nul},
        {"id": missing, "expectedVersion": 1, field: "nobody"},
    ]
    conflict_message = "expectedVersion: version conflict: expected 2, current is 1"
    before = await db_state(api)

    result = await bulk(api, "update", entity, inputs, atomic=True)

    assert result["successCount"] == 0
    [conflict, invalid, not_found] = result["errors"]
    assert conflict["__typename"] == "VersionConflict"
    assert {k: conflict[k] for k in ("index", "id", "code", "field", "message", "currentVersion")} == {
        "index": 1,
        "id": b,
        "code": "VERSION_CONFLICT",
        "field": "expectedVersion",
        "message": conflict_message,
        "currentVersion": 1,
    }
    assert conflict["current"]["__typename"] == entity
    assert (conflict["current"]["id"], conflict["current"]["version"]) == (b, 1)
    assert invalid == error(2, c, "VALIDATION", nul_field, nul_message)
    assert not_found == error(3, missing, "NOT_FOUND", "id", f"id: no {entity} with id {missing}")
    await assert_unchanged(api, before)
    for i, row in rows.items():
        assert await read(api, entity, i) == row

    result = await bulk(api, "update", entity, inputs)

    assert [e["index"] for e in result["errors"]] == [1, 2, 3]
    [updated] = result["results"]
    assert (updated["id"], updated["version"], updated[field]) == (a, 2, value)
    assert await read(api, entity, a) == updated
    assert await read(api, entity, b) == rows[b]
    assert await read(api, entity, c) == rows[c]
    assert await api.counts() == counts_plus(
        before.counts, audit_log=4, change_log=1, tool_set_versions=int(entity == "ToolSet")
    )
    assert await change_rows(api, a) == [(entity, "CREATED", 1), (entity, "UPDATED", 2)]
    assert await change_rows(api, b) == [(entity, "CREATED", 1)]
    assert await change_rows(api, c) == [(entity, "CREATED", 1)]
    assert await change_rows(api, missing) == []
    assert await audit_rows(api, a) == [("CREATE", "success", None), ("UPDATE", "success", None)]
    assert await audit_rows(api, b) == [("CREATE", "success", None), ("UPDATE", "error", conflict_message)]
    assert await audit_rows(api, c) == [("CREATE", "success", None), ("UPDATE", "error", nul_message)]
    assert await audit_rows(api, missing) == [("UPDATE", "error", f"id: no {entity} with id {missing}")]
    [_, diff] = await audit_changes(api, a)
    column = SNAKE[field]
    assert diff == {"before": {column: rows[a][field], "version": 1}, "after": {column: value, "version": 2}}  # type: ignore[index]


# --- delete ---------------------------------------------------------------------------------


@pytest.mark.parametrize("entity", ENTITIES)
async def test_delete_batch_atomic_writes_nothing_and_plain_deletes_the_valid(
    api: Api, world: World, entity: str
) -> None:
    a, b, c = await seed(api, entity, 3)
    rows = {i: await read(api, entity, i) for i in (a, b, c)}
    missing = new_id()
    inputs: list[dict[str, Any]] = [
        {"id": a},
        {"id": b, "expectedVersion": 5},
        {"id": missing},
        {"id": c, "expectedVersion": 1},
    ]
    if entity in REFERENCED_BY_WORLD:
        inputs.append({"id": world.referenced()[entity]})
    before = await db_state(api)

    result = await bulk(api, "delete", entity, inputs, atomic=True)

    assert result["successCount"] == 0
    codes = [(e["index"], e["id"], e["code"]) for e in result["errors"]]
    expected_codes = [(1, b, "VERSION_CONFLICT"), (2, missing, "NOT_FOUND")]
    if entity in REFERENCED_BY_WORLD:
        expected_codes.append((4, world.referenced()[entity], "CONSTRAINT"))
    assert codes == expected_codes
    conflict = result["errors"][0]
    assert conflict["message"] == "expectedVersion: version conflict: expected 5, current is 1"
    assert conflict["currentVersion"] == 1
    assert (conflict["current"]["__typename"], conflict["current"]["id"], conflict["current"]["version"]) == (
        entity,
        b,
        1,
    )
    assert result["errors"][1] == error(2, missing, "NOT_FOUND", "id", f"id: no {entity} with id {missing}")
    await assert_unchanged(api, before)

    result = await bulk(api, "delete", entity, inputs)

    assert [(e["index"], e["id"], e["code"]) for e in result["errors"]] == expected_codes
    assert [(r["id"], r["version"]) for r in result["results"]] == [(a, 1), (c, 1)]
    assert [r for r in result["results"]] == [rows[a], rows[c]]
    assert await read(api, entity, a) is None
    assert await read(api, entity, c) is None
    assert await read(api, entity, b) == rows[b]
    failures = len(expected_codes)
    table = NAMES[entity].table
    assert await api.counts() == counts_plus(
        before.counts, **{table: -2, "audit_log": 2 + failures, "change_log": 2}
    )
    for i in (a, c):
        assert await change_rows(api, i) == [(entity, "CREATED", 1), (entity, "DELETED", 1)]
        assert await audit_rows(api, i) == [("CREATE", "success", None), ("DELETE", "success", None)]
        [_, gone] = await audit_changes(api, i)
        assert gone["before"]["id"] == i
    assert await change_rows(api, b) == [(entity, "CREATED", 1)]
    assert await audit_rows(api, b) == [("CREATE", "success", None), ("DELETE", "error", conflict["message"])]
    assert await audit_rows(api, missing) == [("DELETE", "error", f"id: no {entity} with id {missing}")]


# --- the same id twice in one batch -----------------------------------------------------------------


@pytest.mark.parametrize("entity", ENTITIES)
async def test_create_with_the_same_id_twice_refuses_the_repeats(api: Api, world: World, entity: str) -> None:
    same = new_id()
    first, second, third = valid_input(entity), valid_input(entity), valid_input(entity)
    inputs = [{**first, "id": same}, {**second, "id": same}, {**third, "id": same.upper()}]
    expected = [
        error(1, same, "VALIDATION", "id", "id: appears more than once in this batch"),
        error(2, same.upper(), "VALIDATION", "id", "id: appears more than once in this batch"),
    ]
    before = await db_state(api)

    result = await bulk(api, "create", entity, inputs, atomic=True)
    assert result["successCount"] == 0
    assert result["errors"] == expected
    await assert_unchanged(api, before)

    result = await bulk(api, "create", entity, inputs)
    assert result["errors"] == expected
    [row] = result["results"]
    assert row["id"] == same
    field = STRING_FIELD[entity]
    assert row[field] == first.get(field, row[field])
    assert await read(api, entity, same) == row
    assert await change_rows(api, same) == [(entity, "CREATED", 1)]
    assert sorted(await audit_rows(api, same)) == [
        ("CREATE", "error", "id: appears more than once in this batch"),
        ("CREATE", "success", None),
    ]


@pytest.mark.parametrize("entity", ENTITIES)
async def test_create_with_an_id_that_exists_is_a_constraint_error(api: Api, entity: str) -> None:
    [existing] = await seed(api, entity)
    row = await read(api, entity, existing)
    before = await db_state(api)

    result = await bulk(api, "create", entity, [{**valid_input(entity), "id": existing}])

    assert result["errors"] == [error(0, existing, "CONSTRAINT", "id", "id: already exists")]
    assert await read(api, entity, existing) == row
    assert await api.counts() == counts_plus(before.counts, audit_log=1)
    assert await audit_rows(api, existing) == [
        ("CREATE", "success", None),
        ("CREATE", "error", "id: already exists"),
    ]


@pytest.mark.parametrize("entity", ENTITIES)
async def test_delete_of_the_same_id_twice_deletes_once(api: Api, entity: str) -> None:
    [target] = await seed(api, entity)
    row = await read(api, entity, target)
    before = await db_state(api)
    inputs = [{"id": target, "expectedVersion": 1}, {"id": target}]
    expected = [error(1, target, "VALIDATION", "id", "id: appears more than once in this batch")]

    result = await bulk(api, "delete", entity, inputs, atomic=True)
    assert result["successCount"] == 0
    assert result["errors"] == expected
    await assert_unchanged(api, before)
    assert await read(api, entity, target) == row

    result = await bulk(api, "delete", entity, inputs)
    assert result["errors"] == expected
    assert result["results"] == [row]
    assert await read(api, entity, target) is None
    assert await api.counts() == counts_plus(
        before.counts, **{NAMES[entity].table: -1, "audit_log": 2, "change_log": 1}
    )
    assert await change_rows(api, target) == [(entity, "CREATED", 1), (entity, "DELETED", 1)]


@pytest.mark.parametrize("entity", ENTITIES)
async def test_updates_of_one_id_apply_in_order_each_at_the_version_before(api: Api, entity: str) -> None:
    [target] = await seed(api, entity)
    before = await db_state(api)
    field, value = changed(entity)
    clear, _ = CLEARABLE[entity]

    result = await bulk(
        api,
        "update",
        entity,
        [
            {"id": target, "expectedVersion": 1, field: value},
            {"id": target, "expectedVersion": 2, clear: None},
        ],
    )

    assert result["errors"] == []
    first, second = result["results"]
    assert (first["version"], first[field], first[clear] is not None) == (2, value, True)
    assert (second["version"], second[field], second[clear]) == (3, value, None)
    assert await read(api, entity, target) == second
    assert await change_rows(api, target) == [
        (entity, "CREATED", 1),
        (entity, "UPDATED", 2),
        (entity, "UPDATED", 3),
    ]
    assert await audit_rows(api, target) == [
        ("CREATE", "success", None),
        ("UPDATE", "success", None),
        ("UPDATE", "success", None),
    ]
    snapshots = 2 if entity == "ToolSet" else 0
    assert await api.counts() == counts_plus(
        before.counts, audit_log=2, change_log=2, tool_set_versions=snapshots
    )
    if entity == "ToolSet":
        versions = await api.gql(
            "query($id: ID!) { toolSetHistory(toolSetId: $id) { version isCurrent } }", {"id": target}
        )
        assert versions["toolSetHistory"] == [
            {"version": 3, "isCurrent": True},
            {"version": 2, "isCurrent": False},
            {"version": 1, "isCurrent": False},
        ]


@pytest.mark.parametrize("entity", ENTITIES)
async def test_second_update_of_one_id_at_the_old_version_is_a_conflict(api: Api, entity: str) -> None:
    [target] = await seed(api, entity)
    row = await read(api, entity, target)
    field, value = changed(entity)
    inputs = [
        {"id": target, "expectedVersion": 1, field: value},
        {"id": target, "expectedVersion": 1, field: "lost update"},
    ]
    before = await db_state(api)

    result = await bulk(api, "update", entity, inputs, atomic=True)
    assert result["successCount"] == 0
    [conflict] = result["errors"]
    assert (conflict["index"], conflict["code"], conflict["currentVersion"]) == (1, "VERSION_CONFLICT", 2)
    await assert_unchanged(api, before)
    assert await read(api, entity, target) == row

    result = await bulk(api, "update", entity, inputs)
    [applied] = result["results"]
    assert (applied["version"], applied[field]) == (2, value)
    [conflict] = result["errors"]
    assert {k: v for k, v in conflict.items() if k != "current"} == {
        "__typename": "VersionConflict",
        "index": 1,
        "id": target,
        "code": "VERSION_CONFLICT",
        "field": "expectedVersion",
        "message": "expectedVersion: version conflict: expected 1, current is 2",
        "currentVersion": 2,
    }
    # `current` is the state the first update produced
    assert conflict["current"]["__typename"] == entity
    assert (conflict["current"]["id"], conflict["current"]["version"]) == (target, 2)
    shown = {"ToolInstance": "serialNumber", "ToolUsage": "notes"}.get(entity, "name")
    assert conflict["current"][shown] == applied[shown]
    assert await read(api, entity, target) == applied
    assert await change_rows(api, target) == [(entity, "CREATED", 1), (entity, "UPDATED", 2)]


# --- stale versions ------------------------------------------------------------------------------


@pytest.mark.parametrize("entity", ENTITIES)
async def test_update_at_a_stale_version_is_a_conflict_showing_the_current_row(api: Api, entity: str) -> None:
    [target] = await seed(api, entity)
    field, value = changed(entity)
    await bulk(api, "update", entity, [{"id": target, "expectedVersion": 1, field: value}])
    row = await read(api, entity, target)
    assert row is not None
    before = await db_state(api)
    stale = [1, 3, 0, -1]

    result = await bulk(
        api, "update", entity, [{"id": target, "expectedVersion": v, field: "stale"} for v in stale]
    )

    assert result["successCount"] == 0
    current = {
        "ToolItem": {
            "__typename": "ToolItem",
            "id": target,
            "version": 2,
            "name": row.get("name"),
            "description": row.get("description"),
        },
        "ToolAssembly": {
            "__typename": "ToolAssembly",
            "id": target,
            "version": 2,
            "name": row.get("name"),
            "description": row.get("description"),
        },
        "ToolInstance": {
            "__typename": "ToolInstance",
            "id": target,
            "version": 2,
            "serialNumber": row.get("serialNumber"),
        },
        "ToolPreset": {
            "__typename": "ToolPreset",
            "id": target,
            "version": 2,
            "name": row.get("name"),
            "description": row.get("description"),
        },
        "ToolUsage": {"__typename": "ToolUsage", "id": target, "version": 2, "notes": row.get("notes")},
        "ToolSet": {
            "__typename": "ToolSet",
            "id": target,
            "version": 2,
            "name": row.get("name"),
            "description": row.get("description"),
        },
    }[entity]
    assert result["errors"] == [
        {
            "__typename": "VersionConflict",
            "index": n,
            "id": target,
            "code": "VERSION_CONFLICT",
            "field": "expectedVersion",
            "message": f"expectedVersion: version conflict: expected {v}, current is 2",
            "currentVersion": 2,
            "current": current,
        }
        for n, v in enumerate(stale)
    ]
    assert await read(api, entity, target) == row
    assert await api.counts() == counts_plus(before.counts, audit_log=len(stale))


@pytest.mark.parametrize("entity", ENTITIES)
async def test_delete_at_a_stale_version_is_a_conflict(api: Api, entity: str) -> None:
    [target] = await seed(api, entity)
    field, value = changed(entity)
    await bulk(api, "update", entity, [{"id": target, "expectedVersion": 1, field: value}])
    row = await read(api, entity, target)
    before = await db_state(api)

    result = await bulk(api, "delete", entity, [{"id": target, "expectedVersion": 1}])

    [conflict] = result["errors"]
    assert (
        conflict["__typename"],
        conflict["index"],
        conflict["id"],
        conflict["code"],
        conflict["field"],
    ) == ("VersionConflict", 0, target, "VERSION_CONFLICT", "expectedVersion")
    assert conflict["message"] == "expectedVersion: version conflict: expected 1, current is 2"
    assert conflict["currentVersion"] == 2
    assert (conflict["current"]["id"], conflict["current"]["version"]) == (target, 2)
    assert await read(api, entity, target) == row
    assert await api.counts() == counts_plus(before.counts, audit_log=1)

    result = await bulk(api, "delete", entity, [{"id": target, "expectedVersion": 2}])
    assert result["errors"] == []
    assert await read(api, entity, target) is None
    assert await change_rows(api, target) == [
        (entity, "CREATED", 1),
        (entity, "UPDATED", 2),
        (entity, "DELETED", 2),
    ]


# --- update semantics -----------------------------------------------------------------------------


@pytest.mark.parametrize("entity", ENTITIES)
async def test_absent_fields_stay_and_explicit_null_clears(api: Api, entity: str) -> None:
    clear, initial = CLEARABLE[entity]
    [target] = await seed(api, entity, tags=["keep", "me"])
    row = await read(api, entity, target)
    assert row is not None and row[clear] == initial
    field, value = changed(entity)

    [v2] = (await bulk(api, "update", entity, [{"id": target, "expectedVersion": 1, field: value}]))[
        "results"
    ]

    ignore = ("version", "updatedAt", field)
    assert {k: v for k, v in v2.items() if k not in ignore} == {
        k: v for k, v in row.items() if k not in ignore
    }
    assert (v2["version"], v2[field], v2[clear], v2["tags"]) == (2, value, initial, ["keep", "me"])
    assert v2["updatedAt"] >= row["updatedAt"]

    [v3] = (await bulk(api, "update", entity, [{"id": target, "expectedVersion": 2, clear: None}]))["results"]

    ignore = ("version", "updatedAt", clear)
    assert {k: v for k, v in v3.items() if k not in ignore} == {
        k: v for k, v in v2.items() if k not in ignore
    }
    assert (v3["version"], v3[clear], v3[field]) == (3, None, value)
    assert await read(api, entity, target) == v3
    [_, first, second] = await audit_changes(api, target)
    assert first == {
        "before": {SNAKE[field]: row[field], "version": 1},
        "after": {SNAKE[field]: value, "version": 2},
    }
    assert second == {
        "before": {SNAKE[clear]: initial, "version": 2},
        "after": {SNAKE[clear]: None, "version": 3},
    }


REQUIRED_ON_UPDATE = {
    "ToolItem": ["name", "category", "tags"],
    "ToolAssembly": ["name", "tags"],
    "ToolInstance": ["status", "tags"],
    "ToolPreset": ["name", "machineId", "isDefault", "tags"],
    "ToolUsage": ["startTime", "tags"],
    "ToolSet": ["name", "type", "status", "isGlobal", "tags"],
}


@pytest.mark.parametrize("entity", ENTITIES)
async def test_null_for_a_required_field_is_refused_per_item(api: Api, entity: str) -> None:
    [target] = await seed(api, entity)
    row = await read(api, entity, target)
    fields = REQUIRED_ON_UPDATE[entity]
    field, value = changed(entity)
    inputs = [{"id": target, "expectedVersion": 1, f: None} for f in fields]
    before = await db_state(api)

    result = await bulk(api, "update", entity, inputs, atomic=True)
    assert result["successCount"] == 0
    assert result["errors"] == [
        error(n, target, "VALIDATION", f, f"{f}: must not be null") for n, f in enumerate(fields)
    ]
    await assert_unchanged(api, before)
    assert await read(api, entity, target) == row

    # not atomic: the refusals do not stop a valid update of the same row at the same version
    result = await bulk(api, "update", entity, [*inputs, {"id": target, "expectedVersion": 1, field: value}])
    assert result["errors"] == [
        error(n, target, "VALIDATION", f, f"{f}: must not be null") for n, f in enumerate(fields)
    ]
    [updated] = result["results"]
    assert (updated["version"], updated[field]) == (2, value)
    assert await change_rows(api, target) == [(entity, "CREATED", 1), (entity, "UPDATED", 2)]


@pytest.mark.parametrize("entity", ENTITIES)
async def test_version_goes_up_by_one_per_successful_update_only(api: Api, entity: str) -> None:
    [target] = await seed(api, entity)
    created = await read(api, entity, target)
    assert created is not None
    field, _ = CHANGE[entity]
    seen = [created]
    for version in (1, 2, 2, 3):  # the second 2 is stale and must not count
        result = await bulk(
            api,
            "update",
            entity,
            [{"id": target, "expectedVersion": version, field: f"v{version} {new_id()[:8]}"}],
        )
        if result["errors"]:
            assert result["errors"][0]["code"] == "VERSION_CONFLICT"
            continue
        [row] = result["results"]
        seen.append(row)
    assert [r["version"] for r in seen] == [1, 2, 3, 4]
    assert [r["createdAt"] for r in seen] == [created["createdAt"]] * 4
    assert [r["updatedAt"] for r in seen] == sorted(r["updatedAt"] for r in seen)
    assert await read(api, entity, target) == seen[-1]
    assert [v for _, op, v in await change_rows(api, target)] == [1, 2, 3, 4]
    assert [r for r in await audit_rows(api, target) if r[1] == "error"] == [
        ("UPDATE", "error", "expectedVersion: version conflict: expected 2, current is 3")
    ]
