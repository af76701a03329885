"""Rows as CSV for tool-room spreadsheets (presets, catalog items): parse and render, nothing else.

One header row of GraphQL field names (a `CsvSpec` lists them), one row per
line. JSON fields are JSON text, booleans `true`/`false`, moments ISO-8601,
and an empty cell is null. The spec's key column is required and unique in a
file (a preset's `toolNumber`, an item's `name`): an import matches rows by
it, and server-managed fields (id, version, timestamps) are not columns, so a
file exported from one account imports into another unchanged. A file may
leave columns out; an import then leaves those fields as they are. An export
adds a last column `exportCursor`, the change-feed cursor it was made at, on
every row (see `provenance`); it is not a field.
Rendering: RFC 4180 (CRLF, quotes only where needed), JSON compact with
sorted keys, so an export is byte-for-byte repeatable.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .linuxcnc import INT32_MAX, TableLineError

MARKER_COLUMN = "exportCursor"  # an export's marker (see `provenance`), not a field


@dataclass(frozen=True)
class CsvSpec:
    columns: tuple[tuple[str, str, str], ...]  # (GraphQL name, stored name, kind), in export order
    noun: str  # what a row is, for errors: "preset table"
    key: str  # the key column's GraphQL name
    key_noun: str  # how errors call it: "tool number"
    show_key: Callable[[Any], str]  # a key as errors name it: T4, "5mm Endmill"

    @property
    def by_label(self) -> dict[str, tuple[str, str]]:
        return {label: (name, kind) for label, name, kind in self.columns}

    @property
    def labels(self) -> dict[str, str]:
        return {name: label for label, name, _ in self.columns}


@dataclass(frozen=True)
class CsvRow:
    key: Any
    line: int
    values: Mapping[str, Any]  # stored field name → value, only the file's columns


@dataclass
class ParsedCsv:
    rows: list[CsvRow] = field(default_factory=list)
    errors: list[TableLineError] = field(default_factory=list)
    markers: list[tuple[int, str]] = field(default_factory=list)  # (line, export cursor), non-empty cells


def _cell(line: int, label: str, kind: str, text: str) -> Any:
    if text == "":
        return None
    if kind == "int":
        try:
            value = int(text)
        except ValueError:
            raise TableLineError(line, label, f'"{text}" is not a whole number') from None
        if not 0 <= value <= INT32_MAX:
            raise TableLineError(line, label, f"must be between 0 and {INT32_MAX}")
        return value
    if kind == "bool":
        if text not in ("true", "false"):
            raise TableLineError(line, label, f'"{text}" is not true or false')
        return text == "true"
    if kind == "json":
        try:
            return json.loads(text)
        except ValueError as error:
            raise TableLineError(line, label, f"not JSON ({error})") from None
    if kind == "datetime":
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            raise TableLineError(line, label, f'"{text}" is not an ISO-8601 date and time') from None
    return text


def _header(spec: CsvSpec, header: list[str]) -> list[TableLineError]:
    known = {*spec.by_label, MARKER_COLUMN}
    errors = [
        TableLineError(1, label, f"not a column of a {spec.noun}") for label in header if label not in known
    ]
    if len(set(header)) != len(header):
        errors.append(TableLineError(1, None, "a column appears twice"))
    if spec.key not in header:
        errors.append(TableLineError(1, None, f"missing column {spec.key}"))
    return errors


def _row(spec: CsvSpec, header: list[str], cells: list[str], line: int) -> tuple[CsvRow, str]:
    """One data row, and its export cursor cell ("" when none)."""
    if len(cells) != len(header):
        raise TableLineError(line, None, f"{len(cells)} cells, the header has {len(header)}")
    by_label = spec.by_label
    cells_of = dict(zip(header, cells, strict=True))
    marker = cells_of.pop(MARKER_COLUMN, "")
    values = {
        by_label[label][0]: _cell(line, label, by_label[label][1], text) for label, text in cells_of.items()
    }
    key = values[by_label[spec.key][0]]
    if key is None:
        raise TableLineError(line, spec.key, "is required")
    return CsvRow(key, line, values), marker


def _add(spec: CsvSpec, parsed: ParsedCsv, row: CsvRow, first_line: dict[Any, int]) -> None:
    if row.key in first_line:
        parsed.errors.append(
            TableLineError(
                row.line,
                None,
                f"duplicate {spec.key_noun} {spec.show_key(row.key)} (also line {first_line[row.key]})",
            )
        )
        return
    first_line[row.key] = row.line
    parsed.rows.append(row)


def parse_csv(spec: CsvSpec, text: str) -> ParsedCsv:
    parsed = ParsedCsv()
    # Spreadsheets often save "CSV UTF-8" with a byte-order mark first.
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""), strict=True)
    first_line: dict[Any, int] = {}
    header: list[str] | None = None
    try:
        for cells in reader:
            if header is None:
                header = cells
                parsed.errors += _header(spec, header)
                if parsed.errors:
                    return parsed
            elif any(cells):
                try:
                    row, marker = _row(spec, header, cells, reader.line_num)
                except TableLineError as error:
                    parsed.errors.append(error)
                    continue
                if marker:
                    parsed.markers.append((row.line, marker))
                _add(spec, parsed, row, first_line)
    except csv.Error as error:
        parsed.errors.append(TableLineError(reader.line_num if header else 1, None, f"not CSV ({error})"))
    return parsed


def render_cell(kind: str, value: Any) -> str:
    if value is None:
        return ""
    if kind == "bool":
        return "true" if value else "false"
    if kind == "json":
        return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    if kind == "datetime":
        return value.isoformat() if isinstance(value, datetime) else str(value)
    return str(value)


def render_csv(spec: CsvSpec, rows: Iterable[Mapping[str, Any]], export_cursor: str | None = None) -> str:
    """`export_cursor`: the export's marker, written in a last column on every row."""
    marker = [] if export_cursor is None else [export_cursor]
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([label for label, _, _ in spec.columns] + ([MARKER_COLUMN] if marker else []))
    for row in rows:
        writer.writerow([render_cell(kind, row.get(name)) for _, name, kind in spec.columns] + marker)
    return buffer.getvalue()
