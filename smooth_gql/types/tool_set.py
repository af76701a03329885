"""ToolSet: tools used together, with a version history."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry
from strawberry import Maybe
from strawberry.scalars import JSON

from ..context import Context
from ..enums import EntityType as E
from ..services.entities import TOOL_SET
from .common import Entity, load_through
from .enums import OrderDirection, ToolSetStatus, ToolSetType
from .tool_instance import ToolInstance
from .tool_preset import ToolPreset

Info = strawberry.Info[Context, None]
SET_INSTANCES, SET_PRESETS = TOOL_SET.join("tool_instance_ids"), TOOL_SET.join("tool_preset_ids")


@strawberry.type(description="A collection of tools used together: a machine setup, a job kit, a template.")
class ToolSet(Entity):
    name: str
    description: str | None
    type: ToolSetType
    legacy_type: str | None
    status: ToolSetStatus
    legacy_status: str | None
    is_global: bool
    machine_id: str | None
    job_id: str | None
    members: JSON | None = strawberry.field(
        description="Free-form member list (legacy clients), kept verbatim."
    )
    capacity: JSON | None
    activation: JSON | None

    @strawberry.field
    async def tool_instances(self, info: Info) -> list[ToolInstance]:
        return await load_through(
            info, SET_INSTANCES, "tool_set_id", "tool_instance_id", E.TOOL_INSTANCE, ToolInstance, self.id
        )

    @strawberry.field
    async def tool_presets(self, info: Info) -> list[ToolPreset]:
        return await load_through(
            info, SET_PRESETS, "tool_set_id", "tool_preset_id", E.TOOL_PRESET, ToolPreset, self.id
        )


@strawberry.input
class ToolSetCreateInput:
    name: str
    type: ToolSetType
    id: strawberry.ID | None = None
    description: str | None = None
    status: ToolSetStatus | None = None
    is_global: bool | None = None
    machine_id: str | None = None
    job_id: str | None = None
    tool_instance_ids: list[strawberry.ID] | None = None
    tool_preset_ids: list[strawberry.ID] | None = None
    members: JSON | None = None
    capacity: JSON | None = None
    activation: JSON | None = None
    tags: list[str] | None = None


@strawberry.input(description="Only the fields present change; id lists replace the whole membership.")
class ToolSetUpdateInput:
    id: strawberry.ID
    expected_version: int
    name: Maybe[str | None]
    type: Maybe[ToolSetType | None]
    description: Maybe[str | None]
    status: Maybe[ToolSetStatus | None]
    is_global: Maybe[bool | None]
    machine_id: Maybe[str | None]
    job_id: Maybe[str | None]
    tool_instance_ids: Maybe[list[strawberry.ID] | None]
    tool_preset_ids: Maybe[list[strawberry.ID] | None]
    members: Maybe[JSON | None]
    capacity: Maybe[JSON | None]
    activation: Maybe[JSON | None]
    tags: Maybe[list[str] | None]


@strawberry.input
class ToolSetFilter:
    text: str | None = strawberry.field(default=None, description="Contained in name or description.")
    type: ToolSetType | None = None
    status: ToolSetStatus | None = None
    machine_id: str | None = None
    job_id: str | None = None
    is_global: bool | None = None
    tags_any: list[str] | None = None
    tags_all: list[str] | None = None
    updated_after: datetime | None = None


@strawberry.enum
class ToolSetOrderField(Enum):
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"
    NAME = "name"


@strawberry.input
class ToolSetOrder:
    field: ToolSetOrderField
    direction: OrderDirection = OrderDirection.ASC
