"""The FreeCAD .fctb/.fctl codec against the files FreeCAD ships (tests/interchange/data/freecad)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from smooth_gql.interchange import freecad
from smooth_gql.interchange.freecad import FreeCadFileError, Layout

DATA = Path(__file__).parent / "data" / "freecad"
BITS = sorted([*DATA.glob("Bit/*.fctb"), *DATA.glob("PathTests/*.fctb")])
LIBRARIES = sorted([*DATA.glob("Library/*.fctl"), *DATA.glob("PathTests/*.fctl")])


def _pairs(text: str) -> list[object]:
    """The document with every object's key order made visible."""
    return json.loads(text, object_pairs_hook=lambda pairs: [list(p) for p in pairs])  # type: ignore[no-any-return]


@pytest.mark.parametrize("path", BITS, ids=lambda p: p.name)
def test_a_020_bit_comes_back_as_freecad_wrote_it(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    bit = freecad.parse_bit(path.name, text)
    assert bit.layout is Layout.FREECAD_0_20
    rendered = freecad.render_bit(bit)
    assert json.loads(rendered) == json.loads(text)
    assert _pairs(rendered) == _pairs(text)  # FreeCAD's key and parameter order
    assert rendered == text.strip("\n") or rendered == text  # and its indentation, ° as \u00b0


@pytest.mark.parametrize("path", LIBRARIES, ids=lambda p: p.name)
def test_a_library_comes_back_as_freecad_wrote_it(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    library = freecad.parse_library(path.name, text)
    assert library.tools[0].nr == 1 and library.tools[0].path.endswith(".fctb")
    assert freecad.render_library(library) == text.rstrip("\n")


def test_a_1x_bit_is_written_with_sorted_keys() -> None:
    text = (DATA / "1.x/5mm_Endmill.fctb").read_text(encoding="utf-8")
    bit = freecad.parse_bit("5mm_Endmill.fctb", text)
    assert bit.layout is Layout.FREECAD_1
    rendered = freecad.render_bit(bit)
    assert json.loads(rendered) == json.loads(text)
    assert rendered == json.dumps(json.loads(text), sort_keys=True, indent=2)
    assert list(json.loads(rendered)) == ["attribute", "name", "parameter", "shape", "shape-type", "version"]


def test_the_shipped_library_names_only_shipped_bits() -> None:
    library = freecad.parse_library(
        "Default.fctl", (DATA / "Library/Default.fctl").read_text(encoding="utf-8")
    )
    assert freecad.missing_bits(library, {p.name for p in DATA.glob("Bit/*.fctb")}) == []
    assert freecad.missing_bits(library, {"5mm_Endmill.fctb"})[0] == (
        "Default.fctl: tool 2: bit 5mm_Drill.fctb was not sent"
    )


def test_quantities() -> None:
    assert freecad.quantity("5.0000 mm") == (5.0, "mm")
    assert freecad.quantity("119.0000 °") == (119.0, "°")
    assert freecad.quantity("3") == (3.0, "")
    assert freecad.quantity("5 mmm") == (5.0, "mmm")
    assert freecad.quantity("five") is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '{"name": "x", "shape": "e.fcstd", "parameter": {"Diameter": "5 mmm"}}',
            '5mm_Endmill.fctb: parameter Diameter: "5 mmm" is not a length',
        ),
        (
            '{"name": "x", "shape": "e.fcstd", "parameter": {"TipAngle": "118 mm"}}',
            '5mm_Endmill.fctb: parameter TipAngle: "118 mm" is not an angle',
        ),
        (
            '{"name": "x", "shape": "e.fcstd", "parameter": {"Flutes": [2]}}',
            "5mm_Endmill.fctb: parameter Flutes: [2] is not a value",
        ),
        ('{"shape": "e.fcstd"}', "5mm_Endmill.fctb: name: missing or not text"),
        (
            '{"name": "x", "shape": "e.fcstd", "parameter": []}',
            "5mm_Endmill.fctb: parameter: not a JSON object",
        ),
        ("[1]", "5mm_Endmill.fctb: not a JSON object"),
        (
            "{",
            "5mm_Endmill.fctb: not JSON (Expecting property name enclosed in double quotes: line 1 column 2 (char 1))",
        ),
    ],
)
def test_bad_bits_name_the_file_and_entry(text: str, message: str) -> None:
    with pytest.raises(FreeCadFileError) as caught:
        freecad.parse_bit("5mm_Endmill.fctb", text)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"version": 1}', "L.fctl: tools: missing or not a list"),
        ('{"tools": [{"nr": "1", "path": "a.fctb"}]}', "L.fctl: tools[0].nr: must be a whole number ≥ 0"),
        ('{"tools": [{"nr": 1}]}', "L.fctl: tools[0].path: missing or not text"),
        (
            '{"tools": [{"nr": 1, "path": "a.fctb"}, {"nr": 1, "path": "b.fctb"}]}',
            "L.fctl: tools[1].nr: duplicate tool number 1 (also tools[0])",
        ),
    ],
)
def test_bad_libraries_name_the_file_and_entry(text: str, message: str) -> None:
    with pytest.raises(FreeCadFileError) as caught:
        freecad.parse_library("L.fctl", text)
    assert str(caught.value) == message
