"""ToolInstance: one physical tool with a serial number."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import Maybe
from strawberry.scalars import JSON

from ..context import Context
from ..enums import EntityType as E
from ..services.entities import TOOL_SET
from .common import Entity, load_one, load_referrers, load_through
from .enums import InstanceStatus, OrderDirection
from .tool_assembly import ToolAssembly
from .tool_item import ToolItem

if TYPE_CHECKING:
    from .tool_preset import ToolPreset
    from .tool_set import ToolSet
    from .tool_usage import ToolUsage

Info = strawberry.Info[Context, None]
SET_INSTANCES = TOOL_SET.join("tool_instance_ids")


@strawberry.type(description="One physical tool.")
class ToolInstance(Entity):
    tool_item_id: strawberry.ID | None
    tool_assembly_id: strawberry.ID | None
    serial_number: str | None
    status: InstanceStatus
    legacy_status: str | None = strawberry.field(
        description="The status text a legacy REST client sent when it maps to no InstanceStatus."
    )
    measurements: JSON | None
    location: JSON | None
    lifecycle: JSON | None
    purchase_date: date | None
    last_calibration: date | None
    calibration_due: date | None

    @strawberry.field
    async def tool_item(self, info: Info) -> ToolItem | None:
        return await load_one(info, E.TOOL_ITEM, ToolItem, self.tool_item_id)

    @strawberry.field
    async def tool_assembly(self, info: Info) -> ToolAssembly | None:
        return await load_one(info, E.TOOL_ASSEMBLY, ToolAssembly, self.tool_assembly_id)

    @strawberry.field(description="Machine presets that load this instance.")
    async def presets(self, info: Info) -> list[Annotated[ToolPreset, strawberry.lazy(".tool_preset")]]:
        from .tool_preset import ToolPreset

        return await load_referrers(info, E.TOOL_PRESET, "tool_instance_id", ToolPreset, self.id)

    @strawberry.field(description="Usage and wear records of this instance.")
    async def usages(self, info: Info) -> list[Annotated[ToolUsage, strawberry.lazy(".tool_usage")]]:
        from .tool_usage import ToolUsage

        return await load_referrers(info, E.TOOL_USAGE, "tool_instance_id", ToolUsage, self.id)

    @strawberry.field(description="Tool sets this instance belongs to.")
    async def tool_sets(self, info: Info) -> list[Annotated[ToolSet, strawberry.lazy(".tool_set")]]:
        from .tool_set import ToolSet

        return await load_through(
            info, SET_INSTANCES, "tool_instance_id", "tool_set_id", E.TOOL_SET, ToolSet, self.id
        )


@strawberry.input
class ToolInstanceCreateInput:
    serial_number: str
    id: strawberry.ID | None = None
    tool_item_id: strawberry.ID | None = None
    tool_assembly_id: strawberry.ID | None = None
    status: InstanceStatus | None = None
    measurements: JSON | None = None
    location: JSON | None = None
    lifecycle: JSON | None = None
    purchase_date: date | None = None
    last_calibration: date | None = None
    calibration_due: date | None = None
    tags: list[str] | None = None


@strawberry.input(description="Only the fields present change; an explicit null clears a field.")
class ToolInstanceUpdateInput:
    id: strawberry.ID
    expected_version: int
    serial_number: Maybe[str | None]
    tool_item_id: Maybe[strawberry.ID | None]
    tool_assembly_id: Maybe[strawberry.ID | None]
    status: Maybe[InstanceStatus | None]
    measurements: Maybe[JSON | None]
    location: Maybe[JSON | None]
    lifecycle: Maybe[JSON | None]
    purchase_date: Maybe[date | None]
    last_calibration: Maybe[date | None]
    calibration_due: Maybe[date | None]
    tags: Maybe[list[str] | None]


@strawberry.input
class ToolInstanceFilter:
    text: str | None = strawberry.field(default=None, description="Contained in the serial number.")
    serial_number: str | None = None
    status: InstanceStatus | None = None
    tool_item_id: strawberry.ID | None = None
    tool_assembly_id: strawberry.ID | None = None
    tags_any: list[str] | None = None
    tags_all: list[str] | None = None
    updated_after: datetime | None = None


@strawberry.enum
class ToolInstanceOrderField(Enum):
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"
    STATUS = "status"


@strawberry.input
class ToolInstanceOrder:
    field: ToolInstanceOrderField
    direction: OrderDirection = OrderDirection.ASC
