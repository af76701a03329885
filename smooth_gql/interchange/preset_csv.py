"""Presets as CSV for tool-room spreadsheets: parse and render, nothing else.

One header row of GraphQL field names, one preset per row. JSON fields
(`parameters`, `offsets`, `orientation`, `limits`, `tags`) are JSON text,
`isDefault` is `true`/`false`, `loadedAt` ISO-8601, and an empty cell is
null. `toolNumber` is required: like a tool table, the file is one machine's
presets keyed by tool number (the machine is named by the import, not the
file), and server-managed fields (id, version, timestamps) are not columns, so
a file exported from one account imports into another unchanged. A file may
leave columns out; an import then leaves those fields as they are.
Rendering: RFC 4180 (CRLF, quotes only where needed), JSON compact with
sorted keys, so an export is byte-for-byte repeatable.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .linuxcnc import INT32_MAX, TableLineError

# (GraphQL name, stored name, kind), in export order
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("toolNumber", "tool_number", "int"),
    ("pocket", "pocket", "int"),
    ("name", "name", "text"),
    ("description", "description", "text"),
    ("toolInstanceId", "tool_instance_id", "text"),
    ("parameters", "parameters", "json"),
    ("offsets", "offsets", "json"),
    ("orientation", "orientation", "json"),
    ("limits", "limits", "json"),
    ("isDefault", "is_default", "bool"),
    ("loadedAt", "loaded_at", "datetime"),
    ("loadedBy", "loaded_by", "text"),
    ("tags", "tags", "json"),
)
_BY_LABEL = {label: (name, kind) for label, name, kind in COLUMNS}
LABELS = {name: label for label, name, _ in COLUMNS}


@dataclass(frozen=True)
class CsvRow:
    tool: int
    line: int
    values: Mapping[str, Any]  # stored field name → value, only the file's columns


@dataclass
class ParsedCsv:
    tools: list[CsvRow] = field(default_factory=list)
    errors: list[TableLineError] = field(default_factory=list)


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


def parse_csv(text: str) -> ParsedCsv:
    parsed = ParsedCsv()
    # Spreadsheets often save "CSV UTF-8" with a byte-order mark first.
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""), strict=True)
    try:
        header = next(reader, None)
    except csv.Error as error:
        parsed.errors.append(TableLineError(1, None, f"not CSV ({error})"))
        return parsed
    if header is None:
        return parsed
    for label in header:
        if label not in _BY_LABEL:
            parsed.errors.append(TableLineError(1, label, "not a column of a preset table"))
    if len(set(header)) != len(header):
        parsed.errors.append(TableLineError(1, None, "a column appears twice"))
    if "toolNumber" not in header:
        parsed.errors.append(TableLineError(1, None, "missing column toolNumber"))
    if parsed.errors:
        return parsed
    first_line: dict[int, int] = {}
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return parsed
        except csv.Error as error:
            parsed.errors.append(TableLineError(reader.line_num, None, f"not CSV ({error})"))
            return parsed
        line = reader.line_num
        if not any(cells):
            continue
        try:
            if len(cells) != len(header):
                raise TableLineError(line, None, f"{len(cells)} cells, the header has {len(header)}")
            values = {
                _BY_LABEL[label][0]: _cell(line, label, _BY_LABEL[label][1], text)
                for label, text in zip(header, cells, strict=True)
            }
            tool = values["tool_number"]
            if tool is None:
                raise TableLineError(line, "toolNumber", "is required")
        except TableLineError as error:
            parsed.errors.append(error)
            continue
        if tool in first_line:
            parsed.errors.append(
                TableLineError(line, None, f"duplicate tool number T{tool} (also line {first_line[tool]})")
            )
            continue
        first_line[tool] = line
        parsed.tools.append(CsvRow(tool, line, values))


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


def render_csv(rows: Iterable[Mapping[str, Any]]) -> str:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([label for label, _, _ in COLUMNS])
    for row in rows:
        writer.writerow([render_cell(kind, row.get(name)) for _, name, kind in COLUMNS])
    return buffer.getvalue()
