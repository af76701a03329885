"""`toolLibrary` and `importToolLibrary`: a tool set as a CAM tool library (issue 16)."""

from __future__ import annotations

import strawberry

from ..context import Context
from ..interchange import tool_library
from ..interchange.freecad_files import ToolFile
from ..interchange.tool_library import ToolLibraryFormat
from ..types.tool_library import (
    ToolFileInput,
    ToolLibrary,
    ToolLibraryImportResult,
    import_result,
    library_of,
)

Info = strawberry.Info[Context, None]


@strawberry.type
class ToolLibraryQuery:
    @strawberry.field(
        description="The tool set as a library file (FREECAD: a .fctl naming each member's nr and "
        "path) and one bit file (.fctb) per member item, each as FreeCAD writes it."
    )
    async def tool_library(
        self, info: Info, tool_set_id: strawberry.ID, format: ToolLibraryFormat
    ) -> ToolLibrary:
        ctx = info.context
        exported = await tool_library.export_library(ctx.runtime, ctx.principal, str(tool_set_id), format)
        return library_of(exported)


@strawberry.type
class ToolLibraryMutation:
    @strawberry.mutation(
        description="Import a library and its bits: each bit into a catalog item (matched by its 1.x "
        "id, else by name; only changed fields are written, with a version check), the library "
        "into the tool set named after the file (on machineId, when given). Always atomic; "
        "dryRun only plans. Every bit the library names must be sent. FreeCAD files carry no "
        "export marker: without since or overwrite an import may create items and sets, but each "
        "change to an existing one is a VERSION_CONFLICT. since: the changesSince endCursor taken "
        "before the export; an item or set edited after it that the import would change is a "
        "VERSION_CONFLICT instead of being overwritten. overwrite: true lets the files win over "
        "every edit (not with since)."
    )
    async def import_tool_library(
        self,
        info: Info,
        format: ToolLibraryFormat,
        library: ToolFileInput,
        bits: list[ToolFileInput],
        machine_id: str | None = None,
        dry_run: bool = False,
        since: str | None = None,
        overwrite: bool = False,
    ) -> ToolLibraryImportResult:
        ctx = info.context
        result = await tool_library.import_library(
            ctx.runtime,
            ctx.principal,
            format,
            ToolFile(library.name, library.content),
            [ToolFile(bit.name, bit.content) for bit in bits],
            machine_id=machine_id,
            dry_run=dry_run,
            since=since,
            overwrite=overwrite,
        )
        return import_result(result, dry_run=dry_run)
