"""GraphQL and REST are two doors to one write path: the same bulk scenario through
either gives the same rows, the same audit entries and the same change log
(compared modulo generated ids and timestamps)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text

from conftest import Api
from smooth_gql.enums import EntityType
from smooth_gql.legacy.collections import COLLECTIONS
from support.bulk import NAMES

MISSING = "0e0e0e0e-0000-4000-8000-00000000dead"


@dataclass(frozen=True)
class Ref:
    """The id of the element at `index` of step `step` (which must have succeeded)."""

    step: int
    index: int


# Elements use the services' field names; each door translates them to its own.
SCENARIO: list[tuple[str, str, list[dict[str, Any]]]] = [
    (
        "create",
        "ToolItem",
        [
            {
                "name": "5 mm drill",
                "description": "5 mm drill",
                "category": "CUTTING_TOOL",
                "part_number": "D5",
                "geometry": {"diameter": 5.0, "unit": "mm"},
            },
            {"name": "holder", "description": "holder", "category": "HOLDER", "manufacturer": "x" * 300},
            {"name": "orphan", "description": "orphan", "category": "INSERT", "parent_tool_id": MISSING},
        ],
    ),
    (
        "create",
        "ToolItem",
        [
            {
                "name": "regrind",
                "description": "regrind",
                "category": "CUTTING_TOOL",
                "parent_tool_id": Ref(0, 0),
            }
        ],
    ),
    (
        "update",
        "ToolItem",
        [
            {"id": Ref(0, 0), "expected_version": 1, "manufacturer": "Guhring"},
            {"id": Ref(0, 0), "expected_version": 1, "manufacturer": "stale"},
            {"id": MISSING, "expected_version": 1, "manufacturer": "nobody"},
            {"id": Ref(1, 0), "expected_version": 1, "geometry": {"diameter": 4.9}},
        ],
    ),
    ("delete", "ToolItem", [{"id": Ref(0, 0)}, {"id": MISSING}]),  # the drill is still a parent
    (
        "create",
        "ToolPreset",
        [
            {"name": "T1", "machine_id": "mill", "tool_number": 1, "parameters": {"source": "freecad"}},
            {"name": "T1", "machine_id": "mill", "tool_number": 1},  # the same T number twice
            {"name": "T2", "machine_id": "mill", "tool_number": 2, "tool_instance_id": MISSING},
        ],
    ),
    ("update", "ToolPreset", [{"id": Ref(4, 0), "expected_version": 1, "offsets": {"z": -50.0}}]),
    ("delete", "ToolItem", [{"id": Ref(1, 0)}]),
    ("delete", "ToolItem", [{"id": Ref(0, 0)}]),  # no longer referenced
]
TABLES = ("tool_items", "tool_presets", "audit_log", "change_log")
CLEARED = ("tool_presets", "tool_items", "audit_log", "change_log")
VOLATILE = {"created_at", "updated_at", "timestamp", "changed_at", "seq", "change_seq", "insert_seq"}
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _resolve(value: Any, ids: list[list[str | None]]) -> Any:
    if isinstance(value, Ref):
        return ids[value.step][value.index]
    return value


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


async def run_graphql(api: Api, op: str, entity: str, elements: list[dict[str, Any]]) -> list[int]:
    names = NAMES[entity]
    mutation, input_type = {
        "create": (names.create, names.create_input),
        "update": (names.update, names.update_input),
        "delete": (names.delete, "DeleteInput"),
    }[op]
    document = f"""mutation($input: [{input_type}!]!) {{
      r: {mutation}(input: $input) {{ errors {{ index }} }} }}"""
    inputs = [{_camel(k): v for k, v in element.items()} for element in elements]
    data = await api.gql(document, {"input": inputs})
    return [e["index"] for e in data["r"]["errors"]]


async def run_rest(api: Api, op: str, entity: str, elements: list[dict[str, Any]]) -> list[int]:
    [collection] = [c for c in COLLECTIONS if c.entity is EntityType(entity)]
    wire_of = {wf.model: wf for wf in collection.wire_fields()}
    if op == "delete":
        body: dict[str, Any] = {"ids": [e["id"] for e in elements]}
    else:
        items = []
        for element in elements:
            wire: dict[str, Any] = {}
            for key, value in element.items():
                if key == "expected_version":
                    wire["version"] = value
                elif key == "id":
                    wire["id"] = value
                elif key in wire_of:
                    wf = wire_of[key]
                    wire[wf.wire] = value.lower() if wf.enum else value
                else:
                    assert key == "name"  # REST derives it: the scenario sets it as REST would
            items.append(wire)
        body = {"items": items}
    method = {"create": "POST", "update": "PUT", "delete": "DELETE"}[op]
    path = f"/api/v1/{collection.path}"
    response = await api.client.request(method, path, json=body)
    assert response.status_code == 200, response.text
    return [e["index"] for e in response.json()["errors"]]


async def run(api: Api, door: Any) -> None:
    ids: list[list[str | None]] = []
    for op, entity, elements in SCENARIO:
        resolved = [{k: _resolve(v, ids) for k, v in e.items()} for e in elements]
        failed = await door(api, op, entity, resolved)
        # Ids of created rows, read back in input order (the audit log names them).
        if op == "create":
            async with api.engine.connect() as conn:
                rows = (
                    await conn.execute(
                        text(
                            "SELECT entity_id, result FROM audit_log WHERE operation = 'CREATE' ORDER BY seq DESC"
                        )
                    )
                ).all()[: len(elements)]
            created = [r[0] if r[1] == "success" else None for r in reversed(rows)]
            assert [i for i, c in enumerate(created) if c is None] == failed
            ids.append(created)
        else:
            ids.append([e.get("id") for e in resolved])


async def dump(api: Api) -> dict[str, list[Any]]:
    """Every row of the compared tables, ids replaced by labels in order of first mention."""
    labels: dict[str, str] = {}

    def label(match: re.Match[str]) -> str:
        return labels.setdefault(match.group(0), f"<id{len(labels)}>")

    def scrub(value: Any) -> Any:
        if isinstance(value, str):
            try:
                parsed = json.loads(value)
            except ValueError:
                return UUID.sub(label, value)
            if isinstance(parsed, dict | list):
                return scrub(parsed)
            return UUID.sub(label, value)
        if isinstance(value, dict):
            return {k: scrub(v) for k, v in sorted(value.items()) if k not in VOLATILE}
        if isinstance(value, list):
            return [scrub(v) for v in value]
        return value

    out: dict[str, list[Any]] = {}
    async with api.engine.connect() as conn:
        for table in ("audit_log", "change_log", "tool_items", "tool_presets"):
            order = "seq" if table in ("audit_log", "change_log") else "created_at, id"
            rows = (await conn.execute(text(f"SELECT * FROM {table} ORDER BY {order}"))).mappings().all()
            cleaned = [
                scrub({k: v for k, v in row.items() if not (table == "audit_log" and k == "id")})
                for row in rows
            ]
            out[table] = cleaned if table in ("audit_log", "change_log") else sorted(cleaned, key=repr)
    return out


async def test_the_same_scenario_through_graphql_and_rest_leaves_the_same_trace(api: Api) -> None:
    await run(api, run_graphql)
    through_graphql = await dump(api)
    async with api.engine.begin() as conn:
        for table in CLEARED:
            await conn.execute(text(f"DELETE FROM {table}"))
    await run(api, run_rest)
    through_rest = await dump(api)
    results = [r["result"] for r in through_graphql["audit_log"]]
    assert (len(results), results.count("error")) == (16, 8)
    for table in TABLES:
        assert through_rest[table] == through_graphql[table], table
