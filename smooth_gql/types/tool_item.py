"""ToolItem: a catalog item (cutter, holder, insert, adapter, probe)."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import Maybe
from strawberry.scalars import JSON

from ..context import Context
from ..enums import EntityType as E
from ..services.entities import TOOL_ASSEMBLY
from .common import Entity, load_one, load_referrers, load_through
from .enums import ItemCategory, OrderDirection, ToolType

if TYPE_CHECKING:
    from .tool_assembly import ToolAssembly
    from .tool_instance import ToolInstance

Info = strawberry.Info[Context, None]
COMPONENTS = TOOL_ASSEMBLY.join("components")


@strawberry.type(description="A catalog item: the kind of tool, not a physical one.")
class ToolItem(Entity):
    name: str
    description: str | None
    manufacturer: str | None
    part_number: str | None
    category: ItemCategory
    legacy_category: str | None = strawberry.field(
        description="The category text a legacy REST client sent when it maps to no ItemCategory."
    )
    tool_type: ToolType | None
    geometry: JSON | None
    material: JSON | None
    capabilities: JSON | None
    shape_data: JSON | None
    iso13399_reference: str | None
    parent_tool_id: strawberry.ID | None

    @strawberry.field(description="The catalog item this one was copied from.")
    async def parent_tool(self, info: Info) -> ToolItem | None:
        return await load_one(info, E.TOOL_ITEM, ToolItem, self.parent_tool_id)

    @strawberry.field(description="Assemblies that use this item as a component.")
    async def assemblies(
        self, info: Info
    ) -> list[Annotated[ToolAssembly, strawberry.lazy(".tool_assembly")]]:
        from .tool_assembly import ToolAssembly

        return await load_through(
            info, COMPONENTS, "item_id", "assembly_id", E.TOOL_ASSEMBLY, ToolAssembly, self.id
        )

    @strawberry.field(description="Physical instances made from this item.")
    async def instances(self, info: Info) -> list[Annotated[ToolInstance, strawberry.lazy(".tool_instance")]]:
        from .tool_instance import ToolInstance

        return await load_referrers(info, E.TOOL_INSTANCE, "tool_item_id", ToolInstance, self.id)


@strawberry.input
class ToolItemCreateInput:
    name: str
    id: strawberry.ID | None = None
    description: str | None = None
    manufacturer: str | None = None
    part_number: str | None = None
    category: ItemCategory | None = None
    tool_type: ToolType | None = None
    geometry: JSON | None = None
    material: JSON | None = None
    capabilities: JSON | None = None
    shape_data: JSON | None = None
    iso13399_reference: str | None = None
    parent_tool_id: strawberry.ID | None = None
    tags: list[str] | None = None


@strawberry.input(description="Only the fields present change; an explicit null clears a field.")
class ToolItemUpdateInput:
    id: strawberry.ID
    expected_version: int
    name: Maybe[str | None]
    description: Maybe[str | None]
    manufacturer: Maybe[str | None]
    part_number: Maybe[str | None]
    category: Maybe[ItemCategory | None]
    tool_type: Maybe[ToolType | None]
    geometry: Maybe[JSON | None]
    material: Maybe[JSON | None]
    capabilities: Maybe[JSON | None]
    shape_data: Maybe[JSON | None]
    iso13399_reference: Maybe[str | None]
    parent_tool_id: Maybe[strawberry.ID | None]
    tags: Maybe[list[str] | None]


@strawberry.input
class ToolItemFilter:
    text: str | None = strawberry.field(
        default=None, description="Contained in name, part number or description."
    )
    manufacturer: str | None = None
    part_number: str | None = None
    category: ItemCategory | None = None
    tool_type: ToolType | None = None
    tags_any: list[str] | None = None
    tags_all: list[str] | None = None
    updated_after: datetime | None = None


@strawberry.enum
class ToolItemOrderField(Enum):
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"
    NAME = "name"


@strawberry.input
class ToolItemOrder:
    field: ToolItemOrderField
    direction: OrderDirection = OrderDirection.ASC
