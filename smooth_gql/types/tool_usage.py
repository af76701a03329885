"""ToolUsage: runtime, cycles and wear of an instance."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry
from strawberry import Maybe
from strawberry.scalars import JSON

from ..context import Context
from ..enums import EntityType as E
from .common import Entity, load_one
from .enums import OrderDirection
from .tool_instance import ToolInstance
from .tool_preset import ToolPreset

Info = strawberry.Info[Context, None]


@strawberry.type(description="A run of a tool: when, where, how long, and the wear seen.")
class ToolUsage(Entity):
    tool_instance_id: strawberry.ID | None
    preset_id: strawberry.ID | None
    machine_id: str | None
    program_name: str | None
    operator: str | None
    start_time: datetime
    end_time: datetime | None
    cycle_count: int | None
    cut_time: float | None
    usage_metrics: JSON | None
    wear_measurements: JSON | None
    events: JSON | None
    notes: str | None

    @strawberry.field
    async def tool_instance(self, info: Info) -> ToolInstance | None:
        return await load_one(info, E.TOOL_INSTANCE, ToolInstance, self.tool_instance_id)

    @strawberry.field
    async def preset(self, info: Info) -> ToolPreset | None:
        return await load_one(info, E.TOOL_PRESET, ToolPreset, self.preset_id)


@strawberry.input(description="With `presetId`, the instance and machine are taken from the preset.")
class ToolUsageCreateInput:
    start_time: datetime
    id: strawberry.ID | None = None
    tool_instance_id: strawberry.ID | None = None
    preset_id: strawberry.ID | None = None
    machine_id: str | None = None
    program_name: str | None = None
    operator: str | None = None
    end_time: datetime | None = None
    cycle_count: int | None = None
    cut_time: float | None = None
    usage_metrics: JSON | None = None
    wear_measurements: JSON | None = None
    events: JSON | None = None
    notes: str | None = None
    tags: list[str] | None = None


@strawberry.input(description="Only the fields present change; an explicit null clears a field.")
class ToolUsageUpdateInput:
    id: strawberry.ID
    expected_version: int
    tool_instance_id: Maybe[strawberry.ID | None]
    preset_id: Maybe[strawberry.ID | None]
    machine_id: Maybe[str | None]
    program_name: Maybe[str | None]
    operator: Maybe[str | None]
    start_time: Maybe[datetime | None]
    end_time: Maybe[datetime | None]
    cycle_count: Maybe[int | None]
    cut_time: Maybe[float | None]
    usage_metrics: Maybe[JSON | None]
    wear_measurements: Maybe[JSON | None]
    events: Maybe[JSON | None]
    notes: Maybe[str | None]
    tags: Maybe[list[str] | None]


@strawberry.input
class ToolUsageFilter:
    text: str | None = strawberry.field(default=None, description="Contained in program name or notes.")
    machine_id: str | None = None
    tool_instance_id: strawberry.ID | None = None
    preset_id: strawberry.ID | None = None
    program_name: str | None = None
    tags_any: list[str] | None = None
    tags_all: list[str] | None = None
    updated_after: datetime | None = None


@strawberry.enum
class ToolUsageOrderField(Enum):
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"
    START_TIME = "start_time"


@strawberry.input
class ToolUsageOrder:
    field: ToolUsageOrderField
    direction: OrderDirection = OrderDirection.ASC
