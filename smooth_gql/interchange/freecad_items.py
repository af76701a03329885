"""A FreeCAD tool bit as a catalog item (ToolItem) and back: the mapping, nothing else.

Where a bit lives on a ToolItem (all readable and editable in GraphQL):

| .fctb | item field |
|---|---|
| `name` | `name` (the match key on import, with a 1.x `id`) |
| `shape` | `shapeData.freecad.shape`; also `toolType` / `category` (endmill → END_MILL, probe → PROBE) |
| `shape-type` (1.x) | `shapeData.freecad.shapeType` |
| `parameter` | `shapeData.freecad.parameters`: each quantity text as written ("5.0000 mm") |
| `attribute` | `shapeData.freecad.attributes` |
| other keys (`version`, `id`, …) | `shapeData.freecad.document` |
| lengths, angles | `geometry.<parameter in lowerCamel>`: numbers in **mm** and **degrees** |
| file name, layout | `shapeData.freecad.file`, `shapeData.freecad.layout` (`0.20` or `1.x`) |

PostgreSQL's JSONB does not keep key order, so the order of every object of
the file is recorded in `shapeData.freecad.keyOrder`; the bit is rendered in
that order, which gives FreeCAD 0.20's own key and parameter order back (1.x
sorts its keys anyway). A `geometry` number that no longer equals its
parameter (someone edited the item) wins on export and is written in the
parameter's own unit with four decimals, as FreeCAD writes quantities.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..enums import ItemCategory, ToolType
from .freecad import ANGLE_UNITS, LENGTH_UNITS, Layout, ToolBit, quantity

SHAPE_TYPES = {
    "endmill.fcstd": ToolType.END_MILL,
    "drill.fcstd": ToolType.DRILL,
    "ballend.fcstd": ToolType.BALL_END_MILL,
    "bullnose.fcstd": ToolType.BULL_NOSE_END_MILL,
    "chamfer.fcstd": ToolType.CHAMFER_MILL,
    "v-bit.fcstd": ToolType.V_BIT,
    "slittingsaw.fcstd": ToolType.SLOT_CUTTER,
    "thread-mill.fcstd": ToolType.THREAD_MILL,
    "probe.fcstd": ToolType.PROBE,
}
_SHAPES = {tool_type: shape for shape, tool_type in SHAPE_TYPES.items()}
_OWN_KEYS = ("name", "shape", "shape-type", "parameter", "attribute")
_TOLERANCE = 1e-9


def geometry_key(parameter: str) -> str:
    return parameter[:1].lower() + parameter[1:]


def _unit_factor(unit: str) -> float | None:
    return LENGTH_UNITS.get(unit) or ANGLE_UNITS.get(unit)


def key_order(value: Any) -> Any:
    """The key order of every object inside `value`: {"keys": [...], "of": {key: order}}, or
    {"items": [...]} for a list; None where there is no object to order."""
    if isinstance(value, dict):
        inner = {k: o for k, v in value.items() if (o := key_order(v)) is not None}
        return {"keys": list(value), "of": inner} if inner else {"keys": list(value)}
    if isinstance(value, list):
        items = [key_order(v) for v in value]
        return {"items": items} if any(o is not None for o in items) else None
    return None


def in_order(value: Any, order: Any) -> Any:
    """`value` with its objects' keys in `order` (keys the order does not know come last)."""
    if isinstance(value, dict):
        known = order.get("keys", []) if isinstance(order, dict) else []
        inner = order.get("of", {}) if isinstance(order, dict) else {}
        keys = [k for k in known if k in value] + [k for k in value if k not in known]
        return {k: in_order(value[k], inner.get(k)) for k in keys}
    if isinstance(value, list):
        items = order.get("items", []) if isinstance(order, dict) else []
        return [in_order(v, items[i] if i < len(items) else None) for i, v in enumerate(value)]
    return value


def geometry_of(parameters: Mapping[str, Any]) -> dict[str, float]:
    """Every length (in mm) and angle (in degrees) of the bit, as numbers."""
    geometry: dict[str, float] = {}
    for name, text in parameters.items():
        parsed = quantity(text) if isinstance(text, str) else None
        factor = None if parsed is None else _unit_factor(parsed[1])
        if parsed is not None and factor is not None:
            geometry[geometry_key(name)] = round(parsed[0] * factor, 9)
    return geometry


def item_values(bit: ToolBit) -> dict[str, Any]:
    """The item fields a bit sets (shapeData and geometry hold only the FreeCAD part)."""
    document = bit.document
    shape = str(document["shape"])
    tool_type = SHAPE_TYPES.get(shape)
    parameters = dict(document.get("parameter") or {})
    return {
        "name": bit.name,
        "category": (ItemCategory.PROBE if tool_type is ToolType.PROBE else ItemCategory.CUTTING_TOOL).value,
        "tool_type": (tool_type or ToolType.OTHER).value,
        "geometry": geometry_of(parameters),
        "shape_data": {
            "freecad": {
                "file": bit.file,
                "layout": bit.layout.value,
                "shape": shape,
                "shapeType": document.get("shape-type"),
                "parameters": document.get("parameter"),  # None: the file has no such key
                "attributes": document.get("attribute"),
                "document": {k: v for k, v in document.items() if k not in _OWN_KEYS},
                "keyOrder": key_order(document),
            }
        },
    }


def _object(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, dict) else {}


def merged(row: Mapping[str, Any] | None, values: Mapping[str, Any]) -> dict[str, Any]:
    """`values` laid over a stored item: geometry and shapeData keys FreeCAD does not own are kept."""
    if row is None:
        return dict(values)
    geometry = _object(row.get("geometry"))
    shape_data = _object(row.get("shape_data"))
    return {
        **values,
        "geometry": {**geometry, **values["geometry"]},
        "shape_data": {**shape_data, **values["shape_data"]},
    }


def freecad_part(row: Mapping[str, Any]) -> dict[str, Any] | None:
    shape_data = row.get("shape_data")
    part = shape_data.get("freecad") if isinstance(shape_data, dict) else None
    return part if isinstance(part, dict) else None


def safe_file_name(name: str, suffix: str) -> str:
    """`name` as a plain file name: no directory part, no leading dot (an export is written into
    a directory by the CLI, and names come from data any client can edit)."""
    stem = re.sub(r"[^\w.-]+", "_", name.removesuffix(suffix)).strip("_.") or "tool"
    return stem + suffix


def file_name(row: Mapping[str, Any]) -> str:
    part = freecad_part(row)
    if part is not None and isinstance(part.get("file"), str) and part["file"]:
        return safe_file_name(str(part["file"]), ".fctb")
    return safe_file_name(str(row.get("name") or row["id"]), ".fctb")


def _parameter(text: Any, geometry: Mapping[str, Any], key: str) -> Any:
    """The stored quantity text, unless the item's geometry number was edited since."""
    edited = geometry.get(key)
    parsed = quantity(text) if isinstance(text, str) else None
    factor = None if parsed is None else _unit_factor(parsed[1])
    if parsed is None or factor is None or isinstance(edited, bool) or not isinstance(edited, int | float):
        return text
    if abs(parsed[0] * factor - edited) <= _TOLERANCE * max(1.0, abs(edited)):
        return text
    return f"{edited / factor:.4f} {parsed[1]}"


def bit_of(row: Mapping[str, Any]) -> ToolBit:
    """The item as a bit: its stored FreeCAD part with the item's name and geometry, or, for an
    item that never came from FreeCAD, a 0.20 bit made of its tool type and geometry."""
    geometry = _object(row.get("geometry"))
    part = freecad_part(row)
    if part is None:
        shape = _SHAPES.get(ToolType(row["tool_type"])) if row.get("tool_type") else None
        document: dict[str, Any] = {
            "version": 2,
            "name": row.get("name") or "",
            "shape": shape or "endmill.fcstd",
            "parameter": {
                key[:1].upper() + key[1:]: f"{value:.4f} {'°' if key.endswith('Angle') else 'mm'}"
                for key, value in geometry.items()
                if isinstance(value, int | float) and not isinstance(value, bool)
            },
            "attribute": {},
        }
        return ToolBit(file_name(row), document, Layout.FREECAD_0_20)
    parameters = _object(part.get("parameters"))
    document = dict(part.get("document") or {})
    document["name"] = row.get("name") or ""
    document["shape"] = part.get("shape")
    if part.get("shapeType") is not None:
        document["shape-type"] = part["shapeType"]
    if part.get("parameters") is not None:
        document["parameter"] = {
            name: _parameter(text, geometry, geometry_key(name)) for name, text in parameters.items()
        }
    if part.get("attributes") is not None:
        document["attribute"] = part["attributes"]
    return ToolBit(file_name(row), in_order(document, part.get("keyOrder")), Layout(str(part.get("layout"))))
