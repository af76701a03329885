"""The change feed as GraphQL types."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import strawberry

from ..changes import cursor
from ..enums import EntityType, Operation
from ..loaders import Loaders
from .bulk import ENTITY_TYPES, ToolEntity
from .common import from_row


@strawberry.type(description="One committed change; deletes included.")
class Change:
    cursor: str = strawberry.field(description="Resume after this change by passing it as `after`.")
    entity_type: EntityType
    entity_id: strawberry.ID
    operation: Operation
    version: int = strawberry.field(description="The entity's version after this change.")
    changed_at: datetime
    changed_by: strawberry.ID
    loaders: strawberry.Private[Loaders]

    @strawberry.field(description="The entity's current state; null once it is deleted.")
    async def entity(self) -> ToolEntity | None:
        entity_type = EntityType(self.entity_type)
        row = await self.loaders.by_id(entity_type).load(self.entity_id)
        return None if row is None else from_row(ENTITY_TYPES[entity_type], row)

    @classmethod
    def of(cls, row: Mapping[str, Any], loaders: Loaders) -> Change:
        return cls(
            cursor=cursor.encode(row["seq"]),
            entity_type=EntityType(row["entity_type"]),
            entity_id=strawberry.ID(row["entity_id"]),
            operation=Operation(row["operation"]),
            version=row["version"],
            changed_at=row["changed_at"],
            changed_by=strawberry.ID(row["changed_by"]),
            loaders=loaders,
        )


@strawberry.type
class ChangesPage:
    changes: list[Change]
    end_cursor: str = strawberry.field(description="Pass as `after` to continue; the current end when empty.")
    has_more: bool
