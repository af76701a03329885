"""The files of one tool-library import (a `.fctl` and its `.fctb` bits), checked and parsed.

Every file's problem is reported, not just the first, each naming its file: a name that is not
a `.fctb`/`.fctl` (or is a path), text that is not UTF-8 or over the size limit, a bit sent
twice, two bits of one name, a library naming a bit that was not sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from . import freecad
from .freecad import FreeCadFileError, Library, ToolBit

MAX_FILE_BYTES = 1024 * 1024  # one bit or library; FreeCAD's are a few hundred bytes


@dataclass(frozen=True)
class ToolFile:
    name: str  # the file name, e.g. "5mm_Endmill.fctb"
    content: str


def _check_file(file: ToolFile, suffix: str) -> None:
    if not file.name.endswith(suffix) or "/" in file.name or "\\" in file.name:
        raise FreeCadFileError(file.name or '""', None, f"not a {suffix} file name")
    try:
        size = len(file.content.encode("utf-8"))
    except UnicodeEncodeError as error:
        raise FreeCadFileError(file.name, None, f"not UTF-8 (character {error.start})") from None
    if size > MAX_FILE_BYTES:
        raise FreeCadFileError(file.name, None, f"{size} bytes exceed the limit of {MAX_FILE_BYTES}")


def parse_files(
    library: ToolFile, bits: Sequence[ToolFile]
) -> tuple[Library | None, list[ToolBit], list[str]]:
    """The files parsed; every file's error is reported, not just the first."""
    errors: list[str] = []
    parsed_bits: list[ToolBit] = []
    seen_files: set[str] = set()
    seen_names: dict[str, str] = {}
    for file in bits:
        try:
            _check_file(file, ".fctb")
            if file.name in seen_files:
                raise FreeCadFileError(file.name, None, "sent twice")
            seen_files.add(file.name)
            bit = freecad.parse_bit(file.name, file.content)
            if bit.name in seen_names:
                raise FreeCadFileError(
                    file.name, "name", f'"{bit.name}" is also the name in {seen_names[bit.name]}'
                )
            seen_names[bit.name] = file.name
            parsed_bits.append(bit)
        except FreeCadFileError as error:
            errors.append(str(error))
    parsed_library = None
    try:
        _check_file(library, ".fctl")
        parsed_library = freecad.parse_library(library.name, library.content)
        errors += freecad.missing_bits(parsed_library, seen_files)
    except FreeCadFileError as error:
        errors.append(str(error))
    return parsed_library, parsed_bits, errors
