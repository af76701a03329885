"""A shop with data of every kind (through GraphQL and REST), and every table as plain rows."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from smooth_gql.db.models import Base
from support.auth import AuthApi, Creds

CREATE_ITEMS = "mutation($i: [ToolItemCreateInput!]!) { r: createToolItems(input: $i) { errors { message } results { id } } }"
CREATE_ASSEMBLIES = "mutation($i: [ToolAssemblyCreateInput!]!) { r: createToolAssemblies(input: $i) { errors { message } results { id } } }"
CREATE_INSTANCES = "mutation($i: [ToolInstanceCreateInput!]!) { r: createToolInstances(input: $i) { errors { message } results { id } } }"
CREATE_PRESETS = "mutation($i: [ToolPresetCreateInput!]!) { r: createToolPresets(input: $i) { errors { message } results { id } } }"
CREATE_USAGES = "mutation($i: [ToolUsageCreateInput!]!) { r: createToolUsages(input: $i) { errors { message } results { id } } }"
CREATE_SETS = "mutation($i: [ToolSetCreateInput!]!) { r: createToolSets(input: $i) { errors { message } results { id } } }"
UPDATE_SETS = "mutation($i: [ToolSetUpdateInput!]!) { r: updateToolSets(input: $i) { errors { message } results { id } } }"
DELETE_ITEMS = (
    "mutation($i: [DeleteInput!]!) { r: deleteToolItems(input: $i) { errors { message } results { id } } }"
)


@dataclass
class Shop:
    admin: Creds
    admin_id: str
    user: Creds
    user_id: str
    user_items: list[str]


async def _ids(auth: AuthApi, mutation: str, inputs: list[dict[str, Any]], creds: Creds) -> list[str]:
    data = await auth.ok(mutation, {"i": inputs}, creds)
    assert not data["r"]["errors"], data["r"]["errors"]
    return [r["id"] for r in data["r"]["results"]]


async def stock(auth: AuthApi, creds: Creds, label: str) -> list[str]:
    """One tenant's library: every entity, every join, tool-set history, a legacy row and a delete."""
    parent, child, gone = await _ids(
        auth,
        CREATE_ITEMS,
        [
            {
                "name": f"{label} holder",
                "category": "HOLDER",
                "tags": ["shop", label],
                "geometry": {"d": 12.5},
            },
            {
                "name": f"{label} mill",
                "category": "CUTTING_TOOL",
                "toolType": "END_MILL",
                "manufacturer": "Fräs AG",
                "capabilities": {"materials": ["steel"]},
                "shapeData": [1, 2],
                "tags": [label],
            },
            {"name": f"{label} doomed", "category": "OTHER"},
        ],
        creds,
    )
    await _ids(
        auth,
        "mutation($i: [ToolItemUpdateInput!]!) { r: updateToolItems(input: $i) { errors { message } results { id } } }",
        [{"id": child, "expectedVersion": 1, "parentToolId": parent}],
        creds,
    )
    [assembly] = await _ids(
        auth,
        CREATE_ASSEMBLIES,
        [
            {
                "name": f"{label} assembly",
                "components": [
                    {"itemId": parent, "role": "HOLDER", "position": 0},
                    {"itemId": child, "role": "CUTTER", "position": 1, "gaugeOffset": 42.25},
                ],
                "tags": [label],
            }
        ],
        creds,
    )
    [instance] = await _ids(
        auth,
        CREATE_INSTANCES,
        [
            {
                "serialNumber": f"{label}-SN1",
                "toolAssemblyId": assembly,
                "toolItemId": child,
                "status": "IN_USE",
                "purchaseDate": "2024-02-29",
                "location": {"rack": 3},
                "tags": [label],
            }
        ],
        creds,
    )
    [preset] = await _ids(
        auth,
        CREATE_PRESETS,
        [
            {
                "name": "T7",
                "machineId": "mill-1",
                "toolNumber": 7,
                "toolInstanceId": instance,
                "parameters": {"rpm": 12000},
                "offsets": {"z": -0.125},
                "loadedAt": "2025-01-02T03:04:05+02:00",
            }
        ],
        creds,
    )
    await _ids(
        auth,
        CREATE_USAGES,
        [
            {
                "presetId": preset,
                "startTime": "2025-03-01T08:00:00Z",
                "endTime": "2025-03-01T09:30:00Z",
                "cycleCount": 12,
                "cutTime": 81.5,
                "programName": "O1001",
                "notes": "first run",
            }
        ],
        creds,
    )
    [tool_set] = await _ids(
        auth,
        CREATE_SETS,
        [
            {
                "name": f"{label} setup",
                "type": "MACHINE_SETUP",
                "machineId": "mill-1",
                "toolInstanceIds": [instance],
                "toolPresetIds": [preset],
                "tags": [label],
            }
        ],
        creds,
    )
    await _ids(auth, UPDATE_SETS, [{"id": tool_set, "expectedVersion": 1, "status": "ACTIVE"}], creds)
    await _ids(auth, DELETE_ITEMS, [{"id": gone}], creds)
    # Through the legacy REST door: a type no enum names (kept verbatim) and a free-form components array.
    response = await auth.client.post(
        "/api/v1/tool-items",
        json={"items": [{"type": "probe-ish", "manufacturer": "Renishaw", "description": f"{label} probe"}]},
        headers=creds.as_headers(),
    )
    auth.client.cookies.clear()
    assert response.json()["error_count"] == 0, response.text
    legacy = response.json()["results"][0]["id"]
    response = await auth.client.post(
        "/api/v1/tool-assemblies",
        json={
            "items": [
                {
                    "name": f"{label} legacy",
                    "components": [{"item_id": legacy, "role": "cutter"}, {"item_id": "tool-1"}],
                }
            ]
        },
        headers=creds.as_headers(),
    )
    auth.client.cookies.clear()
    assert response.json()["error_count"] == 0, response.text
    return [parent, child, legacy]


async def build_shop(auth: AuthApi) -> Shop:
    admin_id = (await auth.register("admin@example.com"))["id"]
    admin = await auth.login("admin@example.com")
    user_id = await auth.create_user(admin, "user@example.com")
    user = await auth.login("user@example.com")
    await stock(auth, admin, "a")
    user_items = await stock(auth, user, "u")
    await auth.key(admin, ["read", "admin:backup"], name="backup bot", tags=["shop"])
    await auth.key(user, ["read"], name="bridge", machineId="mill-1")
    return Shop(admin, admin_id, user, user_id, user_items)


async def dump(engine: AsyncEngine, skip: tuple[str, ...] = ()) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, ordered by primary key: equal dumps mean equal databases.

    Left out: `change_seq`, where a row's latest change sits in this server's log, which a
    restore rightly moves (test_a_legacy_sync_client_sees_what_a_restore_wrote checks it); and
    `rate_windows`, where PostgreSQL counts every request against its caller's budget.
    """
    out: dict[str, list[dict[str, Any]]] = {}
    async with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            if table.name in (*skip, "rate_windows"):
                continue
            rows = [
                {k: v for k, v in r.items() if k != "change_seq"}
                for r in (await conn.execute(select(table))).mappings()
            ]
            keys = [c.name for c in table.primary_key.columns]
            out[table.name] = sorted(rows, key=lambda r: tuple(str(r[k]) for k in keys))
    return out


async def state(engine: AsyncEngine) -> dict[str, list[dict[str, Any]]]:
    """What `dump` holds, to compare one state of a database with another of the same backend.

    PostgreSQL: every table as JSON in one statement, rows in primary-key order, values as
    `to_jsonb` writes them (exact text for every column type); `dump` sent a statement per
    table, ~25 ms where this takes a few, and the property tests take a state around every
    request. SQLite, where a statement costs no round trip: `dump` itself. The rows have
    dump's keys (change_seq and rate_windows left out as there), so a test may read them.
    """
    if engine.dialect.name != "postgresql":
        return await dump(engine)
    tables = [t for t in Base.metadata.sorted_tables if t.name != "rate_windows"]
    columns = []
    for table in tables:
        order = ", ".join(f't."{c.name}"' for c in table.primary_key.columns)
        row = "to_jsonb(t) - 'change_seq'"
        columns.append(
            f"""(SELECT coalesce(json_agg({row} ORDER BY {order}), '[]')::text FROM "{table.name}" t)"""
        )
    async with engine.connect() as conn:
        found = (await conn.execute(text(f"SELECT {', '.join(columns)}"))).one()
    return {table.name: json.loads(rows) for table, rows in zip(tables, found, strict=True)}
