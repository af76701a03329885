"""ToolAssembly: items combined into one tool (holder + cutter, ...)."""

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
from .common import Entity, load_one, load_referrers
from .enums import ComponentRole, OrderDirection
from .tool_item import ToolItem

if TYPE_CHECKING:
    from .tool_instance import ToolInstance

Info = strawberry.Info[Context, None]
COMPONENTS = TOOL_ASSEMBLY.join("components")


@strawberry.type
class AssemblyComponent:
    item_id: strawberry.ID
    role: ComponentRole
    position: int | None
    gauge_offset: float | None

    @strawberry.field
    async def item(self, info: Info) -> ToolItem | None:
        return await load_one(info, E.TOOL_ITEM, ToolItem, self.item_id)


@strawberry.type(description="Items combined into one tool, e.g. a holder and a cutter.")
class ToolAssembly(Entity):
    name: str
    description: str | None
    assembly_data: JSON | None
    computed_geometry: JSON | None
    legacy_components: JSON | None = strawberry.field(
        description="The free-form components array a legacy REST client sent, verbatim."
    )

    @strawberry.field
    async def components(self, info: Info) -> list[AssemblyComponent]:
        rows = await info.context.loaders.join_rows(COMPONENTS, "assembly_id").load(self.id)
        return [
            AssemblyComponent(
                item_id=r["item_id"], role=r["role"], position=r["position"], gauge_offset=r["gauge_offset"]
            )
            for r in rows
        ]

    async def _with_role(self, info: Info, role: str) -> ToolItem | None:
        rows = await info.context.loaders.join_rows(COMPONENTS, "assembly_id").load(self.id)
        item_id = next((r["item_id"] for r in rows if r["role"] == role), None)
        return await load_one(info, E.TOOL_ITEM, ToolItem, item_id)

    @strawberry.field(description="The first component with role HOLDER.")
    async def holder(self, info: Info) -> ToolItem | None:
        return await self._with_role(info, "HOLDER")

    @strawberry.field(description="The first component with role CUTTER.")
    async def cutter(self, info: Info) -> ToolItem | None:
        return await self._with_role(info, "CUTTER")

    @strawberry.field(description="Physical instances of this assembly.")
    async def instances(self, info: Info) -> list[Annotated[ToolInstance, strawberry.lazy(".tool_instance")]]:
        from .tool_instance import ToolInstance

        return await load_referrers(info, E.TOOL_INSTANCE, "tool_assembly_id", ToolInstance, self.id)


@strawberry.input
class AssemblyComponentInput:
    item_id: strawberry.ID
    role: ComponentRole
    position: int | None = None
    gauge_offset: float | None = None


@strawberry.input(description="Give `components`, or the `holderId` / `cutterId` shorthand, or both.")
class ToolAssemblyCreateInput:
    name: str
    id: strawberry.ID | None = None
    description: str | None = None
    components: list[AssemblyComponentInput] | None = None
    holder_id: strawberry.ID | None = None
    cutter_id: strawberry.ID | None = None
    assembly_data: JSON | None = None
    computed_geometry: JSON | None = None
    tags: list[str] | None = None


@strawberry.input(description="Only the fields present change; `components` replaces the whole list.")
class ToolAssemblyUpdateInput:
    id: strawberry.ID
    expected_version: int
    name: Maybe[str | None]
    description: Maybe[str | None]
    components: Maybe[list[AssemblyComponentInput] | None]
    assembly_data: Maybe[JSON | None]
    computed_geometry: Maybe[JSON | None]
    tags: Maybe[list[str] | None]


@strawberry.input
class ToolAssemblyFilter:
    text: str | None = strawberry.field(default=None, description="Contained in name or description.")
    tags_any: list[str] | None = None
    tags_all: list[str] | None = None
    updated_after: datetime | None = None


@strawberry.enum
class ToolAssemblyOrderField(Enum):
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"
    NAME = "name"


@strawberry.input
class ToolAssemblyOrder:
    field: ToolAssemblyOrderField
    direction: OrderDirection = OrderDirection.ASC
