"""The tool.tbl line codec against LinuxCNC's own reader and writer (tests/interchange/data/linuxcnc)."""

from __future__ import annotations

from pathlib import Path

import pytest

from smooth_gql.interchange import linuxcnc
from smooth_gql.interchange.linuxcnc import ToolLine, parse_line, parse_table, render_line

DATA = Path(__file__).parent / "data" / "linuxcnc"
SAMPLES = sorted(p.relative_to(DATA / "samples") for p in (DATA / "samples").rglob("*.tbl"))
# LinuxCNC skips every line of the first (an old column format) and keeps both T6 lines of
# the second; smooth-gql reports those lines instead (test_sample_tables_linuxcnc_would_mangle).
REFUSED = {Path("sim/axis/gantry/gantry_mm.tbl"), Path("sim/qtvcp_screens/woodpecker/tool.tbl")}


def test_every_shipped_sample_is_here() -> None:
    assert len(SAMPLES) == 39
    assert {Path("sim/axis/sim.tbl"), Path("sim/axis/lathe.tbl"), Path("sim/axis/simpockets.tbl")} <= set(
        SAMPLES
    )


@pytest.mark.parametrize("sample", [s for s in SAMPLES if s not in REFUSED], ids=str)
def test_render_equals_what_linuxcnc_writes(sample: Path) -> None:
    parsed = parse_table((DATA / "samples" / sample).read_text(encoding="utf-8"))
    assert parsed.errors == []
    expected = (DATA / "written-by-linuxcnc" / sample).read_text(encoding="utf-8")
    assert linuxcnc.render_table(parsed.tools).splitlines(keepends=True) == expected.splitlines(keepends=True)


def test_sample_tables_linuxcnc_would_mangle() -> None:
    gantry = parse_table((DATA / "samples/sim/axis/gantry/gantry_mm.tbl").read_text(encoding="utf-8"))
    assert gantry.tools == []
    assert [e.line for e in gantry.errors] == [1, 3, 4, 5, 6]
    assert str(gantry.errors[1]) == "line 3: 1: unknown word (expected T, P, X Y Z A B C U V W, D, I, J or Q)"
    woodpecker = parse_table(
        (DATA / "samples/sim/qtvcp_screens/woodpecker/tool.tbl").read_text(encoding="utf-8")
    )
    assert [str(e) for e in woodpecker.errors] == ["line 8: duplicate tool number T6 (also line 7)"]


def test_a_line_read_in_full() -> None:
    line = parse_line("t7 p3 x1 y-2 z+3.5 a4 b5 c6 u7 v8 w9 d.5 i-30 j30 q2.0 ;a; remark  \r", 4)
    assert line == ToolLine(
        7,
        3,
        {"X": 1, "Y": -2, "Z": 3.5, "A": 4, "B": 5, "C": 6, "U": 7, "V": 8, "W": 9},
        0.5,
        -30,
        30,
        2,
        "a; remark  ",
        4,
    )
    assert render_line(line) == (
        "T7   P3   D+0.500000 X+1.000000 Y-2.000000 Z+3.500000 A+4.000000 B+5.000000 C+6.000000"
        " U+7.000000 V+8.000000 W+9.000000 I-30.000000 J+30.000000 Q2 ;a; remark  \n"
    )


def test_zero_values_and_empty_remark_are_written_as_linuxcnc_29_does() -> None:
    line = parse_line("T123456 P0\tX0 Z-0 D0 Q0", 1)
    assert line is not None
    assert render_line(line) == "T123456 P0   ;\n"


@pytest.mark.parametrize("text", ["", "   ", "; a comment", "  ;T1 P1 after blanks"])
def test_comments_and_blank_lines(text: str) -> None:
    assert parse_line(text, 1) is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("T1 P1 Q12", "line 7: Q12: orientation must be 0–9"),
        ("T1 P1 Q-1", "line 7: Q-1: orientation must be 0–9"),
        ("T1 P1 Q2.5", "line 7: Q2.5: orientation must be 0–9"),
        ("T1 P1 Dx", 'line 7: Dx: "x" is not a number'),
        ("T1 P1 D1mm", 'line 7: D1mm: "1mm" is not a number'),
        ("T1 P1 Z", 'line 7: Z: "" is not a number'),
        ("T1 P1 Z1e999", 'line 7: Z1e999: "1e999" is not a finite number'),
        ("T1 P1 Xnan", 'line 7: Xnan: "nan" is not a number'),
        ("T1.5 P1", "line 7: T1.5: tool number must be a whole number"),
        ("T-1 P1", "line 7: T-1: tool number must be between 0 and 2147483647"),
        ("T1 P99999999999", "line 7: P99999999999: pocket must be between 0 and 2147483647"),
        ("T1 P1 D1 D2", "line 7: D2: diameter given twice (also D1)"),
        ("T1 P1 R5", "line 7: R5: unknown word (expected T, P, X Y Z A B C U V W, D, I, J or Q)"),
        ("P1 D1 ;no tool", "line 7: missing T (tool number)"),
        ("T1 D1", "line 7: missing P (pocket)"),
    ],
)
def test_bad_lines_name_the_line_and_the_word(text: str, message: str) -> None:
    with pytest.raises(linuxcnc.TableLineError) as caught:
        parse_line(text, 7)
    assert str(caught.value) == message


def test_duplicate_tool_number_names_both_lines() -> None:
    parsed = parse_table("T4 P1\n; comment\nT4 P2\nT5 P5\n")
    assert [t.tool for t in parsed.tools] == [4, 5]
    assert [str(e) for e in parsed.errors] == ["line 3: duplicate tool number T4 (also line 1)"]


def test_every_error_is_collected() -> None:
    parsed = parse_table("T1 P1 Q12\nT2 P2\nT3\n")
    assert [t.tool for t in parsed.tools] == [2]
    assert [e.line for e in parsed.errors] == [1, 3]


def test_the_codec_imports_nothing_of_the_server() -> None:
    """The LinuxCNC bridge (a separate client program) shares this module."""
    import ast

    tree = ast.parse(Path(linuxcnc.__file__).read_text(encoding="utf-8"))
    imported = {
        node.module if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert imported <= {"__future__", "math", "re", "collections.abc", "dataclasses"}


def test_a_byte_order_mark_is_not_part_of_the_first_word() -> None:
    parsed = parse_table("\ufeffT1 P1 D3\r\nT2 P2\r\n")
    assert parsed.errors == [] and [t.tool for t in parsed.tools] == [1, 2]
