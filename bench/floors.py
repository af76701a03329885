"""Raw-SQL floors: the same rows fetched or written with SQLAlchemy Core, no GraphQL.

A floor is the least a server could do for a workload on this engine and
driver: the same SELECTs (one per relation, `IN (...)` for the related rows)
or the same INSERTs (one executemany per table, one transaction), the rows
shaped into the same JSON document and encoded with the app's own encoder
(smooth_gql/json_codec.py, orjson). The column
types of the models are used, so JSON decoding and the UTC datetime handling
are paid here as in the app; only the GraphQL layer, the DataLoaders, the
validation and the app's bookkeeping are left out. A floor SELECT names only
the columns the answer needs (the app reads whole rows). The ratio of a
workload's time to its floor is therefore "overhead of the app over the
database and driver", measured in the same process on the same engine.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from smooth_gql.auth.principal import LOCAL_ADMIN_ID
from smooth_gql.db import models
from smooth_gql.db.engine import IMMEDIATE
from smooth_gql.json_codec import dumps

ITEMS: Table = models.ToolItem.__table__  # type: ignore[assignment]
ASSEMBLIES: Table = models.ToolAssembly.__table__  # type: ignore[assignment]
COMPONENTS: Table = models.AssemblyComponent.__table__  # type: ignore[assignment]
INSTANCES: Table = models.ToolInstance.__table__  # type: ignore[assignment]
PRESETS: Table = models.ToolPreset.__table__  # type: ignore[assignment]
AUDIT: Table = models.AuditLog.__table__  # type: ignore[assignment]
CHANGES: Table = models.ChangeLog.__table__  # type: ignore[assignment]

# The app lists the caller's own rows; the benchmark calls as the local admin.
OWNER = LOCAL_ADMIN_ID

# GraphQL input names of a ToolItem that differ from their column names.
ITEM_INPUT_COLUMNS = {
    "partNumber": "part_number",
    "toolType": "tool_type",
    "shapeData": "shape_data",
    "iso13399Reference": "iso13399_reference",
    "parentToolId": "parent_tool_id",
}


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


# --- toolItems(first: 1000) -----------------------------------------------------------


async def tool_items_page(engine: AsyncEngine, first: int) -> bytes:
    """One SELECT of the page (caller's rows, creation order), shaped like the GraphQL answer."""
    t = ITEMS
    query = (
        select(
            t.c.id,
            t.c.name,
            t.c.description,
            t.c.manufacturer,
            t.c.part_number,
            t.c.category,
            t.c.tool_type,
            t.c.geometry,
            t.c.material,
            t.c.tags,
            t.c.version,
            t.c.created_at,
            t.c.updated_at,
        )
        .where(t.c.owner_id == OWNER)
        .order_by(t.c.created_at, t.c.insert_seq, t.c.id)  # the API's creation order (services/reads.py)
        .limit(first)
    )
    async with engine.connect() as conn:
        rows = (await conn.execute(query)).all()
    edges = [
        {
            "node": {
                "id": r.id,
                "name": r.name,
                "description": r.description,
                "manufacturer": r.manufacturer,
                "partNumber": r.part_number,
                "category": r.category,
                "toolType": r.tool_type,
                "geometry": r.geometry,
                "material": r.material,
                "tags": r.tags,
                "version": r.version,
                "createdAt": _iso(r.created_at),
                "updatedAt": _iso(r.updated_at),
            }
        }
        for r in rows
    ]
    return dumps({"toolItems": {"edges": edges}})


# --- the machine view -----------------------------------------------------------------


async def machine_view(engine: AsyncEngine, machine_id: str, first: int) -> bytes:
    """Presets of one machine, then instances, assemblies, components and items by `IN (...)`."""
    p, i, a, c, it = PRESETS, INSTANCES, ASSEMBLIES, COMPONENTS, ITEMS
    async with engine.connect() as conn:
        presets = (
            await conn.execute(
                select(
                    p.c.id,
                    p.c.name,
                    p.c.tool_number,
                    p.c.pocket,
                    p.c.offsets,
                    p.c.parameters,
                    p.c.version,
                    p.c.tool_instance_id,
                )
                .where(p.c.owner_id == OWNER, p.c.machine_id == machine_id)
                .order_by(p.c.created_at, p.c.insert_seq, p.c.id)
                .limit(first)
            )
        ).all()
        instance_ids = {r.tool_instance_id for r in presets if r.tool_instance_id is not None}
        instances: dict[str, Any] = {}
        if instance_ids:
            result = await conn.execute(
                select(i.c.id, i.c.serial_number, i.c.status, i.c.tool_assembly_id).where(
                    i.c.id.in_(instance_ids)
                )
            )
            instances = {r.id: r for r in result}
        assembly_ids = {r.tool_assembly_id for r in instances.values() if r.tool_assembly_id is not None}
        assemblies: dict[str, Any] = {}
        components: dict[str, list[Any]] = {key: [] for key in assembly_ids}
        if assembly_ids:
            assemblies = {
                r.id: r for r in await conn.execute(select(a.c.id, a.c.name).where(a.c.id.in_(assembly_ids)))
            }
            result = await conn.execute(
                select(c.c.assembly_id, c.c.role, c.c.position, c.c.item_id)
                .where(c.c.assembly_id.in_(assembly_ids))
                .order_by(c.c.assembly_id, c.c.position)
            )
            for r in result:
                components[r.assembly_id].append(r)
        item_ids = {r.item_id for rows in components.values() for r in rows}
        items: dict[str, Any] = {}
        if item_ids:
            result = await conn.execute(
                select(it.c.id, it.c.name, it.c.category, it.c.part_number, it.c.geometry).where(
                    it.c.id.in_(item_ids)
                )
            )
            items = {r.id: r for r in result}

    def item(item_id: str) -> dict[str, Any] | None:
        r = items.get(item_id)
        if r is None:
            return None
        return {
            "id": r.id,
            "name": r.name,
            "category": r.category,
            "partNumber": r.part_number,
            "geometry": r.geometry,
        }

    def assembly(assembly_id: str | None) -> dict[str, Any] | None:
        r = assemblies.get(assembly_id) if assembly_id is not None else None
        if r is None:
            return None
        return {
            "id": r.id,
            "name": r.name,
            "components": [
                {"role": m.role, "position": m.position, "item": item(m.item_id)} for m in components[r.id]
            ],
        }

    def instance(instance_id: str | None) -> dict[str, Any] | None:
        r = instances.get(instance_id) if instance_id is not None else None
        if r is None:
            return None
        return {
            "id": r.id,
            "serialNumber": r.serial_number,
            "status": r.status,
            "toolAssembly": assembly(r.tool_assembly_id),
        }

    edges = [
        {
            "node": {
                "id": r.id,
                "name": r.name,
                "toolNumber": r.tool_number,
                "pocket": r.pocket,
                "offsets": r.offsets,
                "parameters": r.parameters,
                "version": r.version,
                "toolInstance": instance(r.tool_instance_id),
            }
        }
        for r in presets
    ]
    return dumps({"toolPresets": {"edges": edges}})


# --- createToolItems(1,000) ------------------------------------------------------------


def _item_row(spec: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    """Every column of a new item, as the app would store it (unset fields NULL, tags a list)."""
    row: dict[str, Any] = {column.name: None for column in ITEMS.columns}
    for key, value in spec.items():
        row[ITEM_INPUT_COLUMNS.get(key, key)] = value
    row.update(
        id=str(uuid.uuid4()),
        owner_id=OWNER,
        created_by=OWNER,
        updated_by=OWNER,
        created_at=now,
        updated_at=now,
        version=1,
        category=row["category"] or "OTHER",
        tags=list(row["tags"] or []),
    )
    return row


async def create_items(engine: AsyncEngine, inputs: Sequence[Mapping[str, Any]]) -> bytes:
    """The item rows, one audit row and one change-log row each, three executemany, one transaction."""
    now = datetime.now(UTC)
    stamp = now.isoformat()
    items: list[dict[str, Any]] = []
    audit: list[dict[str, Any]] = []
    changes: list[dict[str, Any]] = []
    for spec in inputs:
        row = _item_row(spec, now)
        items.append(row)
        audit.append(
            {
                "id": str(uuid.uuid4()),
                "user_id": OWNER,
                "owner_id": OWNER,
                "timestamp": now,
                "operation": "CREATE",
                "entity_type": "ToolItem",
                "entity_id": row["id"],
                "changes": {"after": {**row, "created_at": stamp, "updated_at": stamp}},
                "result": "success",
                "error_message": None,
            }
        )
        changes.append(
            {
                "entity_type": "ToolItem",
                "entity_id": row["id"],
                "operation": "CREATED",
                "version": 1,
                "owner_id": OWNER,
                "tags": row["tags"],
                "machine_id": None,
                "changed_at": now,
                "changed_by": OWNER,
            }
        )
    async with engine.connect() as conn:
        # The write lock at BEGIN on SQLite, as the app's unit of work takes it (no-op on PostgreSQL).
        await conn.execution_options(**{IMMEDIATE: True})
        async with conn.begin():
            await conn.execute(insert(ITEMS), items)
            await conn.execute(insert(AUDIT), audit)
            await conn.execute(insert(CHANGES), changes)
    results = [{"id": row["id"], "version": 1} for row in items]
    return dumps({"createToolItems": {"successCount": len(results), "results": results}})
