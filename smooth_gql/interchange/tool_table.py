"""A machine's presets as a tool table, in and out, through the public services only.

Which preset field each entry of a file sets is `preset_entries`; which export a file came from,
and what an import may therefore change, is `provenance`. An export opens with its marker (a
`; smooth-gql export <cursor>` comment line in `tool.tbl`, an `exportCursor` column in CSV).

Import parses the file, reads the machine's presets and compares each entry with the preset of
that tool number (MERGE: create the missing, update only the fields that changed, leave the rest;
REPLACE: also delete the presets with a tool number the file no longer has), giving a plan. A
change to a preset edited after the file's export, or any change at all from a file with no
marker, is a per-row VERSION_CONFLICT unless the caller passes `overwrite` (see `provenance`).
Unless it is a dry run, the plan is carried out by `create_entities`, `update_entities` (each
update carries the version the plan read, so a row edited in between is a VERSION_CONFLICT,
never overwritten) and `delete_entities` (refused, naming the referrers, where usage records
point at the preset), all in one transaction: atomic by default, so one failing line writes
nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from ..auth.principal import Principal
from ..enums import EntityType
from ..errors import BadInput, ItemError, ItemErrorCode
from ..runtime import Runtime
from ..services import bulk_delete, reads
from ..services.unit_of_work import UnitOfWork
from ..services.write_request import BulkOutcome, WriteRequest
from . import linuxcnc, preset_csv, preset_entries, provenance
from .plans import (
    FieldChange,
    PlanAction,
    Progress,
    Reporter,
    Row,
    all_rows,
    check_import_size,
    counts,
    create_and_update,
    quiet,
)
from .preset_entries import Entry, LengthUnits, ParsedFile, line_of, table_rows

PRESET = EntityType.TOOL_PRESET


class ToolTableFormat(StrEnum):
    LINUXCNC = "LINUXCNC"
    CSV = "CSV"


class ImportMode(StrEnum):
    MERGE = "MERGE"
    REPLACE = "REPLACE"


@dataclass
class PlanStep:
    tool_number: int
    action: PlanAction
    line: int | None = None
    preset_id: str | None = None
    changes: list[FieldChange] = field(default_factory=list)


@dataclass(frozen=True)
class LineError:
    """A line (or, for deletes, a tool number) that could not be imported; `message` names both."""

    line: int | None
    tool_number: int | None
    code: ItemErrorCode
    message: str
    current_version: int | None = None
    current: Mapping[str, object] | None = None  # for VERSION_CONFLICT: the preset as it is now


@dataclass
class ImportResult:
    plan: list[PlanStep] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)
    written: list[Row] = field(default_factory=list)  # created and updated presets, in plan order
    deleted: list[Row] = field(default_factory=list)
    applied: bool = False  # True when the plan was written (not a dry run, not refused)


async def machine_presets(runtime: Runtime, principal: Principal, machine_id: str) -> list[Row]:
    """Every preset of the machine the principal may read."""
    return await all_rows(runtime, principal, reads.ListQuery(PRESET, {"machine_id": machine_id}))


async def export_table(runtime: Runtime, principal: Principal, machine_id: str, fmt: ToolTableFormat) -> str:
    _check_machine(machine_id)
    marker = await provenance.export_cursor(runtime, principal, [PRESET])
    rows = table_rows(await machine_presets(runtime, principal, machine_id))
    if fmt is ToolTableFormat.LINUXCNC:
        return provenance.table_marker(marker) + linuxcnc.render_table(line_of(row) for row in rows)
    return preset_csv.render_csv(rows, marker)


def _check_machine(machine_id: str) -> None:
    if not machine_id.strip():
        raise BadInput("must not be empty", field="machineId")


# --- import ----------------------------------------------------------------------


@dataclass
class _Plan:
    """What an import would write, each write with the entry (file line) it comes from."""

    rows: dict[str, Row]  # the machine's presets by id, as the plan read them
    steps: list[PlanStep] = field(default_factory=list)
    creates: list[tuple[Entry, Row]] = field(default_factory=list)
    updates: list[tuple[Entry, Row]] = field(default_factory=list)
    doomed: list[Row] = field(default_factory=list)

    @property
    def writes(self) -> bool:
        return bool(self.creates or self.updates or self.doomed)


def _plan_entry(plan: _Plan, entry: Entry, row: Row | None, order: int, machine_id: str) -> None:
    values, changes = entry.build(row, order)
    step = PlanStep(entry.tool, PlanAction.CREATE, entry.line, None if row is None else row["id"], changes)
    plan.steps.append(step)
    if row is None:
        values["name"] = values.get("name") or f"T{entry.tool}"
        plan.creates.append((entry, {"machine_id": machine_id, **values}))
    elif changes:
        step.action = PlanAction.UPDATE
        plan.updates.append((entry, {"id": row["id"], "expected_version": row["version"], **values}))
    else:
        step.action = PlanAction.UNCHANGED


def _plan(entries: Sequence[Entry], rows: Sequence[Row], mode: ImportMode, machine_id: str) -> _Plan:
    plan = _Plan({row["id"]: row for row in rows})
    by_tool = {row["tool_number"]: row for row in rows if row.get("tool_number") is not None}
    for order, entry in enumerate(entries):
        _plan_entry(plan, entry, by_tool.get(entry.tool), order, machine_id)
    if mode is ImportMode.REPLACE:
        listed = {entry.tool for entry in entries}
        for stale in table_rows(rows):
            if stale["tool_number"] not in listed:
                plan.steps.append(PlanStep(stale["tool_number"], PlanAction.DELETE, None, stale["id"]))
                plan.doomed.append(stale)
    return plan


def _refuse(plan: _Plan, result: ImportResult, basis: provenance.Basis, edited: set[str]) -> None:
    """A VERSION_CONFLICT for each change the basis does not cover; those are not written."""
    refused: set[str] = set()
    for step in plan.steps:
        if step.preset_id is None or step.action not in (PlanAction.UPDATE, PlanAction.DELETE):
            continue
        row = plan.rows[step.preset_id]
        reason = provenance.refusal(basis, edited, step.preset_id, row["version"])
        if reason is not None:
            refused.add(step.preset_id)
            where = f"line {step.line}: " if step.line is not None else ""
            message = f"{where}T{step.tool_number}: {reason}"
            conflict = ItemErrorCode.VERSION_CONFLICT
            result.errors.append(
                LineError(step.line, step.tool_number, conflict, message, row["version"], row)
            )
    plan.updates = [(entry, values) for entry, values in plan.updates if values["id"] not in refused]
    plan.doomed = [row for row in plan.doomed if row["id"] not in refused]


def _parse(fmt: ToolTableFormat, content: str, units: LengthUnits | None) -> ParsedFile:
    if fmt is ToolTableFormat.LINUXCNC:
        return preset_entries.parse_linuxcnc(content, units)
    return preset_entries.parse_csv(content)


async def import_table(
    runtime: Runtime,
    principal: Principal,
    machine_id: str,
    fmt: ToolTableFormat,
    content: str,
    *,
    mode: ImportMode = ImportMode.MERGE,
    dry_run: bool = False,
    atomic: bool = True,
    units: LengthUnits | None = None,
    since: str | None = None,
    overwrite: bool = False,
    report: Reporter = quiet,
) -> ImportResult:
    """`since`: a change-feed cursor that stands in for the file's export marker; `overwrite`:
    let the file win over edits made since its export (or when it has no marker). `report` hears
    of each phase (parse, read, plan, each written batch) as it ends."""
    _check_machine(machine_id)
    parsed = _parse(fmt, content, units)
    basis, marker_errors = provenance.basis(
        parsed.markers, since=since, overwrite=overwrite, label=parsed.marker_label
    )
    errors = [LineError(e.line, None, ItemErrorCode.VALIDATION, str(e)) for e in parsed.errors]
    errors += [LineError(e.line, None, ItemErrorCode.VALIDATION, e.message) for e in marker_errors]
    result = ImportResult(errors=sorted(errors, key=lambda e: e.line or 0))
    check_import_size(runtime, len(parsed.entries), "content", "tools")
    await report(Progress("parse", len(parsed.entries), f"tools, {len(result.errors)} errors"))
    rows = await machine_presets(runtime, principal, machine_id)
    await report(Progress("read", len(rows), f"presets on {machine_id}"))
    # Read after the presets: an edit the read saw is in this set, one made later fails the write.
    edited = await provenance.edited(runtime, principal, basis, [PRESET])
    plan = _plan(parsed.entries, rows, mode, machine_id)
    result.plan = plan.steps
    _refuse(plan, result, basis, edited)
    summary = counts([step.action for step in plan.steps])
    await report(Progress("plan", len(plan.steps), f"steps: {summary or 'nothing to do'}"))
    if dry_run or (atomic and result.errors) or not plan.writes:
        return result
    await _write(runtime, principal, plan, result, atomic=atomic, report=report)
    return result


async def _write(
    runtime: Runtime,
    principal: Principal,
    plan: _Plan,
    result: ImportResult,
    *,
    atomic: bool,
    report: Reporter,
) -> None:
    async with UnitOfWork(runtime) as uow:
        made, changed = await create_and_update(
            runtime, principal, PRESET, plan.creates, plan.updates, atomic=atomic, within=uow, report=report
        )
        removed = BulkOutcome()
        if plan.doomed:  # like creates and updates: no empty call
            deletes = [{"id": r["id"], "expected_version": r["version"]} for r in plan.doomed]
            removed = await bulk_delete.delete_entities(
                runtime, principal, WriteRequest(PRESET, deletes, atomic=atomic, within=uow)
            )
            await report(Progress("write", len(removed.results), "deleted"))
        result.errors += [_line_error(plan.creates[e.index][0], e) for e in made.errors]
        result.errors += [_line_error(plan.updates[e.index][0], e) for e in changed.errors]
        result.errors += [_delete_error(plan.doomed[e.index], e) for e in removed.errors]
        if atomic and result.errors:
            return  # the unit of work rolls back: nothing of this import is written
        await uow.commit()
    result.applied = True
    result.written = [*made.results, *changed.results]
    result.deleted = removed.results


def _line_error(entry: Entry, error: ItemError) -> LineError:
    message = f"line {entry.line}: T{entry.tool}: {error.message}"
    return LineError(entry.line, entry.tool, error.code, message, error.current_version, error.current)


def _delete_error(row: Mapping[str, object], error: ItemError) -> LineError:
    message = f"T{row['tool_number']}: {error.message}"
    tool = row["tool_number"]
    return LineError(
        None,
        tool if isinstance(tool, int) else None,
        error.code,
        message,
        error.current_version,
        error.current,
    )
