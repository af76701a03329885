"""ToolPreset: an instance set up on one machine (a tool-table entry)."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import Maybe
from strawberry.scalars import JSON

from ..context import Context
from ..enums import EntityType as E
from ..services.entities import TOOL_SET
from .common import Entity, load_one, load_referrers, load_through
from .enums import OrderDirection
from .tool_instance import ToolInstance

if TYPE_CHECKING:
    from .tool_set import ToolSet
    from .tool_usage import ToolUsage

Info = strawberry.Info[Context, None]
SET_PRESETS = TOOL_SET.join("tool_preset_ids")


@strawberry.type(description="Machine-specific setup of a tool: T number, pocket, offsets.")
class ToolPreset(Entity):
    name: str
    description: str | None
    tool_instance_id: strawberry.ID | None
    machine_id: str
    tool_number: int | None
    pocket: int | None
    parameters: JSON | None
    offsets: JSON | None
    orientation: JSON | None
    limits: JSON | None
    is_default: bool
    loaded_at: datetime | None
    loaded_by: str | None

    @strawberry.field
    async def tool_instance(self, info: Info) -> ToolInstance | None:
        return await load_one(info, E.TOOL_INSTANCE, ToolInstance, self.tool_instance_id)

    @strawberry.field(description="Usage records logged against this preset.")
    async def usages(self, info: Info) -> list[Annotated[ToolUsage, strawberry.lazy(".tool_usage")]]:
        from .tool_usage import ToolUsage

        return await load_referrers(info, E.TOOL_USAGE, "preset_id", ToolUsage, self.id)

    @strawberry.field(description="Tool sets this preset belongs to.")
    async def tool_sets(self, info: Info) -> list[Annotated[ToolSet, strawberry.lazy(".tool_set")]]:
        from .tool_set import ToolSet

        return await load_through(
            info, SET_PRESETS, "tool_preset_id", "tool_set_id", E.TOOL_SET, ToolSet, self.id
        )


@strawberry.input
class ToolPresetCreateInput:
    name: str
    machine_id: str
    id: strawberry.ID | None = None
    description: str | None = None
    tool_instance_id: strawberry.ID | None = None
    tool_number: int | None = None
    pocket: int | None = None
    parameters: JSON | None = None
    offsets: JSON | None = None
    orientation: JSON | None = None
    limits: JSON | None = None
    is_default: bool | None = None
    loaded_at: datetime | None = None
    loaded_by: str | None = None
    tags: list[str] | None = None


@strawberry.input(description="Only the fields present change; an explicit null clears a field.")
class ToolPresetUpdateInput:
    id: strawberry.ID
    expected_version: int
    name: Maybe[str | None]
    machine_id: Maybe[str | None]
    description: Maybe[str | None]
    tool_instance_id: Maybe[strawberry.ID | None]
    tool_number: Maybe[int | None]
    pocket: Maybe[int | None]
    parameters: Maybe[JSON | None]
    offsets: Maybe[JSON | None]
    orientation: Maybe[JSON | None]
    limits: Maybe[JSON | None]
    is_default: Maybe[bool | None]
    loaded_at: Maybe[datetime | None]
    loaded_by: Maybe[str | None]
    tags: Maybe[list[str] | None]


@strawberry.input
class ToolPresetFilter:
    text: str | None = strawberry.field(default=None, description="Contained in name or description.")
    machine_id: str | None = None
    tool_number: int | None = None
    tool_instance_id: strawberry.ID | None = None
    tags_any: list[str] | None = None
    tags_all: list[str] | None = None
    updated_after: datetime | None = None


@strawberry.enum
class ToolPresetOrderField(Enum):
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"
    NAME = "name"
    MACHINE_ID = "machine_id"


@strawberry.input
class ToolPresetOrder:
    field: ToolPresetOrderField
    direction: OrderDirection = OrderDirection.ASC
