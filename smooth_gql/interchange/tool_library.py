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
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from ..auth.principal import Principal
from ..enums import EntityType, ToolSetType
from ..errors import BadInput, ItemError, ItemErrorCode, NotFound
from ..services import reads, writes
from ..services.fields import to_jsonable
from ..services.unit_of_work import Runtime, UnitOfWork
from . import freecad, freecad_items
from .freecad import FreeCadFileError, Library, LibraryTool, ToolBit
from .tool_table import (
    FieldChange,
    PlanAction,
    Row,
    all_rows,
    check_import_size,
    create_and_update,
    edited_since,
)

MAX_FILE_BYTES = 1024 * 1024  # one bit or library; FreeCAD's are a few hundred bytes
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


@dataclass(frozen=True)
class ToolFile:
    name: str  # the file name, e.g. "5mm_Endmill.fctb"
    content: str


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
    [tool_set] = await reads.by_ids(runtime.sessions, principal, EntityType.TOOL_SET, [tool_set_id])
    if tool_set is None:
        raise NotFound(f"no ToolSet with id {tool_set_id}", field="toolSetId", prefixed=False)
    members = [m for m in members_of(tool_set) if isinstance(m.get("itemId"), str)]
    found = await reads.by_ids(
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


def _check_file(file: ToolFile, suffix: str) -> None:
    if not file.name.endswith(suffix) or "/" in file.name or "\\" in file.name:
        raise FreeCadFileError(file.name or '""', None, f"not a {suffix} file name")
    try:
        size = len(file.content.encode("utf-8"))
    except UnicodeEncodeError as error:
        raise FreeCadFileError(file.name, None, f"not UTF-8 (character {error.start})") from None
    if size > MAX_FILE_BYTES:
        raise FreeCadFileError(file.name, None, f"{size} bytes exceed the limit of {MAX_FILE_BYTES}")


def _parse(library: ToolFile, bits: Sequence[ToolFile]) -> tuple[Library | None, list[ToolBit], list[str]]:
    """The files parsed; every file's error is reported, not just the first."""
    errors: list[str] = []
    parsed_bits: list[ToolBit] = []
    seen_files: set[str] = set()
    seen_names: dict[str, str] = {}
    for file in bits:
        try:
            _check_file(file, ".fctb")
            if file.name in seen_files:
                raise FreeCadFileError(file.name, None, "sent twice")
            seen_files.add(file.name)
            bit = freecad.parse_bit(file.name, file.content)
            if bit.name in seen_names:
                raise FreeCadFileError(
                    file.name, "name", f'"{bit.name}" is also the name in {seen_names[bit.name]}'
                )
            seen_names[bit.name] = file.name
            parsed_bits.append(bit)
        except FreeCadFileError as error:
            errors.append(str(error))
    parsed_library = None
    try:
        _check_file(library, ".fctl")
        parsed_library = freecad.parse_library(library.name, library.content)
        errors += freecad.missing_bits(parsed_library, seen_files)
    except FreeCadFileError as error:
        errors.append(str(error))
    return parsed_library, parsed_bits, errors


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
) -> LibraryImportResult:
    """`since`: the change-feed cursor taken before the export the files came from. An item or
    the set changed after it that the import would change is a VERSION_CONFLICT, never
    overwritten (and, the import being atomic, nothing is written)."""
    if machine_id is not None and not machine_id.strip():
        raise BadInput("must not be empty", field="machineId")
    check_import_size(runtime, len(bits), "bits", "files")
    edited: set[str] = set()
    if since is not None:
        edited = await edited_since(runtime, principal, since, [EntityType.TOOL_ITEM, EntityType.TOOL_SET])
    parsed_library, parsed_bits, messages = _parse(library, bits)
    result = LibraryImportResult(
        errors=[FileError(m.split(": ", 1)[0], ItemErrorCode.VALIDATION, m) for m in messages]
    )
    items = await all_rows(runtime, principal, reads.ListQuery(EntityType.TOOL_ITEM, {}))
    creates: list[tuple[ToolBit, Row]] = []
    updates: list[tuple[ToolBit, Row]] = []
    item_of_file: dict[str, str | int] = {}  # bit file → item id, or the index among creates
    for bit in parsed_bits:
        row = _match(bit, items)
        values = freecad_items.merged(row, freecad_items.item_values(bit))
        changed = _changes(row, values)
        step = FileStep(bit.file, bit.name, PlanAction.CREATE, None, _field_changes(row, changed))
        result.bits.append(step)
        if row is None:
            item_of_file[bit.file] = len(creates)
            creates.append((bit, values))
            continue
        step.id, item_of_file[bit.file] = row["id"], row["id"]
        if changed:
            step.action = PlanAction.UPDATE
            updates.append((bit, {"id": row["id"], "expected_version": row["version"], **changed}))
        else:
            step.action = PlanAction.UNCHANGED
    if parsed_library is None:
        return result
    set_name = library.name.removesuffix(".fctl")
    current = await _tool_set(runtime, principal, set_name, machine_id)
    members = [_member(tool, item_of_file) for tool in parsed_library.tools]
    set_values: Row = {"members": members}
    if machine_id is not None:
        set_values["machine_id"] = machine_id
    set_changed = _changes(current, set_values) if current is not None else set_values
    result.library = FileStep(
        library.name,
        set_name,
        PlanAction.CREATE if current is None else PlanAction.UPDATE if set_changed else PlanAction.UNCHANGED,
        None if current is None else current["id"],
        _field_changes(current, _shown(set_changed)),
    )
    for step in [*result.bits, *([result.library] if result.library else [])]:
        if step.action is PlanAction.UPDATE and step.id in edited:
            result.errors.append(_conflict(step))
    if dry_run or result.errors:
        return result
    async with UnitOfWork(runtime) as uow:
        made, changed_items = await create_and_update(
            runtime, principal, EntityType.TOOL_ITEM, creates, updates, atomic=True, within=uow
        )
        result.errors += [_bit_error(creates[e.index][0], e) for e in made.errors]
        result.errors += [_bit_error(updates[e.index][0], e) for e in changed_items.errors]
        if result.errors:
            return result  # the unit of work rolls back
        ids = [str(row["id"]) for row in made.results]
        for member in members:
            if isinstance(member["itemId"], int):
                member["itemId"] = ids[member["itemId"]]
        tool_set: Row | None = current
        if current is None:
            outcome = await writes.create_entities(
                runtime,
                principal,
                EntityType.TOOL_SET,
                [{"name": set_name, "type": _set_type(machine_id), **set_values}],
                atomic=True,
                within=uow,
            )
        elif set_changed or creates:
            outcome = await writes.update_entities(
                runtime,
                principal,
                EntityType.TOOL_SET,
                [{"id": current["id"], "expected_version": current["version"], **set_values}],
                atomic=True,
                within=uow,
            )
        else:
            outcome = writes.BulkOutcome(results=[current])
        result.errors += [
            FileError(library.name, e.code, f"{library.name}: {e.message}", e.current_version)
            for e in outcome.errors
        ]
        if result.errors:
            return result
        tool_set = outcome.results[0]
        await uow.commit()
    result.applied = True
    result.items = [*made.results, *changed_items.results]
    result.tool_set = tool_set
    return result


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


def _conflict(step: FileStep) -> FileError:
    return FileError(
        step.file,
        ItemErrorCode.VERSION_CONFLICT,
        f"{step.file}: {step.name}: changed since the export these files came from; export again "
        "and redo the edit",
    )


def _bit_error(bit: ToolBit, error: ItemError) -> FileError:
    return FileError(bit.file, error.code, f"{bit.file}: {error.message}", error.current_version)
