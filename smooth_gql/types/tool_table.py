"""Tool tables (LinuxCNC `tool.tbl`) in and out: the import plan and its result."""

from __future__ import annotations

from collections.abc import Iterable

import strawberry
from strawberry.scalars import JSON

from ..errors import ItemErrorCode
from ..interchange import plans, preset_entries
from ..interchange import tool_table as tt
from .common import from_row
from .tool_preset import ToolPreset

ToolTableFormat = strawberry.enum(tt.ToolTableFormat, description="A tool-table file format.")
ImportMode = strawberry.enum(
    tt.ImportMode,
    description="MERGE creates and updates by tool number and leaves other presets alone; "
    "REPLACE also deletes the machine's numbered presets the file no longer lists.",
)
PlanAction = strawberry.enum(plans.PlanAction, description="What an import does (or would do) to one tool.")
LengthUnits = strawberry.enum(preset_entries.LengthUnits, description="A machine's linear units.")


@strawberry.type(description="One preset field an import changes: a field path such as offsets.z.")
class ToolTableFieldChange:
    field: str
    before: JSON | None
    after: JSON | None


def field_changes(changes: Iterable[plans.FieldChange]) -> list[ToolTableFieldChange]:
    """A plan step's field changes as GraphQL shows them; every import's plan (tool table,
    catalog CSV, tool library) uses this one type."""
    return [ToolTableFieldChange(field=c.field, before=c.before, after=c.after) for c in changes]


@strawberry.type(description="One tool of the plan, by tool number.")
class ToolTablePlanEntry:
    tool_number: int
    action: plans.PlanAction
    line: int | None = strawberry.field(description="The file line (null for a DELETE).")
    preset_id: strawberry.ID | None = strawberry.field(description="The existing preset, if any.")
    changes: list[ToolTableFieldChange]


@strawberry.type(description="A line (or, for a delete, a tool number) that could not be imported.")
class ToolTableLineError:
    line: int | None
    tool_number: int | None
    code: ItemErrorCode
    message: str = strawberry.field(description='Names the line and entry, e.g. "line 7: Q12: …".')
    current_version: int | None = strawberry.field(description="For VERSION_CONFLICT: the row's version now.")
    current: ToolPreset | None = strawberry.field(
        description="For VERSION_CONFLICT: the preset as it is now."
    )


@strawberry.type(description="The plan of an import and, unless it was a dry run, what was written.")
class ToolTableImportResult:
    dry_run: bool
    applied: bool = strawberry.field(description="True when the plan was written (atomic: all of it).")
    plan: list[ToolTablePlanEntry]
    success_count: int = strawberry.field(description="Presets created, updated and deleted.")
    error_count: int
    results: list[ToolPreset] = strawberry.field(description="Presets created and updated.")
    deleted: list[ToolPreset]
    errors: list[ToolTableLineError]


def import_result(result: tt.ImportResult, *, dry_run: bool) -> ToolTableImportResult:
    return ToolTableImportResult(
        dry_run=dry_run,
        applied=result.applied,
        plan=[
            ToolTablePlanEntry(
                tool_number=step.tool_number,
                action=step.action,
                line=step.line,
                preset_id=strawberry.ID(step.preset_id) if step.preset_id else None,
                changes=field_changes(step.changes),
            )
            for step in result.plan
        ],
        success_count=len(result.written) + len(result.deleted),
        error_count=len(result.errors),
        results=[from_row(ToolPreset, row) for row in result.written],
        deleted=[from_row(ToolPreset, row) for row in result.deleted],
        errors=[
            ToolTableLineError(
                line=e.line,
                tool_number=e.tool_number,
                code=e.code,
                message=e.message,
                current_version=e.current_version,
                current=None if e.current is None else from_row(ToolPreset, e.current),
            )
            for e in result.errors
        ],
    )
