"""References that point nowhere, deletes of rows still in use, and uniqueness rules.

Every refused element is a per-item error (NOT_FOUND naming the field for a
reference, CONSTRAINT for a rule of the stored data); the valid elements of a
non-atomic batch are written, an atomic batch writes nothing, and the rows
stored before keep their fields and version.

The world (the owner's rows and another user's) is built once per module and
database (tests/support/snapshot.py) and put back as built before each case that
asks for it, which then writes as it likes: it starts from the same rows, ids and
sequences as if it had built them itself. The other cases start from an empty database.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import text

from conftest import Api, PostgresReset
from support.bulk import (
    NAMES,
    DbState,
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
from support.factories import create_ok
from support.snapshot import CASE_FIXTURES, Built, built_once
from support.users import insert_user

OTHER_USER = "00000000-0000-4000-8000-00000000beef"


@dataclass
class Foreign:
    """Rows of each referenceable entity that belong to another user."""

    item: str
    assembly: str
    instance: str
    preset: str

    def of(self, entity: str) -> str:
        return {
            "ToolItem": self.item,
            "ToolAssembly": self.assembly,
            "ToolInstance": self.instance,
            "ToolPreset": self.preset,
        }[entity]


async def make_foreign(api: Api) -> Foreign:
    await insert_user(api.engine, OTHER_USER, "other@example.com")
    [item] = await create_ok(api, "ToolItem", [{"name": "their item"}])
    [assembly] = await create_ok(api, "ToolAssembly", [{"name": "their assembly"}])
    [instance] = await create_ok(api, "ToolInstance", [{"serialNumber": "F-1"}])
    [preset] = await create_ok(
        api, "ToolPreset", [{"name": "their T1", "machineId": "their-mill", "toolNumber": 1}]
    )
    async with api.engine.begin() as conn:
        for entity, row_id in [
            ("ToolItem", item),
            ("ToolAssembly", assembly),
            ("ToolInstance", instance),
            ("ToolPreset", preset),
        ]:
            await conn.execute(
                text(
                    f"UPDATE {NAMES[entity].table} SET owner_id = :o, created_by = :o, updated_by = :o WHERE id = :id"
                ),
                {"o": OTHER_USER, "id": row_id},
            )
    return Foreign(item, assembly, instance, preset)


async def _world_and_foreign(api: Api) -> tuple[World, Foreign]:
    return await make_world(api), await make_foreign(api)


@pytest.fixture(scope="module")
async def built(
    module_database_url: str, module_reset: PostgresReset | None
) -> AsyncIterator[Built[tuple[World, Foreign]]]:
    async with built_once(module_database_url, module_reset, _world_and_foreign) as kept:
        yield kept


case_db, database_url, engine = CASE_FIXTURES


@pytest.fixture
def world(built: Built[tuple[World, Foreign]]) -> World:
    return built.world[0]


@pytest.fixture
def foreign(built: Built[tuple[World, Foreign]]) -> Foreign:
    return built.world[1]


async def assert_delta(
    api: Api, before: DbState, delta: dict[str, int], *, rewritten: tuple[str, ...] = ()
) -> None:
    """Row counts moved by exactly `delta`; every row stored before is still there, unchanged,
    except in tables that lost rows or whose rows the write legitimately rewrote."""
    after = await db_state(api)
    assert after.counts == {name: count + delta.get(name, 0) for name, count in before.counts.items()}
    for name, rows in before.rows.items():
        if delta.get(name, 0) >= 0 and name not in rewritten:
            assert set(rows) <= set(after.rows[name]), name


# --- references to rows that are not there, not yours, or of another kind ---------------------


@dataclass(frozen=True)
class RefCase:
    entity: str
    field: str  # the field the error must name
    target: str  # the entity type the reference must name
    element: Callable[[World, str], dict[str, Any]]  # (world, referenced id) -> input fields
    create_only: bool = False
    join_rows: tuple[str, int] | None = None  # join rows the good element writes

    def join_delta(self) -> dict[str, int]:
        return dict([self.join_rows]) if self.join_rows else {}


REF_CASES = [
    RefCase("ToolItem", "parentToolId", "ToolItem", lambda w, x: {"parentToolId": x}),
    RefCase(
        "ToolAssembly",
        "components[1].itemId",
        "ToolItem",
        lambda w, x: {
            "components": [{"itemId": w.items[0], "role": "HOLDER"}, {"itemId": x, "role": "CUTTER"}]
        },
        join_rows=("assembly_components", 2),
    ),
    RefCase(
        "ToolAssembly",
        "components[0].itemId",
        "ToolItem",
        lambda w, x: {"holderId": x},
        create_only=True,
        join_rows=("assembly_components", 1),
    ),
    RefCase("ToolInstance", "toolItemId", "ToolItem", lambda w, x: {"toolItemId": x}),
    RefCase("ToolInstance", "toolAssemblyId", "ToolAssembly", lambda w, x: {"toolAssemblyId": x}),
    RefCase("ToolPreset", "toolInstanceId", "ToolInstance", lambda w, x: {"toolInstanceId": x}),
    RefCase("ToolUsage", "toolInstanceId", "ToolInstance", lambda w, x: {"toolInstanceId": x}),
    RefCase("ToolUsage", "presetId", "ToolPreset", lambda w, x: {"presetId": x}),
    RefCase(
        "ToolSet",
        "toolInstanceIds[1]",
        "ToolInstance",
        lambda w, x: {"toolInstanceIds": [w.spare_instance, x]},
        join_rows=("tool_set_instances", 2),
    ),
    RefCase(
        "ToolSet",
        "toolPresetIds[0]",
        "ToolPreset",
        lambda w, x: {"toolPresetIds": [x]},
        join_rows=("tool_set_presets", 1),
    ),
]


def _good_reference(world: World, target: str) -> str:
    return {
        "ToolItem": world.items[1],
        "ToolAssembly": world.assembly,
        "ToolInstance": world.instance,
        "ToolPreset": world.preset,
    }[target]


def _other_kind(world: World, target: str) -> str:
    """An existing row of the owner, but of a different entity type than the reference needs."""
    return world.usage if target != "ToolUsage" else world.tool_set


REF_CASES_BY_OP = [
    pytest.param(case, op, id=f"{case.entity}-{'holderId' if case.create_only else case.field}-{op}")
    for case in REF_CASES
    for op in ("create", "update")
    if op == "create" or not case.create_only  # holderId is a create-only shorthand
]


@pytest.mark.parametrize(("case", "op"), REF_CASES_BY_OP)
async def test_reference_to_a_missing_foreign_or_wrong_row_is_refused_per_item(
    api: Api, world: World, foreign: Foreign, case: RefCase, op: str
) -> None:
    entity = case.entity
    bad_refs = [new_id(), foreign.of(case.target), _other_kind(world, case.target)]
    [target] = await seed(api, entity)
    row = await read(api, entity, target)

    def batch(version: int) -> tuple[list[str], list[dict[str, Any]]]:
        """Four bad references (missing, theirs, other kind, malformed), then a good one."""
        refs = [*bad_refs, "not-a-uuid", _good_reference(world, case.target)]
        if op == "create":
            ids = [new_id() for _ in refs]
            return ids, [
                {**valid_input(entity), "id": i, **case.element(world, x)}
                for i, x in zip(ids, refs, strict=False)
            ]
        return [target] * 5, [
            {"id": target, "expectedVersion": version, **case.element(world, x)} for x in refs
        ]

    # atomic: nothing at all
    before = await db_state(api)
    ids, inputs = batch(version=1)
    result = await bulk(api, op, entity, inputs, atomic=True)
    expected_errors = [
        *(
            error(n, ids[n], "NOT_FOUND", case.field, f"{case.field}: no {case.target} with id {x}")
            for n, x in enumerate(bad_refs)
        ),
        error(3, ids[3], "VALIDATION", case.field, f"{case.field}: 'not-a-uuid' is not a valid id (UUID)"),
    ]
    assert result["successCount"] == 0
    assert result["errors"] == expected_errors
    await assert_unchanged(api, before)

    # not atomic: the good element is written, each bad one is audited
    result = await bulk(api, op, entity, inputs)

    assert result["errors"] == expected_errors
    assert result["successCount"] == 1
    [written] = result["results"]
    assert written["id"] == ids[4]
    assert await read(api, entity, ids[4]) == written
    table = NAMES[entity].table
    if op == "create":
        assert written["version"] == 1
        await assert_delta(api, before, {table: 1, "audit_log": 5, "change_log": 1, **case.join_delta()})
        for i in ids[:4]:
            assert await read(api, entity, i) is None
            assert await change_rows(api, i) == []
    else:
        assert written["version"] == 2
        joins = ("assembly_components", "tool_set_instances", "tool_set_presets")
        delta = {
            "audit_log": 5,
            "change_log": 1,
            "tool_set_versions": int(entity == "ToolSet"),
            **case.join_delta(),
        }
        await assert_delta(api, before, delta, rewritten=(table, *joins))
        changed = ("version", "updatedAt", *_changed_keys(case.element(world, "")))
        assert {k: v for k, v in written.items() if k not in changed} == {
            k: v for k, v in (row or {}).items() if k not in changed
        }
        assert sorted(await audit_rows(api, target), key=repr) == sorted(
            [
                ("CREATE", "success", None),
                ("UPDATE", "success", None),
                *(("UPDATE", "error", e["message"]) for e in expected_errors),
            ],
            key=repr,
        )
        assert await change_rows(api, target) == [(entity, "CREATED", 1), (entity, "UPDATED", 2)]


def _changed_keys(fields: dict[str, Any]) -> list[str]:
    keys = list(fields)
    if "components" in keys:
        keys.append("components")
    if "toolInstanceIds" in keys:
        keys.append("toolInstances")
    if "toolPresetIds" in keys:
        keys.append("toolPresets")
    if "presetId" in keys:  # a usage record takes instance and machine from its preset
        keys += ["toolInstanceId", "machineId"]
    return keys


async def test_usage_instance_must_match_its_preset(api: Api, world: World) -> None:
    [other_instance] = await create_ok(api, "ToolInstance", [{"serialNumber": "OTHER-1"}])
    before = await db_state(api)
    bad_id = new_id()

    result = await bulk(
        api,
        "create",
        "ToolUsage",
        [
            {
                **valid_input("ToolUsage"),
                "id": bad_id,
                "presetId": world.preset,
                "toolInstanceId": other_instance,
            }
        ],
    )

    assert result["errors"] == [
        error(
            0,
            bad_id,
            "VALIDATION",
            "toolInstanceId",
            "toolInstanceId: differs from the instance of the given preset",
        )
    ]
    await assert_delta(api, before, {"audit_log": 1})


# --- deleting rows that others still reference ---------------------------------------------------


def _referrers(world: World) -> list[tuple[str, str, str]]:
    """(entity, id, expected message) for each row the world still references."""
    holder, cutter, child = world.items
    return [
        ("ToolItem", holder, f"id: still referenced by ToolAssembly {world.assembly}"),
        (
            "ToolItem",
            cutter,
            f"id: still referenced by ToolAssembly {world.assembly}, ToolInstance {world.instance}, ToolItem {child}",
        ),
        ("ToolAssembly", world.assembly, f"id: still referenced by ToolInstance {world.instance}"),
        (
            "ToolInstance",
            world.instance,
            f"id: still referenced by ToolPreset {world.preset}, ToolSet {world.tool_set}, ToolUsage {world.usage}",
        ),
        (
            "ToolPreset",
            world.preset,
            f"id: still referenced by ToolSet {world.tool_set}, ToolUsage {world.usage}",
        ),
    ]


@pytest.mark.parametrize(
    "which",
    range(5),
    ids=["item-in-assembly", "item-in-assembly-instance-and-item", "assembly", "instance", "preset"],
)
async def test_delete_of_a_referenced_row_is_refused_naming_the_referrers(
    api: Api, world: World, which: int
) -> None:
    entity, referenced, message = _referrers(world)[which]
    [free] = await seed(api, entity)
    row = await read(api, entity, referenced)
    before = await db_state(api)

    result = await bulk(
        api, "delete", entity, [{"id": referenced, "expectedVersion": 1}, {"id": free}], atomic=True
    )
    assert result["successCount"] == 0
    assert result["errors"] == [error(0, referenced, "CONSTRAINT", "id", message)]
    await assert_unchanged(api, before)

    result = await bulk(api, "delete", entity, [{"id": referenced, "expectedVersion": 1}, {"id": free}])
    assert result["errors"] == [error(0, referenced, "CONSTRAINT", "id", message)]
    assert [r["id"] for r in result["results"]] == [free]
    await assert_delta(api, before, {NAMES[entity].table: -1, "audit_log": 2, "change_log": 1})
    assert await read(api, entity, referenced) == row
    assert await read(api, entity, free) is None
    assert await audit_rows(api, referenced) == [("CREATE", "success", None), ("DELETE", "error", message)]
    assert await change_rows(api, referenced) == [(entity, "CREATED", 1)]
    assert await change_rows(api, free) == [(entity, "CREATED", 1), (entity, "DELETED", 1)]


async def test_delete_refusal_names_five_referrers_and_counts_the_rest(api: Api) -> None:
    [assembly] = await create_ok(api, "ToolAssembly", [{"name": "popular"}])
    instances = await create_ok(
        api, "ToolInstance", [{"serialNumber": f"P-{n}", "toolAssemblyId": assembly} for n in range(7)]
    )
    before = await db_state(api)

    result = await bulk(api, "delete", "ToolAssembly", [{"id": assembly}])

    shown = ", ".join(f"ToolInstance {i}" for i in sorted(instances)[:5])
    assert result["errors"] == [
        error(0, assembly, "CONSTRAINT", "id", f"id: still referenced by {shown} and 2 more")
    ]
    await assert_delta(api, before, {"audit_log": 1})


# The other user's rows, which the world holds beside the owner's (Foreign): one of each.
THEIRS = {"tool_items": 1, "tool_assemblies": 1, "tool_instances": 1, "tool_presets": 1}


async def test_rows_are_deletable_once_nothing_references_them(api: Api, world: World) -> None:
    """The positive control: deleting in dependency order removes everything of the owner's,
    join rows included."""
    for entity, ids in [
        ("ToolUsage", [world.usage]),
        ("ToolSet", [world.tool_set]),
        ("ToolPreset", [world.preset]),
        ("ToolInstance", [world.instance, world.spare_instance]),
        ("ToolAssembly", [world.assembly]),
        ("ToolItem", [world.items[2]]),
        ("ToolItem", world.items[:2]),
    ]:
        result = await bulk(api, "delete", entity, [{"id": i, "expectedVersion": 1} for i in ids])
        assert result["errors"] == [], entity
    counts = await api.counts()
    for table in [
        "tool_items",
        "tool_assemblies",
        "assembly_components",
        "tool_instances",
        "tool_presets",
        "tool_usages",
        "tool_sets",
        "tool_set_instances",
        "tool_set_presets",
    ]:
        assert counts[table] == THEIRS.get(table, 0), table  # only the other user's rows are left
    assert counts["change_log"] == 22  # 9 created, 9 deleted; the other user's 4 created


# --- uniqueness: serial numbers, and T numbers per machine ----------------------------------------


async def test_duplicate_serial_number_in_one_batch(api: Api, world: World, foreign: Foreign) -> None:
    a, b, c, d = (new_id() for _ in range(4))
    before = await db_state(api)
    inputs = [
        {"id": a, "serialNumber": "DUP-1"},
        {"id": b, "serialNumber": "DUP-1", "status": "IN_USE"},
        {"id": c, "serialNumber": "dup-1"},  # case matters
        {"id": d, "serialNumber": "F-1"},  # another user's serial is no conflict
    ]
    message = "serialNumber: is already used by another of your instances"

    result = await bulk(api, "create", "ToolInstance", inputs, atomic=True)
    assert result["successCount"] == 0
    assert result["errors"] == [error(1, b, "CONSTRAINT", "serialNumber", message)]
    await assert_unchanged(api, before)

    result = await bulk(api, "create", "ToolInstance", inputs)
    assert result["errors"] == [error(1, b, "CONSTRAINT", "serialNumber", message)]
    assert [r["id"] for r in result["results"]] == [a, c, d]
    await assert_delta(api, before, {"tool_instances": 3, "audit_log": 4, "change_log": 3})
    assert (await read(api, "ToolInstance", a) or {})["status"] == "AVAILABLE"
    assert await read(api, "ToolInstance", b) is None
    assert await audit_rows(api, b) == [("CREATE", "error", message)]


async def test_duplicate_serial_number_across_batches(api: Api, world: World) -> None:
    [mine] = await seed(api, "ToolInstance")
    row = await read(api, "ToolInstance", mine)
    before = await db_state(api)
    message = "serialNumber: is already used by another of your instances"
    new = new_id()

    created = await bulk(api, "create", "ToolInstance", [{"id": new, "serialNumber": "W-1"}])
    updated = await bulk(
        api, "update", "ToolInstance", [{"id": mine, "expectedVersion": 1, "serialNumber": "W-1"}]
    )

    assert created["errors"] == [error(0, new, "CONSTRAINT", "serialNumber", message)]
    assert updated["errors"] == [error(0, mine, "CONSTRAINT", "serialNumber", message)]
    await assert_delta(api, before, {"audit_log": 2})
    assert await read(api, "ToolInstance", mine) == row
    assert (await read(api, "ToolInstance", world.instance) or {})["version"] == 1


async def test_duplicate_tool_number_on_one_machine_in_one_batch(
    api: Api, world: World, foreign: Foreign
) -> None:
    ids = [new_id() for _ in range(6)]
    inputs = [
        {"id": ids[0], "name": "T7", "machineId": "lathe-1", "toolNumber": 7},
        {"id": ids[1], "name": "T7 again", "machineId": "lathe-1", "toolNumber": 7},
        {"id": ids[2], "name": "T7 elsewhere", "machineId": "lathe-2", "toolNumber": 7},
        {"id": ids[3], "name": "no number", "machineId": "lathe-1"},
        {"id": ids[4], "name": "no number either", "machineId": "lathe-1"},  # NULLs do not collide
        {"id": ids[5], "name": "their T1 number", "machineId": "their-mill", "toolNumber": 1},  # other owner
    ]
    message = "toolNumber: is already used by another preset on this machine"
    before = await db_state(api)

    result = await bulk(api, "create", "ToolPreset", inputs, atomic=True)
    assert result["errors"] == [error(1, ids[1], "CONSTRAINT", "toolNumber", message)]
    assert result["successCount"] == 0
    await assert_unchanged(api, before)

    result = await bulk(api, "create", "ToolPreset", inputs)
    assert result["errors"] == [error(1, ids[1], "CONSTRAINT", "toolNumber", message)]
    assert [r["id"] for r in result["results"]] == [ids[0], *ids[2:]]
    await assert_delta(api, before, {"tool_presets": 5, "audit_log": 6, "change_log": 5})


async def test_duplicate_tool_number_on_one_machine_across_batches(api: Api, world: World) -> None:
    [mine] = await create_ok(api, "ToolPreset", [{"name": "T2", "machineId": "mill-1", "toolNumber": 2}])
    row = await read(api, "ToolPreset", mine)
    before = await db_state(api)
    message = "toolNumber: is already used by another preset on this machine"
    new = new_id()

    created = await bulk(
        api, "create", "ToolPreset", [{"id": new, "name": "T1 copy", "machineId": "mill-1", "toolNumber": 1}]
    )
    renumbered = await bulk(
        api, "update", "ToolPreset", [{"id": mine, "expectedVersion": 1, "toolNumber": 1}]
    )
    moved = await bulk(
        api,
        "update",
        "ToolPreset",
        [{"id": world.preset, "expectedVersion": 1, "machineId": "mill-1", "toolNumber": 2}],
    )

    assert created["errors"] == [error(0, new, "CONSTRAINT", "toolNumber", message)]
    assert renumbered["errors"] == [error(0, mine, "CONSTRAINT", "toolNumber", message)]
    assert moved["errors"] == [error(0, world.preset, "CONSTRAINT", "toolNumber", message)]
    await assert_delta(api, before, {"audit_log": 3})
    assert await read(api, "ToolPreset", mine) == row


async def test_uniqueness_failure_in_an_update_batch_keeps_the_other_updates(api: Api, world: World) -> None:
    a, b = await seed(api, "ToolInstance", 2)
    before_b = await read(api, "ToolInstance", b)
    before = await db_state(api)
    message = "serialNumber: is already used by another of your instances"

    result = await bulk(
        api,
        "update",
        "ToolInstance",
        [
            {"id": a, "expectedVersion": 1, "status": "RETIRED"},
            {"id": b, "expectedVersion": 1, "serialNumber": "W-1"},
        ],
    )

    assert result["errors"] == [error(1, b, "CONSTRAINT", "serialNumber", message)]
    assert [(r["id"], r["version"], r["status"]) for r in result["results"]] == [(a, 2, "RETIRED")]
    assert await read(api, "ToolInstance", b) == before_b
    assert await change_rows(api, a) == [("ToolInstance", "CREATED", 1), ("ToolInstance", "UPDATED", 2)]
    assert await change_rows(api, b) == [("ToolInstance", "CREATED", 1)]
    assert await audit_rows(api, b) == [("CREATE", "success", None), ("UPDATE", "error", message)]
    counts = await api.counts()
    assert counts == {
        **before.counts,
        "audit_log": before.counts["audit_log"] + 2,
        "change_log": before.counts["change_log"] + 1,
    }


async def test_failed_final_update_of_an_id_takes_its_earlier_updates_with_it(api: Api, world: World) -> None:
    """Two updates of one row in a batch are written as its final state; when the database
    refuses that state, neither is applied and both are reported."""
    [target] = await seed(api, "ToolInstance")
    row = await read(api, "ToolInstance", target)
    before = await db_state(api)

    result = await bulk(
        api,
        "update",
        "ToolInstance",
        [
            {"id": target, "expectedVersion": 1, "serialNumber": "fine"},
            {"id": target, "expectedVersion": 2, "serialNumber": "W-1"},
        ],
    )

    assert result["successCount"] == 0
    assert result["errors"] == [
        error(
            0, target, "CONSTRAINT", "id", "id: not written: another update of this id in the batch failed"
        ),
        error(
            1,
            target,
            "CONSTRAINT",
            "serialNumber",
            "serialNumber: is already used by another of your instances",
        ),
    ]
    assert await read(api, "ToolInstance", target) == row
    await assert_delta(api, before, {"audit_log": 2})
    assert await change_rows(api, target) == [("ToolInstance", "CREATED", 1)]


async def test_huge_member_list_is_refused_per_item_not_with_a_server_error(api: Api, world: World) -> None:
    """One element may name more ids than a statement can bind (PostgreSQL: 32767); that
    must still be an answer about that element, the same on both databases."""
    ids = [new_id() for _ in range(33_000)]
    bad = new_id()
    before = await db_state(api)

    result = await bulk(
        api, "create", "ToolSet", [{**valid_input("ToolSet"), "id": bad, "toolInstanceIds": ids}]
    )

    assert result["successCount"] == 0
    [err] = result["errors"]
    assert (err["index"], err["id"]) == (0, bad)
    assert err["code"] in ("NOT_FOUND", "LIMIT", "VALIDATION")
    assert err["field"].startswith("toolInstanceIds")
    await assert_delta(api, before, {"audit_log": 1})
