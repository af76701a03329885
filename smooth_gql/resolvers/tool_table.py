"""`toolTable` and `importToolTable`: a machine's presets as a tool-table file (issue 16)."""

from __future__ import annotations

import strawberry

from ..context import Context
from ..interchange import tool_table
from ..interchange.preset_entries import LengthUnits
from ..interchange.tool_table import ImportMode, ToolTableFormat
from ..types.tool_table import ToolTableImportResult, import_result

Info = strawberry.Info[Context, None]


@strawberry.type
class ToolTableQuery:
    @strawberry.field(
        description="The machine's presets that have a tool number, as a tool-table file "
        "(LINUXCNC: exactly as LinuxCNC 2.9 writes tool.tbl, after a first comment line "
        "`; smooth-gql export <cursor>`; CSV: one header row of ToolPreset field names, JSON fields as "
        "JSON text, and a last column exportCursor). The cursor marks the export for importToolTable."
    )
    async def tool_table(self, info: Info, machine_id: str, format: ToolTableFormat) -> str:
        ctx = info.context
        return await tool_table.export_table(ctx.runtime, ctx.principal, machine_id, format)


@strawberry.type
class ToolTableMutation:
    @strawberry.mutation(
        description="Import a tool-table file into the machine's presets, matched by tool number. "
        "Atomic unless atomic: false (then valid lines are written, bad ones reported); dryRun only "
        "plans. units (LINUXCNC), when given, is recorded on every imported preset (parameters.units). "
        "CSV: one header row of ToolPreset field names, JSON fields as JSON text. A preset edited "
        "after the export the file came from (its `; smooth-gql export` line or exportCursor column; "
        "since, a changesSince endCursor, stands in for it) that the file would change or delete is "
        "a VERSION_CONFLICT instead of being overwritten. A file without that marker may only "
        "create presets unless overwrite: true lets the file win over every edit."
    )
    async def import_tool_table(
        self,
        info: Info,
        machine_id: str,
        format: ToolTableFormat,
        content: str,
        mode: ImportMode = ImportMode.MERGE,
        dry_run: bool = False,
        atomic: bool = True,
        units: LengthUnits | None = None,
        since: str | None = None,
        overwrite: bool = False,
    ) -> ToolTableImportResult:
        ctx = info.context
        result = await tool_table.import_table(
            ctx.runtime,
            ctx.principal,
            machine_id,
            format,
            content,
            mode=mode,
            dry_run=dry_run,
            atomic=atomic,
            units=units,
            since=since,
            overwrite=overwrite,
        )
        return import_result(result, dry_run=dry_run)
