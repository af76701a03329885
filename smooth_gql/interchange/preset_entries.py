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

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from ..services.fields import to_jsonable
from . import csv_codec, linuxcnc, preset_csv, provenance
from .linuxcnc import TableLineError, ToolLine
from .plans import FieldChange, Row
from .preset_lines import (
    LINE_FIELDS,
    OFFSET_KEYS,
    ORIENTATION_KEYS,
    json_object,
    line_of,
    table_order,
)


class LengthUnits(StrEnum):
    MM = "MM"
    INCH = "INCH"


def _changes(
    before: ToolLine | None, after: ToolLine, order: tuple[int | None, int], units: tuple[Any, Any]
) -> list[FieldChange]:
    old = before or ToolLine(after.tool, 0)
    pairs: list[tuple[str, Any, Any]] = [("pocket", None if before is None else old.pocket, after.pocket)]
    pairs += [(name, get(old) or None, get(after) or None) for name, get in LINE_FIELDS]
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
            {key: line.offsets.get(axis, 0.0) for axis, key in OFFSET_KEYS.items()},
            list(OFFSET_KEYS.values()),
        ),
        "parameters": parameters,
        "orientation": _patched(
            row.get("orientation"),
            {"frontAngle": line.front_angle, "backAngle": line.back_angle, "orientation": line.orientation},
            ORIENTATION_KEYS,
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
