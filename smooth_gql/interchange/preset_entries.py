"""How one entry of a tool-table file (a `tool.tbl` line, a CSV row) maps onto a ToolPreset.

Where each `tool.tbl` entry lives on a preset (all readable and editable in GraphQL):

| tool.tbl | preset field |
|---|---|
| `T` | `toolNumber` (the match key on import) |
| `P` | `pocket` (exported as the tool number when the preset has none) |
| `X Y Z A B C U V W` | `offsets.x` … `offsets.w` (lower-case keys, as LinuxCNC clients already send them) |
| `D` | `parameters.diameter` |
| `I`, `J`, `Q` | `orientation.frontAngle`, `orientation.backAngle`, `orientation.orientation` |
| `;remark` | `description` (line breaks become spaces on export) |
| line order | `parameters.tableOrder` (0, 1, …: LinuxCNC keeps a non-random table in file order) |
| machine units | `parameters.units` (`MM` or `INCH`), recorded when the import names them |

Zero and absent are the same in LinuxCNC, so a zero value is stored as an absent key; keys of
these JSON fields that the table does not know are kept untouched. A CSV row sets whole fields
(see `preset_csv`). Each entry knows what it would write over the stored row and which fields
that changes: the plan shows those changes, the write sends only them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from ..services.fields import to_jsonable
from . import csv_codec, linuxcnc, preset_csv, provenance
from .linuxcnc import AXES, TableLineError, ToolLine
from .plans import FieldChange, Row


class LengthUnits(StrEnum):
    MM = "MM"
    INCH = "INCH"


_OFFSET_KEYS = {axis: axis.lower() for axis in AXES}
_ORIENTATION_KEYS = ("frontAngle", "backAngle", "orientation")


def _offset(axis: str) -> Callable[[ToolLine], Any]:
    return lambda tool: tool.offsets.get(axis)


# The fields of a line that a plan compares, in the order it lists their changes (pocket first,
# table order and units last). Zero and absent compare equal, as in LinuxCNC.
_LINE_FIELDS: tuple[tuple[str, Callable[[ToolLine], Any]], ...] = (
    *((f"offsets.{key}", _offset(axis)) for axis, key in _OFFSET_KEYS.items()),
    ("parameters.diameter", lambda tool: tool.diameter),
    ("orientation.frontAngle", lambda tool: tool.front_angle),
    ("orientation.backAngle", lambda tool: tool.back_angle),
    ("orientation.orientation", lambda tool: tool.orientation),
    ("description", lambda tool: tool.remark),
)


def _number(value: Any) -> float:
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
        offsets={axis: _number(offsets.get(key)) for axis, key in _OFFSET_KEYS.items()},
        diameter=_number(json_object(row.get("parameters")).get("diameter")),
        front_angle=_number(orientation.get("frontAngle")),
        back_angle=_number(orientation.get("backAngle")),
        orientation=q if isinstance(q, int) and not isinstance(q, bool) and 0 <= q <= 9 else 0,
        remark=" ".join(remark.splitlines()) if "\n" in remark or "\r" in remark else remark,
    ).normalized()


def table_rows(rows: Sequence[Row]) -> list[Row]:
    """Presets that are table lines, in table order (then by tool number)."""
    numbered = [row for row in rows if row.get("tool_number") is not None]
    return sorted(numbered, key=lambda r: (table_order(r) is None, table_order(r) or 0, r["tool_number"]))


def _changes(
    before: ToolLine | None, after: ToolLine, order: tuple[int | None, int], units: tuple[Any, Any]
) -> list[FieldChange]:
    old = before or ToolLine(after.tool, 0)
    pairs: list[tuple[str, Any, Any]] = [("pocket", None if before is None else old.pocket, after.pocket)]
    pairs += [(name, get(old) or None, get(after) or None) for name, get in _LINE_FIELDS]
    pairs.append(("parameters.tableOrder", *order))
    if units[1] is not None:
        pairs.append(("parameters.units", *units))
    return [FieldChange(name, b, a) for name, b, a in pairs if b != a]


def _patched(existing: Any, ours: Mapping[str, Any], owned: Sequence[str]) -> dict[str, Any] | None:
    """`existing` with our keys replaced: zero values dropped, keys we do not own kept."""
    result = {k: v for k, v in json_object(existing).items() if k not in owned}
    result.update({k: v for k, v in ours.items() if v})
    return result or None


def _values(line: ToolLine, row: Mapping[str, Any] | None, order: int, units: LengthUnits | None) -> Row:
    """The preset fields a line sets, merged into what `row` (if any) already holds."""
    row = row or {}
    parameters = (
        _patched(row.get("parameters"), {"diameter": line.diameter}, ("diameter", "tableOrder")) or {}
    )
    parameters["tableOrder"] = order
    if units is not None:
        parameters["units"] = units.value
    return {
        "tool_number": line.tool,
        "pocket": line.pocket,
        "offsets": _patched(
            row.get("offsets"),
            {key: line.offsets.get(axis, 0.0) for axis, key in _OFFSET_KEYS.items()},
            list(_OFFSET_KEYS.values()),
        ),
        "parameters": parameters,
        "orientation": _patched(
            row.get("orientation"),
            {"frontAngle": line.front_angle, "backAngle": line.back_angle, "orientation": line.orientation},
            _ORIENTATION_KEYS,
        ),
        "description": line.remark or None,
    }


@dataclass(frozen=True)
class Entry:
    """One tool of the file: its line, and what it would write over the stored row (or none)."""

    tool: int
    line: int
    build: Callable[[Row | None, int], tuple[Row, list[FieldChange]]]


def _linuxcnc_entry(line: ToolLine, units: LengthUnits | None) -> Entry:
    def build(row: Row | None, order: int) -> tuple[Row, list[FieldChange]]:
        before = None if row is None else line_of(row)
        old_units = None if row is None else json_object(row.get("parameters")).get("units")
        old_order = None if row is None else table_order(row)
        changes = _changes(before, line.normalized(), (old_order, order), (old_units, units and units.value))
        return _values(line, row, order, units), changes

    return Entry(line.tool, line.line, build)


def _csv_entry(csv_row: preset_csv.CsvRow) -> Entry:
    """A CSV row sets whole fields: those that differ from the stored row are written."""

    def build(row: Row | None, order: int) -> tuple[Row, list[FieldChange]]:
        changed = {
            name: value
            for name, value in csv_row.values.items()
            if (value is not None if row is None else row.get(name) != value)
        }
        changes = [
            FieldChange(
                preset_csv.LABELS[name],
                None if row is None else to_jsonable(row.get(name)),
                to_jsonable(value),
            )
            for name, value in changed.items()
        ]
        return changed, changes

    return Entry(csv_row.key, csv_row.line, build)


@dataclass
class ParsedFile:
    entries: list[Entry] = field(default_factory=list)
    errors: list[TableLineError] = field(default_factory=list)
    markers: list[tuple[int, str]] = field(default_factory=list)  # (line, export cursor text)
    marker_label: str = "export marker"  # how an error names a marker's entry


def parse_linuxcnc(content: str, units: LengthUnits | None) -> ParsedFile:
    parsed = linuxcnc.parse_table(content)
    return ParsedFile(
        [_linuxcnc_entry(line, units) for line in parsed.tools],
        parsed.errors,
        provenance.table_markers(content),
    )


def parse_csv(content: str) -> ParsedFile:
    parsed = preset_csv.parse_csv(content)
    return ParsedFile(
        [_csv_entry(row) for row in parsed.rows], parsed.errors, parsed.markers, csv_codec.MARKER_COLUMN
    )
