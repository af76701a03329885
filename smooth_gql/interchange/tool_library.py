"""A tool set as a CAM tool library (FreeCAD `.fctl` + `.fctb`), in and out, through the public
services only.

A library maps to a tool set named after the library file (`Default.fctl` → `Default`; with a
`machineId`, the set of that name on that machine, a MACHINE_SETUP set, else a TEMPLATE).
Its `members` are the library's tools in file order, `{"itemId", "nr", "path"}`: the catalog
item, FreeCAD's tool number and the path the library named. Each bit maps to a catalog item
(see `freecad_items`), matched by its 1.x `id` (the item id, or the `id` a 1.x file carried),
else by name.

Import plans first (per bit: CREATE, UPDATE with each changed field, UNCHANGED; the same for the
set), then, unless it is a dry run or any file failed, writes it in one transaction with
`create_entities` / `update_entities` (each update carries the version the plan read, so a row
edited in between is a VERSION_CONFLICT and nothing is written). Always atomic.

The files carry no export marker (FreeCAD rewrites them and drops keys it does not know), so
an import may create items and sets, but each UPDATE of an existing item or set is refused per
entry (a VERSION_CONFLICT, also in a dry run's plan) unless the caller passes `since` (the
changesSince endCursor taken before the export: an entry edited after it is still refused)
or `overwrite` (the files win). The rule is `provenance`'s, as for tool tables and CSV files.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from ..auth.principal import Principal
from ..enums import EntityType, ToolSetType
from ..errors import BadInput, ItemError, ItemErrorCode, NotFound
from ..runtime import Runtime
from ..services import bulk_create, bulk_update, keyed_reads, reads
from ..services.fields import to_jsonable
from ..services.unit_of_work import UnitOfWork
from ..services.write_request import BulkOutcome, WriteRequest
from . import freecad, freecad_files, freecad_items, provenance
from .freecad import Library, LibraryTool, ToolBit
from .freecad_files import ToolFile
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

_LABELS = {
    "name": "name",
    "category": "category",
    "tool_type": "toolType",
    "geometry": "geometry",
    "shape_data": "shapeData",
    "members": "members",
    "machine_id": "machineId",
}


class ToolLibraryFormat(StrEnum):
    FREECAD = "FREECAD"


@dataclass
class FileStep:
    file: str
    name: str  # the bit's (item's) or library's (set's) name
    action: PlanAction
    id: str | None = None  # the existing item or set
    changes: list[FieldChange] = field(default_factory=list)


@dataclass(frozen=True)
class FileError:
    file: str
    code: ItemErrorCode
    message: str  # names the file and the entry: '5mm_Endmill.fctb: parameter Diameter: ...'
    current_version: int | None = None


@dataclass
class LibraryImportResult:
    bits: list[FileStep] = field(default_factory=list)
    library: FileStep | None = None
    errors: list[FileError] = field(default_factory=list)
    items: list[Row] = field(default_factory=list)  # created and updated items
    tool_set: Row | None = None  # the set, when written
    applied: bool = False


@dataclass(frozen=True)
class ExportedLibrary:
    library: ToolFile
    bits: list[ToolFile]


# --- export ----------------------------------------------------------------------


def members_of(tool_set: Mapping[str, Any]) -> list[dict[str, Any]]:
    members = tool_set.get("members")
    return [m for m in members if isinstance(m, dict)] if isinstance(members, list) else []


async def export_library(
    runtime: Runtime, principal: Principal, tool_set_id: str, fmt: ToolLibraryFormat
) -> ExportedLibrary:
    reads.authorize_read(principal)
    [tool_set] = await keyed_reads.by_ids(runtime.sessions, principal, EntityType.TOOL_SET, [tool_set_id])
    if tool_set is None:
        raise NotFound(f"no ToolSet with id {tool_set_id}", field="toolSetId", prefixed=False)
    members = [m for m in members_of(tool_set) if isinstance(m.get("itemId"), str)]
    found = await keyed_reads.by_ids(
        runtime.sessions, principal, EntityType.TOOL_ITEM, [m["itemId"] for m in members]
    )
    tools: list[dict[str, Any]] = []
    bits: dict[str, str] = {}
    for position, (member, item) in enumerate(zip(members, found, strict=True)):
        if item is None:
            continue  # the item was deleted since: the library no longer lists it
        bit = freecad_items.bit_of(item)
        nr = member.get("nr")
        path = member.get("path")
        tools.append(
            {
                "nr": nr if isinstance(nr, int) and not isinstance(nr, bool) else position + 1,
                "path": path if isinstance(path, str) and path else bit.file,
            }
        )
        bits.setdefault(bit.file, freecad.render_bit(bit))
    name = freecad_items.safe_file_name(str(tool_set["name"]), ".fctl")
    library = Library(name, document={"tools": tools, "version": 1})
    return ExportedLibrary(
        ToolFile(library.file, freecad.render_library(library)),
        [ToolFile(name, content) for name, content in bits.items()],
    )


# --- import ----------------------------------------------------------------------


def _match(bit: ToolBit, items: Sequence[Row]) -> Row | None:
    """By the 1.x `id` (an item id, or the id the file carried before), else by name."""
    bit_id = bit.document.get("id")
    if isinstance(bit_id, str):
        for item in items:
            part = freecad_items.freecad_part(item) or {}
            if item["id"] == bit_id.lower() or (part.get("document") or {}).get("id") == bit_id:
                return item
    named = [item for item in items if item.get("name") == bit.name]
    # Several items of that name: the one that came from FreeCAD, then the oldest.
    named.sort(key=lambda item: freecad_items.freecad_part(item) is None)
    return named[0] if named else None


def _changes(row: Mapping[str, Any] | None, values: Mapping[str, Any]) -> dict[str, Any]:
    return {
        name: value
        for name, value in values.items()
        if (value is not None if row is None else to_jsonable(row.get(name)) != to_jsonable(value))
    }


def _field_changes(row: Mapping[str, Any] | None, changed: Mapping[str, Any]) -> list[FieldChange]:
    return [
        FieldChange(_LABELS[name], None if row is None else to_jsonable(row.get(name)), to_jsonable(value))
        for name, value in changed.items()
    ]


async def _tool_set(runtime: Runtime, principal: Principal, name: str, machine_id: str | None) -> Row | None:
    query = reads.ListQuery(EntityType.TOOL_SET, {"name": name, "machine_id": machine_id})
    rows = await all_rows(runtime, principal, query)
    return rows[0] if rows else None


@dataclass
class _Plan:
    """The writes of a library import: items first, then the set that lists them."""

    creates: list[tuple[ToolBit, Row]] = field(default_factory=list)
    updates: list[tuple[ToolBit, Row]] = field(default_factory=list)
    item_of_file: dict[str, str | int] = field(
        default_factory=dict
    )  # bit file → item id, or index in creates
    set_name: str = ""
    current: Row | None = None  # the stored set, if any
    set_values: Row = field(default_factory=dict)
    set_changed: Row = field(default_factory=dict)


def _plan_bits(
    plan: _Plan, result: LibraryImportResult, bits: Sequence[ToolBit], items: Sequence[Row]
) -> None:
    for bit in bits:
        row = _match(bit, items)
        values = freecad_items.merged(row, freecad_items.item_values(bit))
        changed = _changes(row, values)
        step = FileStep(bit.file, bit.name, PlanAction.CREATE, None, _field_changes(row, changed))
        result.bits.append(step)
        if row is None:
            plan.item_of_file[bit.file] = len(plan.creates)
            plan.creates.append((bit, values))
            continue
        step.id, plan.item_of_file[bit.file] = row["id"], row["id"]
        step.action = PlanAction.UPDATE if changed else PlanAction.UNCHANGED
        if changed:
            plan.updates.append((bit, {"id": row["id"], "expected_version": row["version"], **changed}))


def _plan_set(plan: _Plan, file: str, library: Library, machine_id: str | None) -> FileStep:
    members = [_member(tool, plan.item_of_file) for tool in library.tools]
    plan.set_values = {"members": members}
    if machine_id is not None:
        plan.set_values["machine_id"] = machine_id
    current = plan.current
    plan.set_changed = _changes(current, plan.set_values) if current is not None else plan.set_values
    action = PlanAction.UPDATE if plan.set_changed else PlanAction.UNCHANGED
    return FileStep(
        file,
        plan.set_name,
        PlanAction.CREATE if current is None else action,
        None if current is None else current["id"],
        _field_changes(current, _shown(plan.set_changed)),
    )


async def import_library(
    runtime: Runtime,
    principal: Principal,
    fmt: ToolLibraryFormat,
    library: ToolFile,
    bits: Sequence[ToolFile],
    *,
    machine_id: str | None = None,
    dry_run: bool = False,
    since: str | None = None,
    overwrite: bool = False,
    report: Reporter = quiet,
) -> LibraryImportResult:
    """`since`: the change-feed cursor taken before the export the files came from. An item or
    the set changed after it that the import would change is a VERSION_CONFLICT, never
    overwritten (and, the import being atomic, nothing is written). Without `since`, every
    such change is refused unless `overwrite` lets the files win. `report` hears of each phase
    (parse, read, plan, each written batch) as it ends."""
    if machine_id is not None and not machine_id.strip():
        raise BadInput("must not be empty", field="machineId")
    check_import_size(runtime, len(bits), "bits", "files")
    basis, _ = provenance.basis((), since=since, overwrite=overwrite, label="")
    parsed_library, parsed_bits, messages = freecad_files.parse_files(library, bits)
    result = LibraryImportResult(
        errors=[FileError(m.split(": ", 1)[0], ItemErrorCode.VALIDATION, m) for m in messages]
    )
    await report(Progress("parse", len(parsed_bits), f"bits, {len(result.errors)} errors"))
    items = await all_rows(runtime, principal, reads.ListQuery(EntityType.TOOL_ITEM, {}))
    await report(Progress("read", len(items), "catalog items"))
    edited = await provenance.edited(runtime, principal, basis, [EntityType.TOOL_ITEM, EntityType.TOOL_SET])
    plan = _Plan(set_name=library.name.removesuffix(".fctl"))
    _plan_bits(plan, result, parsed_bits, items)
    if parsed_library is None:
        return result
    plan.current = await _tool_set(runtime, principal, plan.set_name, machine_id)
    result.library = _plan_set(plan, library.name, parsed_library, machine_id)
    steps = [*result.bits, result.library]
    result.errors += _refusals(plan, steps, basis, edited)
    await report(Progress("plan", len(steps), f"steps: {counts([step.action for step in steps])}"))
    if dry_run or result.errors:
        return result
    await _write(runtime, principal, plan, result, (library.name, machine_id), report)
    return result


async def _write_set(
    runtime: Runtime, principal: Principal, plan: _Plan, machine_id: str | None, uow: UnitOfWork
) -> BulkOutcome:
    """The set, once its new items have ids (a member's index among the creates becomes one)."""
    current = plan.current
    if current is None:
        values = {"name": plan.set_name, "type": _set_type(machine_id), **plan.set_values}
        return await bulk_create.create_entities(
            runtime, principal, WriteRequest(EntityType.TOOL_SET, [values], atomic=True, within=uow)
        )
    if plan.set_changed or plan.creates:
        values = {"id": current["id"], "expected_version": current["version"], **plan.set_values}
        return await bulk_update.update_entities(
            runtime, principal, WriteRequest(EntityType.TOOL_SET, [values], atomic=True, within=uow)
        )
    return BulkOutcome(results=[current])


async def _write(
    runtime: Runtime,
    principal: Principal,
    plan: _Plan,
    result: LibraryImportResult,
    library: tuple[str, str | None],  # its file name, and the machine its set is for
    report: Reporter,
) -> None:
    file, machine_id = library
    async with UnitOfWork(runtime) as uow:
        made, changed_items = await create_and_update(
            runtime,
            principal,
            EntityType.TOOL_ITEM,
            plan.creates,
            plan.updates,
            atomic=True,
            within=uow,
            report=report,
        )
        result.errors += [_bit_error(plan.creates[e.index][0], e) for e in made.errors]
        result.errors += [_bit_error(plan.updates[e.index][0], e) for e in changed_items.errors]
        if result.errors:
            return  # the unit of work rolls back
        ids = [str(row["id"]) for row in made.results]
        for member in plan.set_values["members"]:
            if isinstance(member["itemId"], int):
                member["itemId"] = ids[member["itemId"]]
        outcome = await _write_set(runtime, principal, plan, machine_id, uow)
        await report(Progress("write", len(outcome.results), "tool set"))
        result.errors += [
            FileError(file, e.code, f"{file}: {e.message}", e.current_version) for e in outcome.errors
        ]
        if result.errors:
            return
        await uow.commit()
    result.applied = True
    result.items = [*made.results, *changed_items.results]
    result.tool_set = outcome.results[0]


def _shown(values: Mapping[str, Any]) -> dict[str, Any]:
    """Set values as a plan shows them: a bit still to be created has no item id yet (null)."""
    members = values.get("members")
    if not isinstance(members, list):
        return dict(values)
    return {
        **values,
        "members": [{**m, "itemId": m["itemId"] if isinstance(m["itemId"], str) else None} for m in members],
    }


def _set_type(machine_id: str | None) -> str:
    return (ToolSetType.TEMPLATE if machine_id is None else ToolSetType.MACHINE_SETUP).value


def _member(tool: LibraryTool, item_of_file: Mapping[str, str | int]) -> dict[str, Any]:
    """A library entry as a set member; `itemId` is an index among the creates until written
    (and None for a bit that failed: then nothing is written)."""
    return {"itemId": item_of_file.get(tool.path.rsplit("/", 1)[-1]), "nr": tool.nr, "path": tool.path}


def _refusals(
    plan: _Plan, steps: Sequence[FileStep], basis: provenance.Basis, edited: set[str]
) -> list[FileError]:
    """A VERSION_CONFLICT for each update of an item or the set that the basis does not cover."""
    versions = {values["id"]: values["expected_version"] for _, values in plan.updates}
    if plan.current is not None:
        versions[plan.current["id"]] = plan.current["version"]
    errors: list[FileError] = []
    for step in steps:
        if step.action is not PlanAction.UPDATE or step.id is None:
            continue  # a create changes no one's edit; an unchanged entry writes nothing
        why = provenance.refused(basis, edited, step.id)
        if why is not None:
            errors.append(_conflict(step, why, versions[step.id]))
    return errors


def _conflict(step: FileStep, why: provenance.Refused, version: int) -> FileError:
    if why is provenance.Refused.UNMARKED:
        reason = (
            "FreeCAD files carry no export marker, so an edit made since the export cannot be told "
            f"apart (now version {version}); pass since (the changesSince endCursor taken before "
            "the export) or overwrite to let the files win"
        )
    else:
        reason = "changed since the export these files came from; export again and redo the edit"
    return FileError(
        step.file, ItemErrorCode.VERSION_CONFLICT, f"{step.file}: {step.name}: {reason}", version
    )


def _bit_error(bit: ToolBit, error: ItemError) -> FileError:
    return FileError(bit.file, error.code, f"{bit.file}: {error.message}", error.current_version)
