"""Tool-set versions, their differences, and audit entries."""

from __future__ import annotations

from datetime import datetime
from typing import cast

import strawberry
from strawberry.scalars import JSON

from ..services.tool_sets import FieldDifference, SetVersion
from .common import PageInfo


@strawberry.type(description="A tool set's state at one version.")
class ToolSetVersion:
    version: int
    changed_at: datetime
    changed_by: strawberry.ID
    change_summary: str | None
    is_current: bool = strawberry.field(
        description="True for the live state, which is not a stored snapshot."
    )
    snapshot: JSON

    @classmethod
    def of(cls, entry: SetVersion) -> ToolSetVersion:
        return cls(
            version=entry.version,
            changed_at=entry.changed_at,
            changed_by=strawberry.ID(entry.changed_by),
            change_summary=entry.change_summary,
            is_current=entry.is_current,
            snapshot=cast(JSON, dict(entry.snapshot)),
        )


@strawberry.type
class ToolSetFieldDifference:
    field: str
    value_a: JSON | None
    value_b: JSON | None

    @classmethod
    def of(cls, difference: FieldDifference) -> ToolSetFieldDifference:
        return cls(field=difference.field, value_a=difference.value_a, value_b=difference.value_b)


@strawberry.type
class ToolSetComparison:
    tool_set_id: strawberry.ID
    version_a: int
    version_b: int
    differences: list[ToolSetFieldDifference]
    total_changes: int


@strawberry.type(description="One element of one write, as it happened; immutable.")
class AuditEntry:
    id: strawberry.ID
    user_id: strawberry.ID
    owner_id: strawberry.ID | None
    timestamp: datetime
    operation: str
    entity_type: str
    entity_id: str
    changes: JSON | None
    result: str
    error_message: str | None


@strawberry.type
class AuditEntryEdge:
    node: AuditEntry
    cursor: str


@strawberry.type
class AuditEntryConnection:
    edges: list[AuditEntryEdge]
    page_info: PageInfo


@strawberry.input
class AuditLogFilter:
    entity_type: str | None = None
    entity_id: str | None = None
    operation: str | None = None
    result: str | None = None
    user_id: strawberry.ID | None = None
    since: datetime | None = None
    until: datetime | None = None
