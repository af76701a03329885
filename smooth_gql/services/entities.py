"""The six tool entities as data: one table drives every bulk write and read.

Adding a field means adding one `Field` here (plus the column and the GraphQL
type); the write path, audit, change log and delete checks need no change.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table

from ..db import models
from ..enums import (
    ComponentRole,
    EntityType,
    InstanceStatus,
    ItemCategory,
    ToolSetStatus,
    ToolSetType,
    ToolType,
)
from ..errors import FieldError
from .fields import MAX_LIST_ENTRIES, Field, Kind, check_id, check_int, check_value

F = Field


@dataclass(frozen=True)
class Ref:
    """A foreign-key column naming another entity of the same owner."""

    column: str
    label: str
    target: EntityType


@dataclass(frozen=True)
class Join:
    """A list input stored as rows of a join table (assembly components, tool-set members)."""

    name: str  # input key
    label: str
    table: Table
    parent_column: str
    ref_column: str
    target: EntityType
    parse: Callable[[str, int, Any], dict[str, Any]]  # (label, position, element) -> row
    ref_label: str = ""  # how an element's id is named in errors, after "label[i]"


@dataclass(frozen=True)
class LegacyLink:
    """A verbatim legacy array whose elements also become join rows where their ids resolve.

    Legacy clients write free-form `components` / `members` arrays with ids that
    may be placeholders ("tool-1"). The array is stored as written; every
    element that names one of the owner's rows is linked through `join` as
    well, and the rest are simply not linked (no error). An input that names
    `join` itself wins over the derived links.
    """

    source: str  # the field holding the verbatim array
    join: str  # the Join it feeds
    candidates: Callable[[list[Any]], list[Any]]  # array -> join input elements, before parsing


@dataclass(frozen=True)
class EntitySpec:
    type: EntityType
    table: Table
    fields: tuple[Field, ...]
    refs: tuple[Ref, ...] = ()
    joins: tuple[Join, ...] = ()
    # Enum columns whose legacy free-text twin must be cleared when the enum changes.
    legacy_twins: Mapping[str, str] = field(default_factory=dict)
    keeps_history: bool = False
    legacy_links: tuple[LegacyLink, ...] = ()
    # The name of a row written without one (legacy clients never send names, contract §16),
    # made from its other fields; see `name_after_update`.
    derive_name: Callable[[Mapping[str, Any]], str | None] | None = None

    @property
    def name(self) -> str:
        return self.type.value

    def join(self, name: str) -> Join:
        return next(j for j in self.joins if j.name == name)

    def field(self, name: str) -> Field | None:
        return self._by_name.get(name)

    @property
    def _by_name(self) -> dict[str, Field]:
        return {f.name: f for f in self.fields}


COMMON_TAGS = F("tags", "tags", Kind.TAGS, nullable=False, default=())
MAX_NAME = 255


def _first_text(*values: Any) -> str | None:
    for value in values:
        if isinstance(value, str) and value.strip():
            return value.strip().splitlines()[0][:MAX_NAME]
    return None


def _item_name(row: Mapping[str, Any]) -> str | None:
    """The description, else the part number, else maker and legacy type text."""
    legacy, category = row.get("legacy_category"), row.get("category")
    kind = legacy or (category.lower() if isinstance(category, str) else None)  # as the wire shows it
    maker_and_type = " ".join(v for v in (row.get("manufacturer"), kind) if isinstance(v, str) and v.strip())
    return _first_text(row.get("description"), row.get("part_number"), maker_and_type)


def _preset_name(row: Mapping[str, Any]) -> str | None:
    number = row.get("tool_number")
    return None if number is None else f"T{number}"


def name_after_update(
    spec: EntitySpec, before: Mapping[str, Any], after: dict[str, Any], sent: Collection[str]
) -> None:
    """A derived name follows the fields it was derived from.

    While a row's name is still exactly what `derive_name` makes of it (a legacy
    preset's `T3`, an item's description), the name was never chosen: an update
    that changes those fields without sending a name re-derives it, through either
    door. A name that differs was chosen by someone and is kept.
    """
    derive = spec.derive_name
    if derive is None or "name" in sent:
        return
    if before.get("name") != derive(before):
        return
    renamed = derive(after)
    if renamed:
        after["name"] = renamed


def _component(label: str, position: int, element: Any) -> dict[str, Any]:
    if not isinstance(element, Mapping):
        raise FieldError(f"{label}[{position}]", "expected an object with itemId and role")
    where = f"{label}[{position}]"
    item_id = check_id(f"{where}.itemId", element.get("item_id"))
    role = check_value(
        F("role", f"{where}.role", Kind.ENUM, required=True, enum=ComponentRole), element.get("role")
    )
    pos = element.get("position")
    gauge = element.get("gauge_offset")
    return {
        "item_id": item_id,
        "role": role,
        "position": position if pos is None else check_int(f"{where}.position", pos),
        "gauge_offset": check_value(F("gauge_offset", f"{where}.gaugeOffset", Kind.FLOAT), gauge),
    }


def _role(value: Any) -> str:
    """A legacy role string ("cutter", "holder", ...) as a ComponentRole; unknown ones are OTHER."""
    if isinstance(value, str) and value.upper() in ComponentRole.__members__:
        return ComponentRole[value.upper()].value
    return ComponentRole.OTHER.value


def _legacy_components(array: list[Any]) -> list[Any]:
    found: list[Any] = []
    for element in array:
        if isinstance(element, Mapping) and isinstance(element.get("item_id"), str):
            position, gauge = element.get("position"), element.get("gauge_offset")
            found.append(
                {
                    "item_id": element["item_id"],
                    "role": _role(element.get("role")),
                    "position": position
                    if isinstance(position, int) and not isinstance(position, bool)
                    else None,
                    "gauge_offset": gauge
                    if isinstance(gauge, int | float) and not isinstance(gauge, bool)
                    else None,
                }
            )
    return found


def _legacy_member_ids(*keys: str) -> Callable[[list[Any]], list[Any]]:
    def candidates(array: list[Any]) -> list[Any]:
        return [
            element[key]
            for element in array
            if isinstance(element, Mapping)
            for key in keys
            if isinstance(element.get(key), str)
        ]

    return candidates


def _member(column: str) -> Callable[[str, int, Any], dict[str, Any]]:
    def parse(label: str, position: int, element: Any) -> dict[str, Any]:
        return {column: check_id(f"{label}[{position}]", element), "position": position}

    return parse


def proposed_links(spec: EntitySpec, item: Mapping[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Join rows the verbatim legacy arrays of `item` propose (see LegacyLink); elements
    that cannot be parsed are not linked. An item that names the join itself wins."""
    links: dict[str, list[dict[str, Any]]] = {}
    for link in spec.legacy_links:
        if link.source not in item or link.join in item:
            continue
        array = item[link.source]
        join = spec.join(link.join)
        rows: list[dict[str, Any]] = []
        for element in link.candidates(array if isinstance(array, list) else [])[:MAX_LIST_ENTRIES]:
            try:
                rows.append(join.parse(join.label, len(rows), element))
            except FieldError:
                continue
        links[link.join] = rows
    return links


def kept_links(
    spec: EntitySpec,
    proposed: Mapping[str, list[dict[str, Any]]],
    resolves: Callable[[EntityType, str], bool],
) -> dict[str, list[dict[str, Any]]]:
    """The proposed links whose ids `resolves` (the owner's rows), each once where a join's
    links are unique (tool-set members, renumbered), every one for assembly components."""
    kept_by_join: dict[str, list[dict[str, Any]]] = {}
    for name, rows in proposed.items():
        join = spec.join(name)
        kept: list[dict[str, Any]] = []
        seen: set[str] = set()
        for row in rows:
            if not resolves(join.target, row[join.ref_column]):
                continue
            if name != "components":
                if row[join.ref_column] in seen:
                    continue
                seen.add(row[join.ref_column])
                row = {**row, "position": len(kept)}
            kept.append(row)
        kept_by_join[name] = kept
    return kept_by_join


TOOL_ITEM = EntitySpec(
    EntityType.TOOL_ITEM,
    models.table_of(models.ToolItem),
    (
        F("name", "name", Kind.STRING, required=True),
        F("description", "description", Kind.TEXT),
        F("manufacturer", "manufacturer", Kind.STRING),
        F("part_number", "partNumber", Kind.STRING),
        F(
            "category",
            "category",
            Kind.ENUM,
            nullable=False,
            enum=ItemCategory,
            default=ItemCategory.OTHER.value,
        ),
        F("legacy_category", "legacyCategory", Kind.STRING),
        F("tool_type", "toolType", Kind.ENUM, enum=ToolType),
        F("geometry", "geometry", Kind.JSON),
        F("material", "material", Kind.JSON),
        F("capabilities", "capabilities", Kind.JSON),
        F("shape_data", "shapeData", Kind.JSON),
        F("iso13399_reference", "iso13399Reference", Kind.STRING),
        F("parent_tool_id", "parentToolId", Kind.ID),
        COMMON_TAGS,
    ),
    refs=(Ref("parent_tool_id", "parentToolId", EntityType.TOOL_ITEM),),
    legacy_twins={"category": "legacy_category"},
    derive_name=_item_name,
)

TOOL_ASSEMBLY = EntitySpec(
    EntityType.TOOL_ASSEMBLY,
    models.table_of(models.ToolAssembly),
    (
        F("name", "name", Kind.STRING, required=True),
        F("description", "description", Kind.TEXT),
        F("assembly_data", "assemblyData", Kind.JSON),
        F("computed_geometry", "computedGeometry", Kind.JSON),
        F("legacy_components", "legacyComponents", Kind.JSON_ARRAY),
        COMMON_TAGS,
    ),
    joins=(
        Join(
            "components",
            "components",
            models.table_of(models.AssemblyComponent),
            "assembly_id",
            "item_id",
            EntityType.TOOL_ITEM,
            _component,
            ".itemId",
        ),
    ),
    legacy_links=(LegacyLink("legacy_components", "components", _legacy_components),),
)

TOOL_INSTANCE = EntitySpec(
    EntityType.TOOL_INSTANCE,
    models.table_of(models.ToolInstance),
    (
        F("tool_item_id", "toolItemId", Kind.ID),
        F("tool_assembly_id", "toolAssemblyId", Kind.ID),
        F("serial_number", "serialNumber", Kind.STRING, non_blank=True),
        F(
            "status",
            "status",
            Kind.ENUM,
            nullable=False,
            enum=InstanceStatus,
            default=InstanceStatus.AVAILABLE.value,
        ),
        F("legacy_status", "legacyStatus", Kind.STRING),
        F("measurements", "measurements", Kind.JSON),
        F("location", "location", Kind.JSON),
        F("lifecycle", "lifecycle", Kind.JSON),
        F("purchase_date", "purchaseDate", Kind.DATE),
        F("last_calibration", "lastCalibration", Kind.DATE),
        F("calibration_due", "calibrationDue", Kind.DATE),
        COMMON_TAGS,
    ),
    refs=(
        Ref("tool_item_id", "toolItemId", EntityType.TOOL_ITEM),
        Ref("tool_assembly_id", "toolAssemblyId", EntityType.TOOL_ASSEMBLY),
    ),
    legacy_twins={"status": "legacy_status"},
)

TOOL_PRESET = EntitySpec(
    EntityType.TOOL_PRESET,
    models.table_of(models.ToolPreset),
    (
        F("name", "name", Kind.STRING, required=True),
        F("description", "description", Kind.TEXT),
        F("tool_instance_id", "toolInstanceId", Kind.ID),
        F("machine_id", "machineId", Kind.STRING, required=True),
        F("tool_number", "toolNumber", Kind.INT),
        F("pocket", "pocket", Kind.INT),
        F("parameters", "parameters", Kind.JSON),
        F("offsets", "offsets", Kind.JSON),
        F("orientation", "orientation", Kind.JSON),
        F("limits", "limits", Kind.JSON),
        F("is_default", "isDefault", Kind.BOOL, nullable=False, default=False),
        F("loaded_at", "loadedAt", Kind.DATETIME),
        F("loaded_by", "loadedBy", Kind.STRING),
        COMMON_TAGS,
    ),
    refs=(Ref("tool_instance_id", "toolInstanceId", EntityType.TOOL_INSTANCE),),
    derive_name=_preset_name,
)

TOOL_USAGE = EntitySpec(
    EntityType.TOOL_USAGE,
    models.table_of(models.ToolUsage),
    (
        F("tool_instance_id", "toolInstanceId", Kind.ID),
        F("preset_id", "presetId", Kind.ID),
        F("machine_id", "machineId", Kind.STRING),
        F("program_name", "programName", Kind.STRING),
        F("operator", "operator", Kind.STRING),
        F("start_time", "startTime", Kind.DATETIME, required=True),
        F("end_time", "endTime", Kind.DATETIME),
        F("cycle_count", "cycleCount", Kind.INT),
        F("cut_time", "cutTime", Kind.FLOAT),
        F("usage_metrics", "usageMetrics", Kind.JSON),
        F("wear_measurements", "wearMeasurements", Kind.JSON),
        F("events", "events", Kind.JSON),
        F("notes", "notes", Kind.TEXT),
        COMMON_TAGS,
    ),
    refs=(
        Ref("tool_instance_id", "toolInstanceId", EntityType.TOOL_INSTANCE),
        Ref("preset_id", "presetId", EntityType.TOOL_PRESET),
    ),
)

TOOL_SET = EntitySpec(
    EntityType.TOOL_SET,
    models.table_of(models.ToolSet),
    (
        F("name", "name", Kind.STRING, required=True),
        F("description", "description", Kind.TEXT),
        F("type", "type", Kind.ENUM, required=True, enum=ToolSetType),
        F("legacy_type", "legacyType", Kind.STRING),
        F(
            "status",
            "status",
            Kind.ENUM,
            nullable=False,
            enum=ToolSetStatus,
            default=ToolSetStatus.DRAFT.value,
        ),
        F("legacy_status", "legacyStatus", Kind.STRING),
        F("is_global", "isGlobal", Kind.BOOL, nullable=False, default=False),
        F("machine_id", "machineId", Kind.STRING),
        F("job_id", "jobId", Kind.STRING),
        F("members", "members", Kind.JSON_ARRAY),
        F("capacity", "capacity", Kind.JSON),
        F("activation", "activation", Kind.JSON),
        COMMON_TAGS,
    ),
    joins=(
        Join(
            "tool_instance_ids",
            "toolInstanceIds",
            models.table_of(models.ToolSetInstance),
            "tool_set_id",
            "tool_instance_id",
            EntityType.TOOL_INSTANCE,
            _member("tool_instance_id"),
        ),
        Join(
            "tool_preset_ids",
            "toolPresetIds",
            models.table_of(models.ToolSetPreset),
            "tool_set_id",
            "tool_preset_id",
            EntityType.TOOL_PRESET,
            _member("tool_preset_id"),
        ),
    ),
    legacy_twins={"type": "legacy_type", "status": "legacy_status"},
    keeps_history=True,
    legacy_links=(
        LegacyLink("members", "tool_preset_ids", _legacy_member_ids("preset_id")),
        LegacyLink("members", "tool_instance_ids", _legacy_member_ids("instance_id", "tool_instance_id")),
    ),
)

SPECS: Mapping[EntityType, EntitySpec] = {
    spec.type: spec for spec in (TOOL_ITEM, TOOL_ASSEMBLY, TOOL_INSTANCE, TOOL_PRESET, TOOL_USAGE, TOOL_SET)
}


@dataclass(frozen=True)
class Referrer:
    """Something that points at a row of another entity and so blocks its delete."""

    entity: EntityType  # the referring entity (the join's parent for join tables)
    table: Table
    column: str  # the column holding the referenced id
    id_column: str  # the referring entity's id column in `table`


def referrers_of(target: EntityType) -> list[Referrer]:
    found: list[Referrer] = []
    for spec in SPECS.values():
        for ref in spec.refs:
            if ref.target is target:
                found.append(Referrer(spec.type, spec.table, ref.column, "id"))
        for join in spec.joins:
            if join.target is target:
                found.append(Referrer(spec.type, join.table, join.ref_column, join.parent_column))
    return found
