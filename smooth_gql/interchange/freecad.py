"""FreeCAD tool bits (`.fctb`) and tool libraries (`.fctl`): parse and render, nothing else.

Two layouts, both read and written:

- FreeCAD 0.20 (Debian bookworm's `freecad-common` 0.20.2): a bit is
  `{"version": 2, "name", "shape", "parameter": {...}, "attribute": {...}}`
  in that key order, parameters in the order of the shape's properties
  (`PathToolBit.templateAttrs`, written with `json.dump(..., indent="  ")`);
  a library is `{"tools": [{"nr", "path"}], "version": 1}` written with
  `sort_keys=True, indent=2` (`PathToolBitLibraryGui.librarySave`).
- FreeCAD 1.x (the CAM workbench): a bit adds `shape-type` (and may carry
  `id`), and is written with `json.dumps(..., sort_keys=True, indent=2)`
  (`toolbit/serializers/fctb.py`).

A bit keeps every key, every parameter with its quantity text exactly as
written (`"5.0000 mm"`, `"119.0000 \\u00b0"`) and their order, so rendering
gives FreeCAD's own key order and indentation back (`ensure_ascii`, as
Python's json module writes by default). Parameter values are checked: a
length must be a number with a length unit, an angle one with an angle unit.
Errors name the file and the entry (`5mm_Endmill.fctb: parameter Diameter:
"5 mmm" is not a length`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

LENGTH_UNITS = {
    "mm": 1.0,
    "cm": 10.0,
    "dm": 100.0,
    "m": 1000.0,
    "µm": 0.001,
    "um": 0.001,
    "in": 25.4,
    '"': 25.4,
    "ft": 304.8,
    "thou": 0.0254,
    "mil": 0.0254,
}
ANGLE_UNITS = {"°": 1.0, "deg": 1.0, "rad": 57.29577951308232}
_QUANTITY = re.compile(r"\s*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*(\S*)\s*\Z")
_LENGTH_NAMES = re.compile(r"(Diameter|Length|Height|Radius|Thickness|Width|Depth|Crest|Pitch|Offset)$")
_ANGLE_NAMES = re.compile(r"Angle$")


class Layout(StrEnum):
    FREECAD_0_20 = "0.20"
    FREECAD_1 = "1.x"


class FreeCadFileError(ValueError):
    def __init__(self, file: str, entry: str | None, message: str) -> None:
        self.file = file
        self.entry = entry
        super().__init__(f"{file}: {entry}: {message}" if entry else f"{file}: {message}")


@dataclass
class ToolBit:
    """A bit with every key in its file order; `document` is the whole JSON object."""

    file: str
    document: dict[str, Any]
    layout: Layout

    @property
    def name(self) -> str:
        return str(self.document.get("name", ""))

    @property
    def parameters(self) -> dict[str, str]:
        return dict(self.document.get("parameter") or {})


@dataclass
class LibraryTool:
    nr: int
    path: str


@dataclass
class Library:
    file: str
    tools: list[LibraryTool] = field(default_factory=list)
    document: dict[str, Any] = field(default_factory=dict)


def quantity(text: str) -> tuple[float, str] | None:
    """`"5.0000 mm"` → (5.0, "mm"); None when the text is not a number with an optional unit."""
    match = _QUANTITY.match(text)
    if match is None:
        return None
    return float(match.group(1)), match.group(2)


def _load(file: str, text: str) -> dict[str, Any]:
    try:
        document = json.loads(text)
    except ValueError as error:
        raise FreeCadFileError(file, None, f"not JSON ({error})") from None
    if not isinstance(document, dict):
        raise FreeCadFileError(file, None, "not a JSON object")
    return document


def parse_bit(file: str, text: str) -> ToolBit:
    document = _load(file, text)
    for key in ("name", "shape"):
        if not isinstance(document.get(key), str) or not document[key]:
            raise FreeCadFileError(file, key, "missing or not text")
    parameters = document.get("parameter", {})
    if not isinstance(parameters, dict):
        raise FreeCadFileError(file, "parameter", "not a JSON object")
    if not isinstance(document.get("attribute", {}), dict):
        raise FreeCadFileError(file, "attribute", "not a JSON object")
    for name, value in parameters.items():
        _check_parameter(file, name, value)
    layout = Layout.FREECAD_1 if "shape-type" in document or "id" in document else Layout.FREECAD_0_20
    return ToolBit(file, document, layout)


def _check_parameter(file: str, name: str, value: Any) -> None:
    """Quantity text must match what the name says it is; numbers and booleans (1.x) pass."""
    entry = f"parameter {name}"
    if not isinstance(value, str | int | float):  # bool is an int
        raise FreeCadFileError(file, entry, f"{json.dumps(value)} is not a value")
    if not isinstance(value, str):
        return
    parsed = quantity(value)
    kind, units = ("length", LENGTH_UNITS) if _LENGTH_NAMES.search(name) else ("angle", ANGLE_UNITS)
    if (_LENGTH_NAMES.search(name) or _ANGLE_NAMES.search(name)) and (
        parsed is None or parsed[1] not in units
    ):
        raise FreeCadFileError(file, entry, f'"{value}" is not a{"n" if kind == "angle" else ""} {kind}')


def render_bit(bit: ToolBit) -> str:
    """As FreeCAD of the bit's layout writes it (no trailing newline, as json.dump leaves it)."""
    if bit.layout is Layout.FREECAD_1:
        return json.dumps(bit.document, sort_keys=True, indent=2)
    return json.dumps(bit.document, indent="  ")


def parse_library(file: str, text: str) -> Library:
    document = _load(file, text)
    tools = document.get("tools")
    if not isinstance(tools, list):
        raise FreeCadFileError(file, "tools", "missing or not a list")
    library = Library(file, document=document)
    seen: dict[int, int] = {}
    for position, entry in enumerate(tools):
        where = f"tools[{position}]"
        if not isinstance(entry, dict):
            raise FreeCadFileError(file, where, "not a JSON object")
        nr, path = entry.get("nr"), entry.get("path")
        if isinstance(nr, bool) or not isinstance(nr, int) or nr < 0:
            raise FreeCadFileError(file, f"{where}.nr", "must be a whole number ≥ 0")
        if not isinstance(path, str) or not path:
            raise FreeCadFileError(file, f"{where}.path", "missing or not text")
        if nr in seen:
            raise FreeCadFileError(
                file, f"{where}.nr", f"duplicate tool number {nr} (also tools[{seen[nr]}])"
            )
        seen[nr] = position
        library.tools.append(LibraryTool(nr, path))
    return library


def render_library(library: Library) -> str:
    """As FreeCAD writes a library: sorted keys, two-space indentation."""
    return json.dumps(library.document, sort_keys=True, indent=2)


def missing_bits(library: Library, bit_files: set[str]) -> list[str]:
    """Errors for library entries whose bit file was not given (by base name)."""
    return [
        f"{library.file}: tool {tool.nr}: bit {tool.path} was not sent"
        for tool in library.tools
        if tool.path.rsplit("/", 1)[-1] not in bit_files
    ]
