"""Catalog items (ToolItem) as CSV for tool-room spreadsheets, in and out, through the public
services only.

One header row of ToolItem field names, one item per row, keyed by `name` (unique in a file;
an import updates the account's item of that name, the oldest if several share it, and
creates the rest). JSON fields (`geometry`, `material`, `capabilities`, `shapeData`, `tags`)
are JSON text; ids, versions and timestamps are not columns, so a file exported from one
account imports into another unchanged, and exporting it there gives the same rows (in
creation order, which an import keeps) but for the last column, `exportCursor`: the export's
marker (see `provenance`). `parentToolId` is an id and is left out. The codec is `csv_codec`, shared
with the preset CSV. An import is atomic: one bad line writes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ..auth.principal import Principal
from ..enums import EntityType
from ..errors import ItemErrorCode
from ..runtime import Runtime
from ..services import reads
from ..services.fields import to_jsonable
from ..services.unit_of_work import UnitOfWork
from . import csv_codec, provenance
from .csv_codec import CsvRow, CsvSpec
from .plans import FieldChange, PlanAction, Row, all_rows, check_import_size, create_and_update

ITEMS = CsvSpec(
    (
        ("name", "name", "text"),
        ("description", "description", "text"),
        ("manufacturer", "manufacturer", "text"),
        ("partNumber", "part_number", "text"),
        ("category", "category", "text"),
        ("legacyCategory", "legacy_category", "text"),
        ("toolType", "tool_type", "text"),
        ("geometry", "geometry", "json"),
        ("material", "material", "json"),
        ("capabilities", "capabilities", "json"),
        ("shapeData", "shape_data", "json"),
        ("iso13399Reference", "iso13399_reference", "text"),
        ("tags", "tags", "json"),
    ),
    noun="catalog item table",
    key="name",
    key_noun="name",
    show_key=lambda name: f'"{name}"',
)


@dataclass
class ItemStep:
    line: int
    name: str
    action: PlanAction
    id: str | None = None
    changes: list[FieldChange] = field(default_factory=list)


@dataclass(frozen=True)
class ItemLineError:
    line: int | None
    code: ItemErrorCode
    message: str  # names the line and column: 'line 3: geometry: not JSON (...)'
    current_version: int | None = None
    current: Mapping[str, object] | None = None  # for VERSION_CONFLICT: the item as it is now


@dataclass
class ItemImportResult:
    plan: list[ItemStep] = field(default_factory=list)
    errors: list[ItemLineError] = field(default_factory=list)
    written: list[Row] = field(default_factory=list)
    applied: bool = False


async def export_items(runtime: Runtime, principal: Principal) -> str:
    marker = await provenance.export_cursor(runtime, principal, [EntityType.TOOL_ITEM])
    rows = await all_rows(runtime, principal, reads.ListQuery(EntityType.TOOL_ITEM, {}))
    return csv_codec.render_csv(ITEMS, rows, marker)


@dataclass
class _Plan:
    basis: provenance.Basis
    edited: set[str]
    creates: list[tuple[int, Row]] = field(default_factory=list)
    updates: list[tuple[int, Row]] = field(default_factory=list)


def _plan_row(plan: _Plan, result: ItemImportResult, csv_row: CsvRow, row: Row | None) -> None:
    labels = ITEMS.labels
    changed = {
        name: value
        for name, value in csv_row.values.items()
        if (value is not None if row is None else to_jsonable(row.get(name)) != to_jsonable(value))
    }
    before = {} if row is None else {n: to_jsonable(row.get(n)) for n in changed}
    step = ItemStep(
        csv_row.line,
        csv_row.key,
        PlanAction.CREATE,
        None if row is None else row["id"],
        [FieldChange(labels[n], before.get(n), to_jsonable(v)) for n, v in changed.items()],
    )
    result.plan.append(step)
    if row is None:
        plan.creates.append((csv_row.line, changed))
        return
    step.action = PlanAction.UPDATE if changed else PlanAction.UNCHANGED
    reason = provenance.refusal(plan.basis, plan.edited, row["id"], row["version"]) if changed else None
    if reason is not None:
        message = f'line {csv_row.line}: "{csv_row.key}": {reason}'
        conflict = ItemErrorCode.VERSION_CONFLICT
        result.errors.append(ItemLineError(csv_row.line, conflict, message, row["version"], row))
    elif changed:
        plan.updates.append((csv_row.line, {"id": row["id"], "expected_version": row["version"], **changed}))


async def import_items(
    runtime: Runtime,
    principal: Principal,
    content: str,
    *,
    dry_run: bool = False,
    since: str | None = None,
    overwrite: bool = False,
) -> ItemImportResult:
    """`since`: a change-feed cursor that stands in for the file's `exportCursor` column;
    `overwrite`: let the file win over edits made since its export (or when it has none). An
    item changed after the export that the file would change is a VERSION_CONFLICT, never
    overwritten (see `provenance`)."""
    parsed = csv_codec.parse_csv(ITEMS, content)
    basis, marker_errors = provenance.basis(
        parsed.markers, since=since, overwrite=overwrite, label=csv_codec.MARKER_COLUMN
    )
    errors = [ItemLineError(e.line, ItemErrorCode.VALIDATION, str(e)) for e in parsed.errors]
    errors += [ItemLineError(e.line, ItemErrorCode.VALIDATION, e.message) for e in marker_errors]
    result = ItemImportResult(errors=sorted(errors, key=lambda e: e.line or 0))
    check_import_size(runtime, len(parsed.rows), "content", "items")
    existing: dict[str, Row] = {}
    for stored in await all_rows(runtime, principal, reads.ListQuery(EntityType.TOOL_ITEM, {})):
        existing.setdefault(stored["name"], stored)  # the oldest of a name
    plan = _Plan(basis, await provenance.edited(runtime, principal, basis, [EntityType.TOOL_ITEM]))
    for csv_row in parsed.rows:
        _plan_row(plan, result, csv_row, existing.get(csv_row.key))
    if dry_run or result.errors or not (plan.creates or plan.updates):
        return result
    await _write(runtime, principal, plan, result)
    return result


async def _write(runtime: Runtime, principal: Principal, plan: _Plan, result: ItemImportResult) -> None:
    async with UnitOfWork(runtime) as uow:
        made, changed_rows = await create_and_update(
            runtime, principal, EntityType.TOOL_ITEM, plan.creates, plan.updates, atomic=True, within=uow
        )
        for batch, outcome in ((plan.creates, made), (plan.updates, changed_rows)):
            result.errors += [
                ItemLineError(
                    batch[e.index][0],
                    e.code,
                    f"line {batch[e.index][0]}: {e.message}",
                    e.current_version,
                    e.current,
                )
                for e in outcome.errors
            ]
        if result.errors:
            return  # the unit of work rolls back
        await uow.commit()
    result.applied = True
    result.written = [*made.results, *changed_rows.results]
