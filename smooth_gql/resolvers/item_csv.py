"""`toolItemsCsv` and `importToolItemsCsv`: the catalog as CSV for tool-room spreadsheets (issue 16)."""

from __future__ import annotations

import strawberry

from ..context import Context
from ..interchange import item_csv
from ..types.item_csv import ToolItemCsvImportResult, import_result

Info = strawberry.Info[Context, None]


@strawberry.type
class ItemCsvQuery:
    @strawberry.field(
        description="Every catalog item as CSV: one header row of ToolItem field names (name, "
        "description, manufacturer, partNumber, category, legacyCategory, toolType, geometry, "
        "material, capabilities, shapeData, iso13399Reference, tags), JSON fields as JSON text, "
        "rows in creation order, and a last column exportCursor that marks the export for "
        "importToolItemsCsv; no ids, so a file imports into another account unchanged."
    )
    async def tool_items_csv(self, info: Info) -> str:
        return await item_csv.export_items(info.context.runtime, info.context.principal)


@strawberry.type
class ItemCsvMutation:
    @strawberry.mutation(
        description="Import catalog items from CSV (the toolItemsCsv columns; a file may leave "
        "columns out), matched by name: the changed fields of an existing item are updated with a "
        "version check, new names created. Always atomic; dryRun only plans. An item edited after the "
        "export the file came from (its exportCursor column; since, a changesSince endCursor, stands "
        "in for it) that the file would change is a VERSION_CONFLICT instead of being overwritten. A "
        "file without exportCursor may only create items unless overwrite: true lets the file win."
    )
    async def import_tool_items_csv(
        self,
        info: Info,
        content: str,
        dry_run: bool = False,
        since: str | None = None,
        overwrite: bool = False,
    ) -> ToolItemCsvImportResult:
        ctx = info.context
        result = await item_csv.import_items(
            ctx.runtime, ctx.principal, content, dry_run=dry_run, since=since, overwrite=overwrite
        )
        return import_result(result, dry_run=dry_run)
