"""Catalog items as CSV in and out: the import plan and its result."""

from __future__ import annotations

import strawberry

from ..errors import ItemErrorCode
from ..interchange import item_csv
from ..interchange.plans import PlanAction
from ..types.tool_table import ToolTableFieldChange, field_changes
from .common import from_row
from .tool_item import ToolItem


@strawberry.type(description="One row of a catalog CSV import, by item name.")
class ToolItemCsvPlanEntry:
    line: int
    name: str
    action: PlanAction
    id: strawberry.ID | None = strawberry.field(description="The existing item, if any.")
    changes: list[ToolTableFieldChange]


@strawberry.type(description="A line that could not be imported.")
class ToolItemCsvLineError:
    line: int | None
    code: ItemErrorCode
    message: str = strawberry.field(description='Names the line and column, e.g. "line 3: geometry: …".')
    current_version: int | None = strawberry.field(description="For VERSION_CONFLICT: the row's version now.")
    current: ToolItem | None = strawberry.field(description="For VERSION_CONFLICT: the item as it is now.")


@strawberry.type(
    description="The plan of a catalog CSV import and, unless it was a dry run, what was written."
)
class ToolItemCsvImportResult:
    dry_run: bool
    applied: bool = strawberry.field(description="True when the plan was written (all of it: always atomic).")
    plan: list[ToolItemCsvPlanEntry]
    items: list[ToolItem] = strawberry.field(description="Items created and updated.")
    errors: list[ToolItemCsvLineError]


def import_result(result: item_csv.ItemImportResult, *, dry_run: bool) -> ToolItemCsvImportResult:
    return ToolItemCsvImportResult(
        dry_run=dry_run,
        applied=result.applied,
        plan=[
            ToolItemCsvPlanEntry(
                line=s.line,
                name=s.name,
                action=s.action,
                id=strawberry.ID(s.id) if s.id else None,
                changes=field_changes(s.changes),
            )
            for s in result.plan
        ],
        items=[from_row(ToolItem, row) for row in result.written],
        errors=[
            ToolItemCsvLineError(
                line=e.line,
                code=e.code,
                message=e.message,
                current_version=e.current_version,
                current=None if e.current is None else from_row(ToolItem, e.current),
            )
            for e in result.errors
        ],
    )
