"""LinuxCNC tool table (`tool.tbl`) lines: parse and render, nothing else.

A pure line codec with no server imports: the LinuxCNC bridge (a separate
client program) shares it with the server's import and export.

Reading follows LinuxCNC 2.9's reader (`tooldata_read_entry` in
src/emc/tooldata/tooldata_common.cc): a line is words separated by blanks,
each a letter and a number — `T` tool number, `P` pocket, `X Y Z A B C U V
W` offsets, `D` diameter, `I` front angle, `J` back angle, `Q` orientation —
in any order, letters in either case, then an optional `;remark` that runs to
the end of the line verbatim (spaces, further `;` and all). A line whose first
non-blank character is `;` is a comment, a blank line is skipped. Where
LinuxCNC silently skips or half-reads a line (an unknown word, a number with
trailing junk, a missing `T` or `P`, a word given twice) this codec reports an
error naming the line and the word instead, because an import should not lose
a tool quietly. Stricter than LinuxCNC on purpose: `Q` must be 0–9, `T` and
`P` whole numbers ≥ 0 (LinuxCNC reads `Q2.0` as 2, and so do we), numbers
finite, and a tool number may appear once per table. A trailing carriage
return and a leading byte-order mark (a table edited on Windows) are dropped; tabs separate words like spaces.

Writing reproduces LinuxCNC's own writer byte for byte, as LinuxCNC 2.9 (the
Debian bookworm package, `linuxcnc-uspace` 2.9.0~pre1+git20230208) writes a
table when G10 L1/L10/L11 rewrite the file (`tooldata_save`, which formats
each tool with `tooldata_format_toolline` and `ignore_zero_values`):
`T%-3d P%-3d`, then each non-zero value in the order D X Y Z A B C U V W I J
as ` <letter>%+f` (six decimals, sign always), a non-zero orientation as
` Q%d`, then ` ;` and the remark — 2.9 writes the ` ;` even for an empty
remark (LinuxCNC's later master omits it) — and a newline. Zero values,
comment lines and blank lines are not written, exactly as LinuxCNC drops
them. The golden tests check this against the output of the package's own
`libtooldata.so.0` for every sample table LinuxCNC ships
(tests/interchange/data/linuxcnc/). Lines come out in the order given, as a non-random
tool changer keeps them. Python's `%+f` and C's `%+f` both round the exact
binary value correctly, so the digits agree.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

AXES = ("X", "Y", "Z", "A", "B", "C", "U", "V", "W")
INT32_MAX = 2**31 - 1  # LinuxCNC keeps T and P in a C int

_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\Z")
_WHOLE = re.compile(r"[+-]?\d+\Z")
_ORIENTATION = re.compile(r"[+-]?\d+(?:\.0*)?\Z")  # "Q2.0" occurs in LinuxCNC's samples
_WORDS = re.compile(r"[ \t]+")
_NAMES = {
    "T": "tool number",
    "P": "pocket",
    "D": "diameter",
    "I": "front angle",
    "J": "back angle",
    "Q": "orientation",
    **{axis: f"{axis} offset" for axis in AXES},
}


class TableLineError(ValueError):
    """A line LinuxCNC's format does not allow; `str()` names the line and the word."""

    def __init__(self, line: int, entry: str | None, message: str) -> None:
        self.line = line
        self.entry = entry
        self.message = message
        where = f"line {line}: " if entry is None else f"line {line}: {entry}: "
        super().__init__(where + message)


@dataclass(frozen=True)
class ToolLine:
    """One tool of the table. Zero values and an empty remark mean "absent", as in LinuxCNC."""

    tool: int
    pocket: int
    offsets: Mapping[str, float] = field(default_factory=dict)  # axis letter (upper case) → value
    diameter: float = 0.0
    front_angle: float = 0.0
    back_angle: float = 0.0
    orientation: int = 0
    remark: str = ""
    line: int = 0  # where it was read (1-based); 0 when not read from a file

    def normalized(self) -> ToolLine:
        """The same tool as LinuxCNC keeps it: zero offsets dropped, no line number."""
        offsets = {axis: self.offsets[axis] for axis in AXES if self.offsets.get(axis)}
        return ToolLine(
            self.tool,
            self.pocket,
            offsets,
            self.diameter or 0.0,
            self.front_angle or 0.0,
            self.back_angle or 0.0,
            self.orientation,
            self.remark,
        )


@dataclass
class ParsedTable:
    tools: list[ToolLine] = field(default_factory=list)
    errors: list[TableLineError] = field(default_factory=list)


def _number(line: int, word: str, text: str) -> float:
    if not _NUMBER.match(text):
        raise TableLineError(line, word, f'"{text}" is not a number')
    value = float(text)
    if not math.isfinite(value):
        raise TableLineError(line, word, f'"{text}" is not a finite number')
    return value


def _whole(line: int, word: str, text: str, what: str) -> int:
    if not _WHOLE.match(text):
        raise TableLineError(line, word, f"{what} must be a whole number")
    value = int(text)
    if not 0 <= value <= INT32_MAX:
        raise TableLineError(line, word, f"{what} must be between 0 and {INT32_MAX}")
    return value


def parse_line(text: str, line: int) -> ToolLine | None:
    """One line of a table: a `ToolLine`, or None for a comment or blank line."""
    text = text.removesuffix("\r")
    words, semicolon, remark = text.partition(";")
    if not words.strip():
        return None  # blank, or a comment (`;` first, perhaps after blanks)
    seen: dict[str, str] = {}
    for raw in _WORDS.split(words.strip()):
        letter = raw[:1].upper()
        if letter not in _NAMES:
            raise TableLineError(line, raw, "unknown word (expected T, P, X Y Z A B C U V W, D, I, J or Q)")
        if letter in seen:
            raise TableLineError(line, raw, f"{_NAMES[letter]} given twice (also {seen[letter]})")
        seen[letter] = raw
    for letter in ("T", "P"):
        if letter not in seen:
            raise TableLineError(line, None, f"missing {letter} ({_NAMES[letter]})")
    tool = _whole(line, seen["T"], seen["T"][1:], "tool number")
    pocket = _whole(line, seen["P"], seen["P"][1:], "pocket")
    offsets = {axis: _number(line, seen[axis], seen[axis][1:]) for axis in AXES if axis in seen}
    orientation = 0
    if "Q" in seen:
        word = seen["Q"]
        if not _ORIENTATION.match(word[1:]) or not 0 <= int(float(word[1:])) <= 9:
            raise TableLineError(line, word, "orientation must be 0–9")
        orientation = int(float(word[1:]))

    def real(letter: str) -> float:
        return _number(line, seen[letter], seen[letter][1:]) if letter in seen else 0.0

    return ToolLine(
        tool,
        pocket,
        offsets,
        real("D"),
        real("I"),
        real("J"),
        orientation,
        remark if semicolon else "",
        line,
    )


def parse_table(text: str) -> ParsedTable:
    """Every line of a table; errors are collected, not raised, so a caller can report them all.

    A tool number given on two lines is an error on the later one, naming the first.
    """
    parsed = ParsedTable()
    first_line: dict[int, int] = {}
    text = text.removeprefix("\ufeff")  # a byte-order mark some Windows editors put first
    for number, raw in enumerate(text.split("\n"), start=1):
        try:
            tool = parse_line(raw, number)
        except TableLineError as error:
            parsed.errors.append(error)
            continue
        if tool is None:
            continue
        if tool.tool in first_line:
            parsed.errors.append(
                TableLineError(
                    number, None, f"duplicate tool number T{tool.tool} (also line {first_line[tool.tool]})"
                )
            )
            continue
        first_line[tool.tool] = number
        parsed.tools.append(tool)
    return parsed


def render_line(tool: ToolLine) -> str:
    """One line as LinuxCNC's `tooldata_format_toolline` writes it, newline included."""
    parts = [f"T{tool.tool:<3d} P{tool.pocket:<3d}"]
    values = [("D", tool.diameter)]
    values += [(axis, tool.offsets.get(axis, 0.0)) for axis in AXES]
    values += [("I", tool.front_angle), ("J", tool.back_angle)]
    parts += [f" {letter}{value:+f}" for letter, value in values if value]
    if tool.orientation:
        parts.append(f" Q{tool.orientation:d}")
    parts.append(f" ;{tool.remark}")
    return "".join(parts) + "\n"


def render_table(tools: Iterable[ToolLine]) -> str:
    return "".join(render_line(tool) for tool in tools)
