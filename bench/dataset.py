"""The benchmark data set, built through the app's own bulk mutations.

Going through GraphQL (rather than inserting rows directly) means the rows the
workloads read carry exactly what the write path stores: audit and change-log
rows, normalised values, server-set columns. Shape (from the issue):

* 50 assemblies of 2 items each (a holder and a cutter: 100 items),
* 200 instances of those assemblies (4 per assembly),
* 400 presets on 4 machines, tool numbers 1..100 on each, every instance
  loaded by exactly 2 presets (so one machine's 100 presets name 100 distinct
  instances, 50 assemblies and 100 items: the machine view touches them all),
* 1,000 extra catalog items.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from . import floors
from .harness import BenchError, GraphQLClient

ASSEMBLIES = 50
INSTANCES = 200
MACHINES = 4
PRESETS_PER_MACHINE = 100
EXTRA_ITEMS = 1000

TOOL_TYPES = (
    "END_MILL",
    "DRILL",
    "BALL_END_MILL",
    "FACE_MILL",
    "REAMER",
    "TAP",
    "CHAMFER_MILL",
    "THREAD_MILL",
)
MANUFACTURERS = ("Sandvik", "Kennametal", "Iscar", "Walter", "Seco", "Mitsubishi")

CREATE_MUTATIONS = {
    "ToolItem": ("createToolItems", "ToolItemCreateInput"),
    "ToolAssembly": ("createToolAssemblies", "ToolAssemblyCreateInput"),
    "ToolInstance": ("createToolInstances", "ToolInstanceCreateInput"),
    "ToolPreset": ("createToolPresets", "ToolPresetCreateInput"),
}


@dataclass(frozen=True)
class Dataset:
    machines: list[str]
    row_counts: dict[str, int]
    build_seconds: float


def cutter_input(name: str, index: int) -> dict[str, Any]:
    """A cutting tool as a client would send it: every scalar the list workload reads is set."""
    diameter = 2.0 + (index % 24) * 0.5
    return {
        "name": name,
        "description": f"{diameter:.1f} mm solid carbide cutter, {3 + index % 3} flutes",
        "manufacturer": MANUFACTURERS[index % len(MANUFACTURERS)],
        "partNumber": f"PN-{index:06d}",
        "category": "CUTTING_TOOL",
        "toolType": TOOL_TYPES[index % len(TOOL_TYPES)],
        "geometry": {
            "diameter": diameter,
            "fluteCount": 3 + index % 3,
            "fluteLength": round(diameter * 3, 2),
            "overallLength": 50.0 + (index % 5) * 25,
            "cornerRadius": 0.0 if index % 4 else 0.5,
        },
        "material": {"substrate": "carbide", "coating": ("TiAlN", "AlCrN", "uncoated")[index % 3]},
        "tags": ["bench", "cutter", f"d{int(diameter)}"],
    }


def holder_input(name: str, index: int) -> dict[str, Any]:
    return {
        "name": name,
        "description": "Shrink-fit holder",
        "manufacturer": MANUFACTURERS[index % len(MANUFACTURERS)],
        "partNumber": f"HLD-{index:06d}",
        "category": "HOLDER",
        "geometry": {
            "taper": "HSK63A",
            "gaugeLength": 100.0 + index % 4 * 20,
            "boreDiameter": 6.0 + index % 4 * 2,
        },
        "material": {"substrate": "steel"},
        "tags": ["bench", "holder"],
    }


async def _create(client: GraphQLClient, entity: str, inputs: Sequence[dict[str, Any]]) -> list[str]:
    """One bulk create that must fully succeed; the new ids in input order."""
    mutation, input_type = CREATE_MUTATIONS[entity]
    query = (
        f"mutation($input: [{input_type}!]!) {{ result: {mutation}(input: $input, atomic: true) "
        "{ successCount errorCount results { id } errors { index code message field } } }"
    )
    result = (await client.data(query, {"input": list(inputs)}))["result"]
    if result["errorCount"] or result["successCount"] != len(inputs):
        raise BenchError(f"building the data set: {mutation} failed: {result['errors'][:3]}")
    return [row["id"] for row in result["results"]]


async def build(client: GraphQLClient, engine: AsyncEngine) -> Dataset:
    started = time.perf_counter()
    components: list[dict[str, Any]] = []
    for a in range(ASSEMBLIES):
        components.append(holder_input(f"holder {a:03d}", a))
        components.append(cutter_input(f"cutter {a:03d}", a))
    item_ids = await _create(client, "ToolItem", components)
    assembly_ids = await _create(
        client,
        "ToolAssembly",
        [
            {
                "name": f"assembly {a:03d}",
                "holderId": item_ids[2 * a],
                "cutterId": item_ids[2 * a + 1],
                "tags": ["bench"],
            }
            for a in range(ASSEMBLIES)
        ],
    )
    instance_ids = await _create(
        client,
        "ToolInstance",
        [
            {
                "serialNumber": f"SN-{i:05d}",
                "toolAssemblyId": assembly_ids[i % ASSEMBLIES],
                "status": "AVAILABLE" if i % 10 else "IN_USE",
                "location": {"cabinet": f"C{i % 8}", "drawer": i % 12},
            }
            for i in range(INSTANCES)
        ],
    )
    machines = [f"machine-{m + 1}" for m in range(MACHINES)]
    presets: list[dict[str, Any]] = []
    for m, machine in enumerate(machines):
        for t in range(PRESETS_PER_MACHINE):
            presets.append(
                {
                    "name": f"T{t + 1}",
                    "machineId": machine,
                    "toolNumber": t + 1,
                    "pocket": t + 1,
                    "toolInstanceId": instance_ids[(m * PRESETS_PER_MACHINE + t) % INSTANCES],
                    "offsets": {
                        "length": 100.0 + t * 0.125,
                        "radius": 1.0 + (t % 24) * 0.25,
                        "lengthWear": 0.0,
                        "radiusWear": 0.0,
                    },
                    "parameters": {
                        "spindleSpeed": 8000 + t * 50,
                        "feedRate": 1200 + t * 10,
                        "coolant": "flood",
                    },
                }
            )
    await _create(client, "ToolPreset", presets)
    await _create(client, "ToolItem", [cutter_input(f"catalog item {i:04d}", i) for i in range(EXTRA_ITEMS)])
    elapsed = time.perf_counter() - started
    counts = await row_counts(engine)
    expected = {
        "tool_items": 2 * ASSEMBLIES + EXTRA_ITEMS,
        "tool_assemblies": ASSEMBLIES,
        "assembly_components": 2 * ASSEMBLIES,
        "tool_instances": INSTANCES,
        "tool_presets": MACHINES * PRESETS_PER_MACHINE,
    }
    wrong = {table: counts[table] for table, n in expected.items() if counts[table] != n}
    if wrong:
        raise BenchError(f"data set has unexpected row counts {wrong}; expected {expected}")
    return Dataset(machines, counts, elapsed)


# The tables the workloads read or write: their counts prove what a call wrote.
COUNTED_TABLES = (
    floors.ITEMS,
    floors.ASSEMBLIES,
    floors.COMPONENTS,
    floors.INSTANCES,
    floors.PRESETS,
    floors.AUDIT,
    floors.CHANGES,
)


async def row_counts(engine: AsyncEngine) -> dict[str, int]:
    counts: dict[str, int] = {}
    async with engine.connect() as conn:
        for table in COUNTED_TABLES:
            counts[table.name] = int(
                (await conn.execute(select(func.count()).select_from(table))).scalar_one()
            )
    return counts
