"""Catalog items (ToolItem) as CSV for tool-room spreadsheets, in and out, through the public
services only.

One header row of ToolItem field names, one item per row, keyed by `name` (unique in a file;
an import updates the account's item of that name, the oldest if several share it, and
creates the rest). JSON fields (`geometry`, `material`, `capabilities`, `shapeData`, `tags`)
are JSON text; ids, versions and timestamps are not columns, so a file exported from one
account imports into another unchanged, and exporting it there gives the same bytes (rows in
creation order, which an import keeps). `parentToolId` is an id and is left out. The codec is
`csv_codec`, shared with the preset CSV. An import is atomic: one bad line writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..auth.principal import Principal
from ..enums import EntityType
from ..errors import ItemErrorCode
from ..services import reads
from ..services.fields import to_jsonable
from ..services.unit_of_work import Runtime, UnitOfWork
from . import csv_codec
from .csv_codec import CsvSpec
from .tool_table import (
    FieldChange,
    PlanAction,
    Row,
    all_rows,
    check_import_size,
    create_and_update,
    edited_since,
)

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


@dataclass
class ItemImportResult:
    plan: list[ItemStep] = field(default_factory=list)
    errors: list[ItemLineError] = field(default_factory=list)
    written: list[Row] = field(default_factory=list)
    applied: bool = False


async def export_items(runtime: Runtime, principal: Principal) -> str:
    rows = await all_rows(runtime, principal, reads.ListQuery(EntityType.TOOL_ITEM, {}))
    return csv_codec.render_csv(ITEMS, rows)


async def import_items(
    runtime: Runtime, principal: Principal, content: str, *, dry_run: bool = False, since: str | None = None
) -> ItemImportResult:
    """`since`: the change-feed cursor taken before the export the file came from; an item
    changed after it that the file would change is a VERSION_CONFLICT, never overwritten."""
    edited = (
        await edited_since(runtime, principal, since, [EntityType.TOOL_ITEM]) if since is not None else set()
    )
    parsed = csv_codec.parse_csv(ITEMS, content)
    result = ItemImportResult(
        errors=[ItemLineError(e.line, ItemErrorCode.VALIDATION, str(e)) for e in parsed.errors]
    )
    check_import_size(runtime, len(parsed.rows), "content", "items")
    existing: dict[str, Row] = {}
    for stored in await all_rows(runtime, principal, reads.ListQuery(EntityType.TOOL_ITEM, {})):
        existing.setdefault(stored["name"], stored)  # the oldest of a name
    labels = ITEMS.labels
    creates: list[tuple[int, Row]] = []
    updates: list[tuple[int, Row]] = []
    for csv_row in parsed.rows:
        row = existing.get(csv_row.key)
        changed = {
            name: value
            for name, value in csv_row.values.items()
            if (value is not None if row is None else to_jsonable(row.get(name)) != to_jsonable(value))
        }
        step = ItemStep(
            csv_row.line,
            csv_row.key,
            PlanAction.CREATE,
            None if row is None else row["id"],
            [
                FieldChange(labels[n], None if row is None else to_jsonable(row.get(n)), to_jsonable(v))
                for n, v in changed.items()
            ],
        )
        result.plan.append(step)
        if row is None:
            creates.append((csv_row.line, changed))
        elif changed:
            step.action = PlanAction.UPDATE
            if row["id"] in edited:
                result.errors.append(
                    ItemLineError(
                        csv_row.line,
                        ItemErrorCode.VERSION_CONFLICT,
                        f'line {csv_row.line}: "{csv_row.key}": changed since the export this file came '
                        f"from (now version {row['version']}); export again and redo the edit",
                        row["version"],
                    )
                )
            updates.append((csv_row.line, {"id": row["id"], "expected_version": row["version"], **changed}))
        else:
            step.action = PlanAction.UNCHANGED
    if dry_run or result.errors or not (creates or updates):
        return result
    async with UnitOfWork(runtime) as uow:
        made, changed_rows = await create_and_update(
            runtime, principal, EntityType.TOOL_ITEM, creates, updates, atomic=True, within=uow
        )
        for batch, outcome in ((creates, made), (updates, changed_rows)):
            result.errors += [
                ItemLineError(
                    batch[e.index][0],
                    e.code,
                    f"line {batch[e.index][0]}: {e.message}",
                    e.current_version,
                )
                for e in outcome.errors
            ]
        if result.errors:
            return result  # the unit of work rolls back
        await uow.commit()
    result.applied = True
    result.written = [*made.results, *changed_rows.results]
    return result
