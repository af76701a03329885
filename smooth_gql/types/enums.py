"""The domain's enums registered as GraphQL enums (UPPER_CASE values, DESIGN §6).

Registration marks the domain classes in place, so resolvers and services
share one set of enum classes.
"""

from __future__ import annotations

from enum import Enum

import strawberry

from ..enums import (
    ComponentRole,
    EntityType,
    InstanceStatus,
    ItemCategory,
    Operation,
    ToolSetStatus,
    ToolSetType,
    ToolType,
)

for _enum in (ItemCategory, ToolType, ComponentRole, InstanceStatus, ToolSetType, ToolSetStatus, EntityType):
    strawberry.enum(_enum)
strawberry.enum(Operation, name="ChangeOperation")


@strawberry.enum
class OrderDirection(Enum):
    ASC = "ASC"
    DESC = "DESC"


__all__ = [
    "ComponentRole",
    "EntityType",
    "InstanceStatus",
    "ItemCategory",
    "Operation",
    "OrderDirection",
    "ToolSetStatus",
    "ToolSetType",
    "ToolType",
]
