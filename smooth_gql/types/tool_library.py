"""CAM tool libraries (FreeCAD .fctl + .fctb) in and out: the files, the plan and its result."""

from __future__ import annotations

import strawberry

from ..errors import ItemErrorCode
from ..interchange import tool_library as tl
from ..interchange.plans import PlanAction
from ..types.tool_table import ToolTableFieldChange, field_changes
from .common import from_row
from .tool_item import ToolItem
from .tool_set import ToolSet

ToolLibraryFormat = strawberry.enum(tl.ToolLibraryFormat, description="A CAM tool-library format.")


@strawberry.type(description="One file of a tool library: its name (e.g. 5mm_Endmill.fctb) and text.")
class ToolFile:
    name: str
    content: str


@strawberry.input(description="One file of a tool library: its name (e.g. 5mm_Endmill.fctb) and text.")
class ToolFileInput:
    name: str
    content: str


@strawberry.type(description="A tool set as a library file and the bit files it names.")
class ToolLibrary:
    library: ToolFile
    bits: list[ToolFile]


@strawberry.type(
    description="What an import does (or would do) with one file: a bit's item or the library's set."
)
class ToolLibraryPlanEntry:
    file: str
    name: str
    action: PlanAction
    id: strawberry.ID | None = strawberry.field(description="The existing item or tool set, if any.")
    changes: list[ToolTableFieldChange]


@strawberry.type(description="A file that could not be imported.")
class ToolLibraryFileError:
    file: str
    code: ItemErrorCode
    message: str = strawberry.field(
        description='Names the file and entry, e.g. "5mm_Endmill.fctb: parameter Diameter: …".'
    )
    current_version: int | None = strawberry.field(description="For VERSION_CONFLICT: the row's version now.")


@strawberry.type(description="The plan of a library import and, unless it was a dry run, what was written.")
class ToolLibraryImportResult:
    dry_run: bool
    applied: bool = strawberry.field(description="True when the plan was written (all of it: always atomic).")
    bits: list[ToolLibraryPlanEntry]
    library: ToolLibraryPlanEntry | None = strawberry.field(description="Null when the library file is bad.")
    items: list[ToolItem] = strawberry.field(description="Items created and updated.")
    tool_set: ToolSet | None = strawberry.field(description="The tool set, once written.")
    errors: list[ToolLibraryFileError]


def _entry(step: tl.FileStep) -> ToolLibraryPlanEntry:
    return ToolLibraryPlanEntry(
        file=step.file,
        name=step.name,
        action=step.action,
        id=strawberry.ID(step.id) if step.id else None,
        changes=field_changes(step.changes),
    )


def library_of(exported: tl.ExportedLibrary) -> ToolLibrary:
    return ToolLibrary(
        library=ToolFile(name=exported.library.name, content=exported.library.content),
        bits=[ToolFile(name=bit.name, content=bit.content) for bit in exported.bits],
    )


def import_result(result: tl.LibraryImportResult, *, dry_run: bool) -> ToolLibraryImportResult:
    return ToolLibraryImportResult(
        dry_run=dry_run,
        applied=result.applied,
        bits=[_entry(step) for step in result.bits],
        library=_entry(result.library) if result.library else None,
        items=[from_row(ToolItem, row) for row in result.items],
        tool_set=from_row(ToolSet, result.tool_set) if result.tool_set else None,
        errors=[
            ToolLibraryFileError(
                file=e.file, code=e.code, message=e.message, current_version=e.current_version
            )
            for e in result.errors
        ],
    )
