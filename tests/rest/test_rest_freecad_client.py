"""A client written the way the FreeCAD CAM workbench talks to the server (issue 5).

An API key made through GraphQL is sent as Bearer; FreeCAD tool bits are
converted to legacy tool items (geometry with units as FreeCAD writes them,
`"type": "probe"` for probe bits — a string no document lists), posted in the
`{"items": [...]}` envelope and read back; a `template` tool set and presets for
machine `freecad_default` are created; the set's history is read and a version
restored. Every field the client sent comes back as it sent it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from support.auth import AuthApi, Creds, auth_app

V1 = "/api/v1"
LIBRARY = "Default.fctl"
# Tool bits as FreeCAD stores them (.fctb): a shape file and parameters with units in the text.
TOOL_BITS: list[dict[str, Any]] = [
    {
        "file": "endmill_6mm.fctb",
        "name": "6 mm Endmill",
        "shape": "endmill.fcstd",
        "parameter": {
            "Diameter": "6.000 mm",
            "Length": "50 mm",
            "CuttingEdgeHeight": "20.000 mm",
            "Flutes": "3",
        },
        "attribute": {"Material": "Carbide"},
    },
    {
        "file": "ballend_3mm.fctb",
        "name": "3 mm Ball End",
        "shape": "ballend.fcstd",
        "parameter": {"Diameter": "3.000 mm", "Length": "38 mm", "Flutes": "2"},
        "attribute": {"Material": "HSS"},
    },
    {
        "file": "drill_5mm.fctb",
        "name": "5mm Drill",
        "shape": "drill.fcstd",
        "parameter": {"Diameter": "5.000 mm", "Length": "86 mm", "TipAngle": "118.00 \u00b0"},
        "attribute": {},
    },
    {
        "file": "probe.fctb",
        "name": "Touch probe",
        "shape": "probe.fcstd",
        "parameter": {"Diameter": "2.000 mm", "Length": "50 mm", "ShaftDiameter": "4.000 mm"},
        "attribute": {},
    },
]
ITEM_TYPE = {"endmill": "cutting_tool", "ballend": "cutting_tool", "drill": "cutting_tool", "probe": "probe"}


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() and i else c.lower() for i, c in enumerate(name))


def tool_item(bit: dict[str, Any]) -> dict[str, Any]:
    """The workbench's conversion: lengths keep FreeCAD's unit text, counts become integers."""
    shape = bit["shape"].removesuffix(".fcstd")
    geometry: dict[str, Any] = {
        _snake(k): int(v) if k == "Flutes" else v for k, v in bit["parameter"].items()
    }
    geometry["units"] = "metric"
    geometry["shape"] = bit["shape"]
    return {
        "type": ITEM_TYPE[shape],
        "manufacturer": "FreeCAD",
        "product_code": bit["file"].removesuffix(".fctb"),
        "description": bit["name"],
        "geometry": geometry,
        "material": {"name": bit["attribute"]["Material"]} if bit["attribute"] else None,
    }


def preset(number: int, bit: dict[str, Any]) -> dict[str, Any]:
    return {
        "machine_id": "freecad_default",
        "tool_number": number,
        "description": bit["name"],
        "metadata": {"source": "freecad", "library_name": LIBRARY, "tool_path": bit["file"]},
        "offsets": {"z": 0.0, "z_unit": "mm"},
    }


@pytest.fixture
async def workbench(engine: AsyncEngine, database_url: str) -> AsyncIterator[tuple[AuthApi, Creds]]:
    async with auth_app(engine, database_url) as auth:
        await auth.register("cam@shop.example")
        session = await auth.login("cam@shop.example")
        _, key = await auth.key(
            session, ["read", "write:items", "write:presets", "write:sets"], name="FreeCAD"
        )
        yield auth, key


async def send(auth: AuthApi, key: Creds, method: str, path: str, body: Any = None, **params: Any) -> Any:
    """One request as the workbench sends it: Bearer key, JSON, raise_for_status()."""
    response = await auth.client.request(
        method, f"{V1}/{path}", json=body, params=params, headers=key.as_headers()
    )
    response.raise_for_status()
    return response.json()


def subset(row: dict[str, Any], sent: dict[str, Any]) -> dict[str, Any]:
    return {k: row[k] for k in sent}


async def test_the_freecad_workbench_round_trip(workbench: tuple[AuthApi, Creds]) -> None:
    auth, key = workbench
    items = [tool_item(bit) for bit in TOOL_BITS]
    body = await send(auth, key, "POST", "tool-items", {"items": items})
    assert (body["success_count"], body["error_count"], body["errors"]) == (4, 0, [])
    made = body["results"]
    assert [subset(r, i) for r, i in zip(made, items, strict=True)] == items
    assert made[3]["type"] == "probe"  # the undocumented string comes back as sent

    listed = await send(auth, key, "GET", "tool-items", manufacturer="FreeCAD")
    assert listed["total"] == 4
    by_id = {r["id"]: r for r in listed["items"]}
    for row, sent in zip(made, items, strict=True):
        assert subset(by_id[row["id"]], sent) == sent
        assert subset(await send(auth, key, "GET", f"tool-items/{row['id']}"), sent) == sent
    probes = await send(auth, key, "GET", "tool-items", type="probe")
    assert [r["id"] for r in probes["items"]] == [made[3]["id"]]
    # GraphQL sees the probe as PROBE, the same row.
    data = await auth.ok(
        "query($id: ID!) { toolItem(id: $id) { category name geometry } }", {"id": made[3]["id"]}, key
    )
    assert data["toolItem"] == {"category": "PROBE", "name": "Touch probe", "geometry": items[3]["geometry"]}

    presets = [preset(n, bit) for n, bit in enumerate(TOOL_BITS, start=1)]
    body = await send(auth, key, "POST", "tool-presets", {"items": presets})
    assert body["error_count"] == 0
    made_presets = body["results"]
    machine = await send(auth, key, "GET", "tool-presets", machine_id="freecad_default")
    assert (
        sorted((subset(r, presets[0]) for r in machine["items"]), key=lambda r: r["tool_number"]) == presets
    )

    members = [{"preset_id": p["id"], "tool_number": p["tool_number"]} for p in made_presets]
    original = {
        "name": "FreeCAD library Default",
        "description": f"Imported from {LIBRARY}",
        "type": "template",
        "machine_id": "freecad_default",
        "members": members,
        "capacity": {"max_tools": 24},
        "status": "active",
        "activation": {"on_load": True},
    }
    [tool_set] = (await send(auth, key, "POST", "tool-sets", {"items": [original]}))["results"]
    assert subset(tool_set, original) == original
    set_path = f"tool-sets/{tool_set['id']}"
    assert subset(await send(auth, key, "GET", set_path), original) == original

    edit = {
        "id": tool_set["id"],
        "version": 1,
        "name": "Renamed",
        "members": members[:2],
        "status": "archived",
    }
    [edited] = (await send(auth, key, "PUT", "tool-sets", {"items": [edit]}))["results"]
    assert (edited["version"], edited["members"], edited["status"]) == (2, members[:2], "archived")

    history = await send(auth, key, "GET", f"{set_path}/history")
    assert [(v["version"], v["change_summary"]) for v in history["versions"]] == [(1, None)]
    snapshot = (await send(auth, key, "GET", f"{set_path}/versions/1"))["snapshot"]
    assert subset(snapshot, original) == original

    restored = await send(auth, key, "POST", f"{set_path}/restore/1")
    assert (restored["success"], restored["current_version"]) == (True, 3)
    assert subset(restored["tool_set"], original) == original
    assert subset(await send(auth, key, "GET", set_path), original) == original
    history = await send(auth, key, "GET", f"{set_path}/history")
    assert [(v["version"], v["change_summary"]) for v in history["versions"]] == [
        (3, "Restored from version 1"),
        (2, "Before restore to version 1"),
        (1, None),
    ]

    # The sync the workbench runs afterwards sees exactly its rows, in the column shape.
    changes = await send(auth, key, "GET", "changes/tool_presets/since-version", since_version=0)
    assert {c["id"]: c["preset_metadata"] for c in changes["changes"]} == {
        p["id"]: p["metadata"] for p in made_presets
    }
