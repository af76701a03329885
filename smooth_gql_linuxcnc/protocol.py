"""LinuxCNC 2.9's tool-database protocol v2.1 on stdin/stdout (/work/shared/LINUXCNC.md).

LinuxCNC reads one write as one reply and waits 10 s for each, so every reply line is its
own `os.write`; nothing but replies ever goes to stdout. Requests, one per line:
`g` (the table: tool lines, then `FINI`), `p <tool line>` (an offset written at the
machine), `l T<n> P<p>` (a tool loaded into the spindle), `u T<n> P<p>` (unloaded).
Each event is answered `FINI`, or a line containing `NAK` that LinuxCNC logs and survives.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from smooth_gql.interchange.linuxcnc import TableLineError, ToolLine, parse_line

VERSION = "v2.1"


class ProtocolError(ValueError):
    """A request line the bridge does not understand; `str()` says why (for stderr)."""


@dataclass(frozen=True)
class Get:
    pass


@dataclass(frozen=True)
class Put:
    line: ToolLine


@dataclass(frozen=True)
class Load:
    tool: int
    pocket: int


@dataclass(frozen=True)
class Unload:
    tool: int
    pocket: int


Command = Get | Put | Load | Unload


def _tool_and_pocket(rest: str) -> tuple[int, int]:
    try:
        line = parse_line(rest, 1)
    except TableLineError as error:
        raise ProtocolError(
            error.message if error.entry is None else f"{error.entry}: {error.message}"
        ) from None
    if line is None or line.offsets or line.diameter or line.remark:
        raise ProtocolError("expected T<tool> P<pocket>")
    return line.tool, line.pocket


def parse_command(text: str) -> Command:
    """One request line (without its newline)."""
    verb, _, rest = text.strip().partition(" ")
    if verb == "g" and not rest.strip():
        return Get()
    if verb == "p":
        try:
            line = parse_line(rest, 1)
        except TableLineError as error:
            raise ProtocolError(f"p: {error.entry or ''} {error.message}".replace("  ", " ")) from None
        if line is None:
            raise ProtocolError("p: no tool line")
        return Put(line)
    if verb in ("l", "u"):
        tool, pocket = _tool_and_pocket(rest)
        return Load(tool, pocket) if verb == "l" else Unload(tool, pocket)
    raise ProtocolError(f"unknown request {text.strip()[:80]!r}")


class Replies:
    """Reply lines to LinuxCNC: each its own write, in full, at once."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def line(self, text: str) -> None:
        data = (text.rstrip("\n") + "\n").encode()
        while data:
            written = os.write(self.fd, data)
            data = data[written:]

    def fini(self) -> None:
        self.line("FINI")

    def nak(self, reason: str) -> None:
        self.line(f"NAK {reason}")
