"""The Query root."""

from __future__ import annotations

import strawberry

from ..changes import cursor, feed
from ..context import Context
from ..enums import EntityType
from ..enums import EntityType as E
from ..services import audit, tool_sets
from ..types.changes import Change, ChangesPage
from ..types.common import PageInfo
from ..types.history import (
    AuditEntry,
    AuditEntryConnection,
    AuditEntryEdge,
    AuditLogFilter,
    ToolSetComparison,
    ToolSetFieldDifference,
    ToolSetVersion,
)
from ..types.tool_assembly import ToolAssembly, ToolAssemblyFilter, ToolAssemblyOrder
from ..types.tool_instance import ToolInstance, ToolInstanceFilter, ToolInstanceOrder
from ..types.tool_item import ToolItem, ToolItemFilter, ToolItemOrder
from ..types.tool_preset import ToolPreset, ToolPresetFilter, ToolPresetOrder
from ..types.tool_set import ToolSet, ToolSetFilter, ToolSetOrder
from ..types.tool_usage import ToolUsage, ToolUsageFilter, ToolUsageOrder
from .accounts import AccountQuery
from .backup import BackupQuery
from .factories import listing, lookup
from .item_csv import ItemCsvQuery
from .tool_library import ToolLibraryQuery
from .tool_table import ToolTableQuery
from .trusted_documents import TrustedDocumentQuery

Info = strawberry.Info[Context, None]


@strawberry.type
class Query(AccountQuery, BackupQuery, ToolTableQuery, ToolLibraryQuery, ItemCsvQuery, TrustedDocumentQuery):
    tool_item = lookup(E.TOOL_ITEM, ToolItem)
    tool_items = listing(E.TOOL_ITEM, ToolItem, ToolItemFilter, ToolItemOrder)
    tool_assembly = lookup(E.TOOL_ASSEMBLY, ToolAssembly)
    tool_assemblies = listing(E.TOOL_ASSEMBLY, ToolAssembly, ToolAssemblyFilter, ToolAssemblyOrder)
    tool_instance = lookup(E.TOOL_INSTANCE, ToolInstance)
    tool_instances = listing(E.TOOL_INSTANCE, ToolInstance, ToolInstanceFilter, ToolInstanceOrder)
    tool_preset = lookup(E.TOOL_PRESET, ToolPreset)
    tool_presets = listing(E.TOOL_PRESET, ToolPreset, ToolPresetFilter, ToolPresetOrder)
    tool_usage = lookup(E.TOOL_USAGE, ToolUsage)
    tool_usages = listing(E.TOOL_USAGE, ToolUsage, ToolUsageFilter, ToolUsageOrder)
    tool_set = lookup(E.TOOL_SET, ToolSet)
    tool_sets = listing(E.TOOL_SET, ToolSet, ToolSetFilter, ToolSetOrder)

    @strawberry.field(description="Versions of a tool set, newest first, led by the live one.")
    async def tool_set_history(self, info: Info, tool_set_id: strawberry.ID) -> list[ToolSetVersion]:
        ctx = info.context
        return [
            ToolSetVersion.of(v) for v in await tool_sets.history(ctx.runtime, ctx.principal, tool_set_id)
        ]

    @strawberry.field
    async def tool_set_version(self, info: Info, tool_set_id: strawberry.ID, version: int) -> ToolSetVersion:
        ctx = info.context
        return ToolSetVersion.of(await tool_sets.version(ctx.runtime, ctx.principal, tool_set_id, version))

    @strawberry.field(description="Fields that differ between two versions (the live one included).")
    async def compare_tool_set_versions(
        self, info: Info, tool_set_id: strawberry.ID, version_a: int, version_b: int
    ) -> ToolSetComparison:
        ctx = info.context
        differences = await tool_sets.compare(ctx.runtime, ctx.principal, tool_set_id, version_a, version_b)
        return ToolSetComparison(
            tool_set_id=tool_set_id,
            version_a=version_a,
            version_b=version_b,
            differences=[ToolSetFieldDifference.of(d) for d in differences],
            total_changes=len(differences),
        )

    @strawberry.field(description="Committed changes after a cursor, oldest first; deletes included.")
    async def changes_since(
        self,
        info: Info,
        after: str | None = None,
        entity_types: list[EntityType] | None = None,
        first: int = 100,
    ) -> ChangesPage:
        ctx = info.context
        start = None if after is None else cursor.decode(after)
        page = await feed.read(ctx.runtime, ctx.principal, start, entity_types, first)
        return ChangesPage(
            changes=[Change.of(row, ctx.loaders) for row in page.rows],
            end_cursor=cursor.encode(page.end_seq),
            has_more=page.has_more,
        )

    @strawberry.field(description="Audit entries, newest first.")
    async def audit_log(
        self,
        info: Info,
        filter: AuditLogFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> AuditEntryConnection:
        ctx = info.context
        query = audit.AuditQuery(**vars(filter)) if filter is not None else audit.AuditQuery()
        rows, cursors, has_next = await audit.page(
            ctx.runtime, ctx.principal, query, first=first, after=after
        )
        fields = AuditEntry.__annotations__
        return AuditEntryConnection(
            edges=[
                AuditEntryEdge(node=AuditEntry(**{k: row[k] for k in fields}), cursor=c)
                for row, c in zip(rows, cursors, strict=True)
            ],
            page_info=PageInfo(
                has_next_page=has_next,
                has_previous_page=after is not None,
                start_cursor=cursors[0] if cursors else None,
                end_cursor=cursors[-1] if cursors else None,
            ),
        )
