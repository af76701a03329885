"""The machine's presets as the bridge holds them (GraphQL field names) and as LinuxCNC sees them.

The mapping between a preset and a `tool.tbl` line is the server's own
(`smooth_gql.interchange.preset_lines`); here only the GraphQL names are adapted to it,
and a `p` line is turned into the preset fields the operator changed, by field path
(`offsets.z`, `parameters.diameter`, …), so that they can be laid on top of a newer row.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from smooth_gql.interchange.linuxcnc import ToolLine
from smooth_gql.interchange.preset_lines import LINE_FIELDS, json_object, line_of

Preset = dict[str, Any]  # one ToolPreset as GraphQL returns it (camelCase)

PRESET_FIELDS = "id version machineId toolNumber pocket offsets parameters orientation description"

# Paths a `p` line may change. The remark is not sent by LinuxCNC's `p`, so it is not one.
_PUT_FIELDS = tuple((path, get) for path, get in LINE_FIELDS if path != "description")


def stored_row(preset: Mapping[str, Any]) -> dict[str, Any]:
    """A preset under the stored field names the shared line code reads."""
    return {
        "tool_number": preset.get("toolNumber"),
        "pocket": preset.get("pocket"),
        "offsets": preset.get("offsets"),
        "parameters": preset.get("parameters"),
        "orientation": preset.get("orientation"),
        "description": preset.get("description"),
    }


def line_of_preset(preset: Mapping[str, Any]) -> ToolLine:
    return line_of(stored_row(preset))


def changed_fields(before: ToolLine, after: ToolLine) -> dict[str, Any]:
    """The fields a `p` line changes against the line LinuxCNC had: path → value (None: cleared).

    Not the pocket: in a `p` line it is LinuxCNC's slot for the tool (`P1` for T10 in a
    non-random changer), not the preset's pocket.
    """
    changes: dict[str, Any] = {}
    for path, get in _PUT_FIELDS:
        old, new = get(before) or None, get(after) or None
        if old != new:
            changes[path] = new
    return changes


def _value_at(preset: Mapping[str, Any], path: str) -> Any:
    head, _, key = path.partition(".")
    return json_object(preset.get(head)).get(key) if key else preset.get(head)


def already_applied(preset: Mapping[str, Any], fields: Mapping[str, Any]) -> bool:
    """Whether the preset holds every one of these values (zero and absent alike)."""
    return all((_value_at(preset, path) or None) == (value or None) for path, value in fields.items())


def apply_fields(preset: Mapping[str, Any], fields: Mapping[str, Any]) -> Preset:
    """The preset with these field paths set on top; other keys of its JSON fields kept."""
    result = dict(preset)
    for path, value in fields.items():
        head, _, key = path.partition(".")
        if not key:
            result[head] = value
            continue
        inner = json_object(result.get(head))
        if value:
            inner[key] = value
        else:
            inner.pop(key, None)
        result[head] = inner or None
    return result


def update_input(preset: Mapping[str, Any], fields: Mapping[str, Any], version: int) -> dict[str, Any]:
    """A ToolPresetUpdateInput writing `fields` over `preset` (whole JSON objects, as the API takes them)."""
    merged = apply_fields(preset, fields)
    heads = {path.partition(".")[0] for path in fields}
    return {"id": preset["id"], "expectedVersion": version, **{head: merged.get(head) for head in heads}}
