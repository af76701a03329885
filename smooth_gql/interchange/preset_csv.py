"""Presets as CSV: one machine's presets keyed by `toolNumber` (the machine is named by the
import, not the file). JSON fields (`parameters`, `offsets`, `orientation`, `limits`, `tags`)
are JSON text, `isDefault` is `true`/`false`, `loadedAt` ISO-8601; see `csv_codec`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from . import csv_codec
from .csv_codec import CsvRow, CsvSpec, ParsedCsv

PRESETS = CsvSpec(
    (
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
    ),
    noun="preset table",
    key="toolNumber",
    key_noun="tool number",
    show_key=lambda tool: f"T{tool}",
)
LABELS = PRESETS.labels

__all__ = ["LABELS", "PRESETS", "CsvRow", "ParsedCsv", "parse_csv", "render_csv"]


def parse_csv(text: str) -> ParsedCsv:
    return csv_codec.parse_csv(PRESETS, text)


def render_csv(rows: Iterable[Mapping[str, Any]], export_cursor: str | None = None) -> str:
    return csv_codec.render_csv(PRESETS, rows, export_cursor)
