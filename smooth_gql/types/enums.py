"""The domain's enums as GraphQL enums (UPPER_CASE values, DESIGN §6)."""

from __future__ import annotations

from enum import Enum

import strawberry

from .. import enums as domain

ItemCategory = strawberry.enum(domain.ItemCategory)
ToolType = strawberry.enum(domain.ToolType)
ComponentRole = strawberry.enum(domain.ComponentRole)
InstanceStatus = strawberry.enum(domain.InstanceStatus)
ToolSetType = strawberry.enum(domain.ToolSetType)
ToolSetStatus = strawberry.enum(domain.ToolSetStatus)


@strawberry.enum
class OrderDirection(Enum):
    ASC = "ASC"
    DESC = "DESC"
