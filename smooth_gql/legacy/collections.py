"""The six legacy collections, field by field (contract §6, with `tags` from §13.1).

Wire keys are listed in the legacy response order. The model field each one
carries is named beside it; where the names differ, this table is the only
place that knows.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ..enums import EntityType, InstanceStatus, ItemCategory, ToolSetStatus, ToolSetType
from ..services.entities import TOOL_ASSEMBLY, TOOL_SET
from .wire import Collection, DerivedArray, WireEnum, WireField

W = WireField
JsonObject = dict[str, Any]
JsonArray = list[Any]
COMPONENTS = TOOL_ASSEMBLY.join("components")
SET_PRESETS = TOOL_SET.join("tool_preset_ids")


def _component(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "item_id": row["item_id"],
        "role": str(row["role"]).lower(),
        "position": row["position"],
        "gauge_offset": row["gauge_offset"],
    }


def _member(row: Mapping[str, Any]) -> dict[str, Any]:
    return {"preset_id": row["tool_preset_id"], "sequence": row["position"] + 1}


TOOL_ITEMS = Collection(
    "tool-items",
    EntityType.TOOL_ITEM,
    (
        W("type", str, "category", WireEnum(ItemCategory, "legacy_category")),
        W("manufacturer", str, "manufacturer"),
        W("product_code", str, "part_number"),
        W("description", str, "description"),
        W("geometry", JsonObject, "geometry"),
        W("material", JsonObject, "material"),
        W("iso_13399_reference", str, "iso13399_reference"),
        W("parent_tool_id", str, "parent_tool_id"),
    ),
    not_found="Item not found or access denied",
    required=("category",),
    filters={"type": "type", "manufacturer": "manufacturer", "product_code": "product_code"},
    column_extras=(W("capabilities", JsonObject, "capabilities"), W("shape_data", JsonObject, "shape_data")),
)

TOOL_ASSEMBLIES = Collection(
    "tool-assemblies",
    EntityType.TOOL_ASSEMBLY,
    (
        W("name", str, "name"),
        W("description", str, "description"),
        W("components", JsonArray, "legacy_components"),
        W("computed_geometry", JsonObject, "computed_geometry"),
    ),
    not_found="Assembly not found or access denied",
    required=("name", "legacy_components"),
    derived_array=DerivedArray("components", COMPONENTS, _component),
)

TOOL_INSTANCES = Collection(
    "tool-instances",
    EntityType.TOOL_INSTANCE,
    (
        W("assembly_id", str, "tool_assembly_id"),
        W("serial_number", str, "serial_number"),
        W("status", str, "status", WireEnum(InstanceStatus, "legacy_status")),
        W("location", JsonObject, "location"),
        W("measured_geometry", JsonObject, "measurements"),
        W("lifecycle", JsonObject, "lifecycle"),
    ),
    not_found="Instance not found or access denied",
    required=("tool_assembly_id",),
    filters={"status": "status"},
)

TOOL_PRESETS = Collection(
    "tool-presets",
    EntityType.TOOL_PRESET,
    (
        W("machine_id", str, "machine_id"),
        W("tool_number", int, "tool_number"),
        W("instance_id", str, "tool_instance_id"),
        W("pocket", int, "pocket"),
        W("description", str, "description"),
        W("metadata", JsonObject, "parameters"),
        W("offsets", JsonObject, "offsets"),
        W("orientation", JsonObject, "orientation"),
        W("limits", JsonObject, "limits"),
        W("loaded_at", datetime, "loaded_at"),
        W("loaded_by", str, "loaded_by"),
    ),
    not_found="Preset not found or access denied",
    required=("machine_id", "tool_number"),
    filters={"machine_id": "machine_id"},
    column_names={"metadata": "preset_metadata"},
)

TOOL_USAGE = Collection(
    "tool-usage",
    EntityType.TOOL_USAGE,
    (
        W("preset_id", str, "preset_id"),
        W("job_id", str, "program_name"),
        W("start_time", str, "start_time"),  # parsed per item: a bad time is a per-item error
        W("end_time", str, "end_time"),
        W("cycle_count", int, "cycle_count"),
        W("cut_time", float, "cut_time"),
        W("wear_progression", JsonArray, "wear_measurements"),
        W("events", JsonArray, "events"),
    ),
    not_found="Usage record not found or access denied",
    required=("preset_id", "start_time"),
    tagged=False,
    single_get=False,
    drop_empty_on_create=("end_time",),
)

TOOL_SETS = Collection(
    "tool-sets",
    EntityType.TOOL_SET,
    (
        W("name", str, "name"),
        W("description", str, "description"),
        W("type", str, "type", WireEnum(ToolSetType, "legacy_type")),
        W("machine_id", str, "machine_id"),
        W("job_id", str, "job_id"),
        W("members", JsonArray, "members"),
        W("capacity", JsonObject, "capacity"),
        W("status", str, "status", WireEnum(ToolSetStatus, "legacy_status")),
        W("activation", JsonObject, "activation"),
    ),
    not_found="Tool set not found or access denied",
    required=("name", "type", "members"),
    filters={"type": "type", "status": "status"},
    derived_array=DerivedArray("members", SET_PRESETS, _member),
)

COLLECTIONS = (TOOL_ITEMS, TOOL_ASSEMBLIES, TOOL_INSTANCES, TOOL_PRESETS, TOOL_USAGE, TOOL_SETS)
