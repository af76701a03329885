"""Where a `tool.tbl` line lives on a ToolPreset: the pure half of the mapping.

Pure (no server imports) because two programs need the very same mapping: the server's
tool-table import/export (`preset_entries`, `tool_table`) and the LinuxCNC bridge
(`smooth_gql_linuxcnc`), which renders its cached presets for LinuxCNC's `g` and turns
LinuxCNC's `p` lines back into preset fields. A row here is a mapping with the stored
field names (`tool_number`, `pocket`, `offsets`, `parameters`, `orientation`, `description`).

Zero and absent are the same in LinuxCNC, so a zero value is an absent key.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from .linuxcnc import AXES, ToolLine

Row = dict[str, Any]

OFFSET_KEYS = {axis: axis.lower() for axis in AXES}
ORIENTATION_KEYS = ("frontAngle", "backAngle", "orientation")


def _offset(axis: str) -> Callable[[ToolLine], Any]:
    return lambda tool: tool.offsets.get(axis)


# The fields of a line, by their preset field path, in the order a plan lists their changes.
LINE_FIELDS: tuple[tuple[str, Callable[[ToolLine], Any]], ...] = (
    *((f"offsets.{key}", _offset(axis)) for axis, key in OFFSET_KEYS.items()),
    ("parameters.diameter", lambda tool: tool.diameter),
    ("orientation.frontAngle", lambda tool: tool.front_angle),
    ("orientation.backAngle", lambda tool: tool.back_angle),
    ("orientation.orientation", lambda tool: tool.orientation),
    ("description", lambda tool: tool.remark),
)


def number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return 0.0
    return float(value)


def json_object(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, dict) else {}


def table_order(row: Mapping[str, Any]) -> int | None:
    order = json_object(row.get("parameters")).get("tableOrder")
    return order if isinstance(order, int) and not isinstance(order, bool) else None


def line_of(row: Mapping[str, Any]) -> ToolLine:
    """A stored preset as a table line (the preset must have a tool number)."""
    offsets = json_object(row.get("offsets"))
    orientation = json_object(row.get("orientation"))
    q = orientation.get("orientation")
    remark = row.get("description") or ""
    return ToolLine(
        tool=int(row["tool_number"]),
        pocket=row["pocket"] if row.get("pocket") is not None else int(row["tool_number"]),
        offsets={axis: number(offsets.get(key)) for axis, key in OFFSET_KEYS.items()},
        diameter=number(json_object(row.get("parameters")).get("diameter")),
        front_angle=number(orientation.get("frontAngle")),
        back_angle=number(orientation.get("backAngle")),
        orientation=q if isinstance(q, int) and not isinstance(q, bool) and 0 <= q <= 9 else 0,
        remark=" ".join(remark.splitlines()) if "\n" in remark or "\r" in remark else remark,
    ).normalized()


def table_rows(rows: Sequence[Row]) -> list[Row]:
    """Presets that are table lines, in table order (then by tool number)."""
    numbered = [row for row in rows if row.get("tool_number") is not None]
    return sorted(numbered, key=lambda r: (table_order(r) is None, table_order(r) or 0, r["tool_number"]))
