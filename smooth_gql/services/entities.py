"""The six tool entities as data: one table drives every bulk write and read.

Adding a field means adding one `Field` here (plus the column and the GraphQL
type); the write path, audit, change log and delete checks need no change. An
entity's own rules are hooks declared on its spec (services/entity_spec.py).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
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
from .entity_spec import EntitySpec, Join, LegacyLink, Ref, Row, Targets
from .fields import Field, Kind, check_id, check_int, check_value

F = Field

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


def _expand_assembly_shorthand(item: Mapping[str, Any]) -> Mapping[str, Any]:
    """On create, `holderId` / `cutterId` are a short way to write two components."""
    if "holder_id" not in item and "cutter_id" not in item:
        return item
    item = dict(item)
    components = list(item.get("components") or [])
    for key, role in (("holder_id", "HOLDER"), ("cutter_id", "CUTTER")):
        value = item.pop(key, None)
        if value is not None:
            components.append({"item_id": value, "role": role})
    item["components"] = components
    return item


def _usage_from_preset(row: Row, sent: Collection[str], targets: Targets) -> None:
    """A usage record names a preset: its instance and machine come from there.

    A new preset brings its own instance and machine unless the client set them
    (an update that sends `presetId` alone drops the old preset's ones); an
    instance that differs from the preset's is refused.
    """
    if "preset_id" not in sent:
        return
    for derived in ("tool_instance_id", "machine_id"):
        if derived not in sent:
            row[derived] = None
    if not row.get("preset_id"):
        return
    preset = targets[EntityType.TOOL_PRESET][row["preset_id"]]
    instance = row.get("tool_instance_id")
    if (
        instance is not None
        and preset["tool_instance_id"] is not None
        and instance != preset["tool_instance_id"]
    ):
        raise FieldError("toolInstanceId", "differs from the instance of the given preset")
    if instance is None:
        row["tool_instance_id"] = preset["tool_instance_id"]
    if row.get("machine_id") is None:
        row["machine_id"] = preset["machine_id"]


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
            unique=False,
        ),
    ),
    legacy_links=(LegacyLink("legacy_components", "components", _legacy_components),),
    expand_create=_expand_assembly_shorthand,
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
    derive_from_references=_usage_from_preset,
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
