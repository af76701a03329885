"""A machine's presets as a tool table, in and out, through the public services only.

Where each table entry lives on a ToolPreset (all readable and editable in GraphQL):

| tool.tbl | preset field |
|---|---|
| `T` | `toolNumber` (the match key on import) |
| `P` | `pocket` (exported as the tool number when the preset has none) |
| `X Y Z A B C U V W` | `offsets.x` … `offsets.w` (lower-case keys, as LinuxCNC clients already send them) |
| `D` | `parameters.diameter` |
| `I`, `J`, `Q` | `orientation.frontAngle`, `orientation.backAngle`, `orientation.orientation` |
| `;remark` | `description` (line breaks become spaces on export) |
| line order | `parameters.tableOrder` (0, 1, …: LinuxCNC keeps a non-random table in file order) |
| machine units | `parameters.units` (`MM` or `INCH`), recorded when the import names them |

Zero and absent are the same in LinuxCNC, so a zero value is stored as an
absent key; keys of these JSON fields that the table does not know are kept
untouched. A new preset is named `T<n>`.

Import compares each line with the preset of that tool number on the machine
(MERGE: create the missing, update only the fields that changed, leave the
rest; REPLACE: also delete the presets with a tool number the file no longer
has) and produces a plan. Unless it is a dry run, the plan is carried out by
`create_entities`, `update_entities` (each update carries the version the plan
was made from, so a row edited in between is a VERSION_CONFLICT, never
overwritten) and `delete_entities` (refused, naming the referrers, where usage
records point at the preset), all in one transaction: atomic by default, so
one failing line writes nothing.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from ..auth.principal import Principal
from ..changes import cursor, feed
from ..enums import EntityType
from ..errors import BadInput, ItemError, ItemErrorCode, LimitExceeded
from ..services import reads, writes
from ..services.fields import to_jsonable
from ..services.unit_of_work import Runtime, UnitOfWork
from . import linuxcnc, preset_csv
from .linuxcnc import AXES, ToolLine

Row = dict[str, Any]


class ToolTableFormat(StrEnum):
    LINUXCNC = "LINUXCNC"
    CSV = "CSV"


class ImportMode(StrEnum):
    MERGE = "MERGE"
    REPLACE = "REPLACE"


class PlanAction(StrEnum):
    CREATE = "CREATE"
    UPDATE = "UPDATE"
    DELETE = "DELETE"
    UNCHANGED = "UNCHANGED"


class LengthUnits(StrEnum):
    MM = "MM"
    INCH = "INCH"


@dataclass(frozen=True)
class FieldChange:
    field: str  # a preset field path, e.g. "offsets.z" or "parameters.diameter"
    before: Any
    after: Any


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


@dataclass
class ImportResult:
    plan: list[PlanStep] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)
    written: list[Row] = field(default_factory=list)  # created and updated presets, in plan order
    deleted: list[Row] = field(default_factory=list)
    applied: bool = False  # True when the plan was written (not a dry run, not refused)


_OFFSET_KEYS = {axis: axis.lower() for axis in AXES}
_ORIENTATION_KEYS = {"front_angle": "frontAngle", "back_angle": "backAngle", "orientation": "orientation"}


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return 0.0
    return float(value)


def _json(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, dict) else {}


def _order(row: Mapping[str, Any]) -> int | None:
    order = _json(row.get("parameters")).get("tableOrder")
    return order if isinstance(order, int) and not isinstance(order, bool) else None


def line_of(row: Mapping[str, Any]) -> ToolLine:
    """A stored preset as a table line (the preset must have a tool number)."""
    offsets = _json(row.get("offsets"))
    orientation = _json(row.get("orientation"))
    q = orientation.get("orientation")
    remark = row.get("description") or ""
    return ToolLine(
        tool=int(row["tool_number"]),
        pocket=row["pocket"] if row.get("pocket") is not None else int(row["tool_number"]),
        offsets={axis: _number(offsets.get(key)) for axis, key in _OFFSET_KEYS.items()},
        diameter=_number(_json(row.get("parameters")).get("diameter")),
        front_angle=_number(orientation.get("frontAngle")),
        back_angle=_number(orientation.get("backAngle")),
        orientation=q if isinstance(q, int) and not isinstance(q, bool) and 0 <= q <= 9 else 0,
        remark=" ".join(remark.splitlines()) if "\n" in remark or "\r" in remark else remark,
    ).normalized()


def _table_rows(rows: Sequence[Row]) -> list[Row]:
    """Presets that are table lines, in table order (then by tool number)."""
    numbered = [row for row in rows if row.get("tool_number") is not None]
    return sorted(numbered, key=lambda r: (_order(r) is None, _order(r) or 0, r["tool_number"]))


async def machine_presets(runtime: Runtime, principal: Principal, machine_id: str) -> list[Row]:
    """Every preset of the machine the principal may read."""
    return await all_rows(
        runtime, principal, reads.ListQuery(EntityType.TOOL_PRESET, {"machine_id": machine_id})
    )


async def all_rows(runtime: Runtime, principal: Principal, query: reads.ListQuery) -> list[Row]:
    """Every row of `query` the principal may read, page by page."""
    limit = runtime.settings.max_page_size
    rows: list[Row] = []
    while True:
        window = await reads.list_window(runtime, principal, query, limit=limit, offset=len(rows))
        rows.extend(dict(row) for row in window.rows)
        if not window.rows or len(rows) >= window.total:
            return rows


async def export_table(runtime: Runtime, principal: Principal, machine_id: str, fmt: ToolTableFormat) -> str:
    _check_machine(machine_id)
    rows = await machine_presets(runtime, principal, machine_id)
    if fmt is ToolTableFormat.LINUXCNC:
        return linuxcnc.render_table(line_of(row) for row in _table_rows(rows))
    return preset_csv.render_csv(_table_rows(rows))


def _check_machine(machine_id: str) -> None:
    if not machine_id.strip():
        raise BadInput("must not be empty", field="machineId")


# --- import ----------------------------------------------------------------------


def _changes(
    before: ToolLine | None, after: ToolLine, order: tuple[int | None, int], units: tuple[Any, Any]
) -> list[FieldChange]:
    old = before or ToolLine(after.tool, 0)
    pairs: list[tuple[str, Any, Any]] = [("pocket", None if before is None else old.pocket, after.pocket)]
    pairs += [
        (f"offsets.{key}", old.offsets.get(axis) or None, after.offsets.get(axis) or None)
        for axis, key in _OFFSET_KEYS.items()
    ]
    pairs += [
        ("parameters.diameter", old.diameter or None, after.diameter or None),
        ("orientation.frontAngle", old.front_angle or None, after.front_angle or None),
        ("orientation.backAngle", old.back_angle or None, after.back_angle or None),
        ("orientation.orientation", old.orientation or None, after.orientation or None),
        ("description", old.remark or None, after.remark or None),
        ("parameters.tableOrder", *order),
    ]
    if units[1] is not None:
        pairs.append(("parameters.units", *units))
    return [FieldChange(name, b, a) for name, b, a in pairs if b != a]


def _patched(existing: Any, ours: Mapping[str, Any], owned: Sequence[str]) -> dict[str, Any] | None:
    """`existing` with our keys replaced: zero values dropped, keys we do not own kept."""
    result = {k: v for k, v in _json(existing).items() if k not in owned}
    result.update({k: v for k, v in ours.items() if v})
    return result or None


def _values(line: ToolLine, row: Mapping[str, Any] | None, order: int, units: LengthUnits | None) -> Row:
    """The preset fields a line sets, merged into what `row` (if any) already holds."""
    row = row or {}
    parameters = (
        _patched(row.get("parameters"), {"diameter": line.diameter}, ("diameter", "tableOrder")) or {}
    )
    parameters["tableOrder"] = order
    if units is not None:
        parameters["units"] = units.value
    return {
        "tool_number": line.tool,
        "pocket": line.pocket,
        "offsets": _patched(
            row.get("offsets"),
            {key: line.offsets.get(axis, 0.0) for axis, key in _OFFSET_KEYS.items()},
            list(_OFFSET_KEYS.values()),
        ),
        "parameters": parameters,
        "orientation": _patched(
            row.get("orientation"),
            {"frontAngle": line.front_angle, "backAngle": line.back_angle, "orientation": line.orientation},
            list(_ORIENTATION_KEYS.values()),
        ),
        "description": line.remark or None,
    }


@dataclass(frozen=True)
class _Entry:
    """One tool of the file: its line, and what it would write over the stored row (or none)."""

    tool: int
    line: int
    build: Callable[[Row | None, int], tuple[Row, list[FieldChange]]]


def _linuxcnc_entry(line: ToolLine, units: LengthUnits | None) -> _Entry:
    def build(row: Row | None, order: int) -> tuple[Row, list[FieldChange]]:
        before = None if row is None else line_of(row)
        old_units = None if row is None else _json(row.get("parameters")).get("units")
        old_order = None if row is None else _order(row)
        changes = _changes(before, line.normalized(), (old_order, order), (old_units, units and units.value))
        return _values(line, row, order, units), changes

    return _Entry(line.tool, line.line, build)


def _csv_entry(csv_row: preset_csv.CsvRow) -> _Entry:
    """A CSV row sets whole fields: those that differ from the stored row are written."""

    def build(row: Row | None, order: int) -> tuple[Row, list[FieldChange]]:
        changed = {
            name: value
            for name, value in csv_row.values.items()
            if (value is not None if row is None else row.get(name) != value)
        }
        changes = [
            FieldChange(
                preset_csv.LABELS[name],
                None if row is None else to_jsonable(row.get(name)),
                to_jsonable(value),
            )
            for name, value in changed.items()
        ]
        return changed, changes

    return _Entry(csv_row.key, csv_row.line, build)


def _parse(
    fmt: ToolTableFormat, content: str, units: LengthUnits | None
) -> tuple[list[_Entry], list[LineError]]:
    parsed: linuxcnc.ParsedTable | preset_csv.ParsedCsv
    if fmt is ToolTableFormat.LINUXCNC:
        parsed = linuxcnc.parse_table(content)
        entries = [_linuxcnc_entry(line, units) for line in parsed.tools]
    else:
        parsed = preset_csv.parse_csv(content)
        entries = [_csv_entry(row) for row in parsed.rows]
    return entries, [LineError(e.line, None, ItemErrorCode.VALIDATION, str(e)) for e in parsed.errors]


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
) -> ImportResult:
    """`since`: the change-feed cursor taken when the file was exported (before the export).
    A preset changed after it that the file would change or delete is a VERSION_CONFLICT,
    never overwritten: the file was made from an older state of that row."""
    _check_machine(machine_id)
    edited = (
        await edited_since(runtime, principal, since, [EntityType.TOOL_PRESET])
        if since is not None
        else set()
    )
    entries, parse_errors = _parse(fmt, content, units)
    result = ImportResult(errors=parse_errors)
    check_import_size(runtime, len(entries), "content", "tools")
    rows = await machine_presets(runtime, principal, machine_id)
    current = {row["tool_number"]: row for row in rows if row.get("tool_number") is not None}
    creates: list[tuple[_Entry, Row]] = []
    updates: list[tuple[_Entry, Row]] = []
    for order, entry in enumerate(entries):
        row = current.get(entry.tool)
        values, changes = entry.build(row, order)
        step = PlanStep(
            entry.tool, PlanAction.CREATE, entry.line, None if row is None else row["id"], changes
        )
        result.plan.append(step)
        if row is None:
            values.setdefault("name", None)
            values["name"] = values["name"] or f"T{entry.tool}"
            creates.append((entry, {"machine_id": machine_id, **values}))
        elif changes:
            step.action = PlanAction.UPDATE
            updates.append((entry, {"id": row["id"], "expected_version": row["version"], **values}))
        else:
            step.action = PlanAction.UNCHANGED
    doomed: list[Row] = []
    if mode is ImportMode.REPLACE:
        listed = {entry.tool for entry in entries}
        for stale in _table_rows(rows):
            if stale["tool_number"] not in listed:
                result.plan.append(PlanStep(stale["tool_number"], PlanAction.DELETE, None, stale["id"]))
                doomed.append(stale)
    if edited:
        updates, doomed = _refuse_edited(result, edited, updates, doomed)
    if dry_run or (atomic and result.errors) or not (creates or updates or doomed):
        return result
    async with UnitOfWork(runtime) as uow:
        entity = EntityType.TOOL_PRESET
        made, changed = await create_and_update(
            runtime, principal, entity, creates, updates, atomic=atomic, within=uow
        )
        removed = writes.BulkOutcome()
        if doomed:  # like creates and updates: no empty call
            deletes = [{"id": r["id"], "expected_version": r["version"]} for r in doomed]
            removed = await writes.delete_entities(
                runtime, principal, entity, deletes, atomic=atomic, within=uow
            )
        result.errors += [_line_error(creates[e.index][0], e) for e in made.errors]
        result.errors += [_line_error(updates[e.index][0], e) for e in changed.errors]
        result.errors += [_delete_error(doomed[e.index], e) for e in removed.errors]
        if atomic and result.errors:
            return result  # the unit of work rolls back: nothing of this import is written
        await uow.commit()
    result.applied = True
    result.written = [*made.results, *changed.results]
    result.deleted = removed.results
    return result


def check_import_size(runtime: Runtime, count: int, field: str, things: str) -> None:
    """One import may carry at most `maxBulkItems` rows (tools, items, bits), like a bulk request."""
    limit = runtime.settings.max_bulk_items
    if count > limit:
        raise LimitExceeded(
            f"{count} {things} exceed the limit of {limit} per import",
            field=field,
            limit=("maxBulkItems", limit),
        )


async def create_and_update(
    runtime: Runtime,
    principal: Principal,
    entity: EntityType,
    creates: Sequence[tuple[Any, Row]],
    updates: Sequence[tuple[Any, Row]],
    *,
    atomic: bool,
    within: UnitOfWork,
) -> tuple[writes.BulkOutcome, writes.BulkOutcome]:
    """An import's creates and updates (each a (source line, values) pair) in `within`; an
    empty batch is not sent, since an empty call would still cost round trips (locks, referrer
    checks). Error indexes in the outcomes are indexes into `creates` and `updates`."""
    made, changed = writes.BulkOutcome(), writes.BulkOutcome()
    if creates:
        made = await writes.create_entities(
            runtime, principal, entity, [v for _, v in creates], atomic=atomic, within=within
        )
    if updates:
        changed = await writes.update_entities(
            runtime, principal, entity, [v for _, v in updates], atomic=atomic, within=within
        )
    return made, changed


async def edited_since(
    runtime: Runtime, principal: Principal, since: str, entities: Sequence[EntityType]
) -> set[str]:
    """Ids of the rows of `entities` changed after the cursor `since` (read page by page, bounded)."""
    try:
        start: int | None = cursor.decode(since)
    except BadInput:
        raise BadInput("not a change-feed cursor (take changesSince's endCursor)", field="since") from None
    limit = runtime.settings.max_page_size
    edited: set[str] = set()
    for _ in range(10_000):  # bounded: 10 million changes at the default page size
        page = await feed.read(runtime, principal, start, list(entities), limit)
        edited.update(str(row["entity_id"]) for row in page.rows)
        if not page.has_more:
            return edited
        start = page.end_seq
    raise LimitExceeded("too many changes after this cursor; export again", field="since")


def _refuse_edited(
    result: ImportResult, edited: set[str], updates: list[tuple[_Entry, Row]], doomed: list[Row]
) -> tuple[list[tuple[_Entry, Row]], list[Row]]:
    """Turn writes over presets edited since the export into VERSION_CONFLICT errors."""
    versions = {row["id"]: row["expected_version"] for _, row in updates} | {
        r["id"]: r["version"] for r in doomed
    }
    for step in result.plan:
        if step.preset_id in edited and step.action in (PlanAction.UPDATE, PlanAction.DELETE):
            where = f"line {step.line}: " if step.line is not None else ""
            result.errors.append(
                LineError(
                    step.line,
                    step.tool_number,
                    ItemErrorCode.VERSION_CONFLICT,
                    f"{where}T{step.tool_number}: changed since the export this file came from "
                    f"(now version {versions[step.preset_id]}); export again and redo the edit",
                    versions[step.preset_id],
                )
            )
    return (
        [(line, row) for line, row in updates if row["id"] not in edited],
        [row for row in doomed if row["id"] not in edited],
    )


def _line_error(entry: _Entry, error: ItemError) -> LineError:
    return LineError(
        entry.line,
        entry.tool,
        error.code,
        f"line {entry.line}: T{entry.tool}: {error.message}",
        error.current_version,
    )


def _delete_error(row: Mapping[str, Any], error: ItemError) -> LineError:
    return LineError(
        None, row["tool_number"], error.code, f"T{row['tool_number']}: {error.message}", error.current_version
    )
