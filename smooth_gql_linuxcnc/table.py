"""The cached presets of one machine and the table LinuxCNC gets for `g`.

Holds the server's rows as the feed last delivered them, and the change cursor to resume the
feed from. What LinuxCNC is shown is those rows with the journal's pending offsets laid on
top, so an operator's value shows at the next `g` even while the server has not got it yet.
Rendered lines are kept per preset version: a `g` of 1,000 tools renders nothing again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from smooth_gql.interchange.linuxcnc import ToolLine, render_line
from smooth_gql.interchange.preset_lines import table_rows

from . import store
from .rows import Preset, apply_fields, line_of_preset, stored_row


@dataclass(frozen=True)
class Served:
    """One tool as LinuxCNC got it at a `g`: from which preset at which version."""

    preset_id: str
    version: int
    line: ToolLine
    text: str


class Table:
    def __init__(self, path: Path, machine: str) -> None:
        self.path = path
        self.machine = machine
        saved = store.load_cache(path)
        if saved is not None and saved.get("machine") != machine:
            store.log.error("%s holds machine %r, not %r: not used", path, saved.get("machine"), machine)
            saved = None
        self.presets: dict[str, Preset] = dict(saved["presets"]) if saved else {}
        self.cursor: str | None = saved.get("cursor") if saved else None
        self.open_usage: dict[str, Any] | None = saved.get("openUsage") if saved else None
        self._rendered: dict[str, Served] = {}

    def save(self) -> None:
        data = {"machine": self.machine, "cursor": self.cursor, "openUsage": self.open_usage}
        store.save_cache(self.path, {**data, "presets": self.presets})

    def replace(self, presets: Iterable[Preset]) -> None:
        """A fresh read of every preset of the machine."""
        self.presets = {p["id"]: p for p in presets if p.get("machineId") == self.machine}

    def apply(self, preset_id: str, preset: Preset | None) -> bool:
        """One change from the feed (None: deleted); older versions than held are ignored."""
        held = self.presets.get(preset_id)
        if preset is None or preset.get("machineId") != self.machine:
            return self.presets.pop(preset_id, None) is not None
        if held is not None and held["version"] >= preset["version"]:
            return False
        self.presets[preset_id] = preset
        return True

    def by_tool(self, tool: int) -> Preset | None:
        for preset in self.presets.values():
            if preset.get("toolNumber") == tool:
                return preset
        return None

    def _line(self, preset: Preset) -> Served:
        held = self._rendered.get(preset["id"])
        if held is None or held.version != preset["version"]:
            line = line_of_preset(preset)
            held = Served(preset["id"], preset["version"], line, render_line(line).rstrip("\n"))
            self._rendered[preset["id"]] = held
        return held

    def lines(self, pending: Iterable[dict[str, Any]]) -> list[Served]:
        """The table for `g`: pending offsets of the journal on top of the cached rows."""
        overlay: dict[str, dict[str, Any]] = {}
        for entry in pending:
            if entry["kind"] == "offset":
                overlay.setdefault(entry["presetId"], {}).update(entry["fields"])
        rows = []
        for preset in self.presets.values():
            row = stored_row(preset)
            row["id"] = preset["id"]
            rows.append(row)
        out = []
        for row in table_rows(rows):
            preset = self.presets[row["id"]]
            if row["id"] in overlay:
                line = line_of_preset(apply_fields(preset, overlay[row["id"]]))
                out.append(Served(preset["id"], preset["version"], line, render_line(line).rstrip("\n")))
            else:
                out.append(self._line(preset))
        return out
