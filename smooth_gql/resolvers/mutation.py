"""The Mutation root: bulk writes for the six entities and tool-set restore."""

from __future__ import annotations

import strawberry

from ..context import Context
from ..enums import EntityType as E
from ..services import tool_sets
from ..types.common import from_row
from ..types.tool_assembly import ToolAssembly, ToolAssemblyCreateInput, ToolAssemblyUpdateInput
from ..types.tool_instance import ToolInstance, ToolInstanceCreateInput, ToolInstanceUpdateInput
from ..types.tool_item import ToolItem, ToolItemCreateInput, ToolItemUpdateInput
from ..types.tool_preset import ToolPreset, ToolPresetCreateInput, ToolPresetUpdateInput
from ..types.tool_set import ToolSet, ToolSetCreateInput, ToolSetUpdateInput
from ..types.tool_usage import ToolUsage, ToolUsageCreateInput, ToolUsageUpdateInput
from .accounts import AccountMutation
from .backup import BackupMutation
from .factories import create, delete, update
from .item_csv import ItemCsvMutation
from .tool_library import ToolLibraryMutation
from .tool_table import ToolTableMutation
from .trusted_documents import TrustedDocumentMutation

Info = strawberry.Info[Context, None]


@strawberry.type
class Mutation(
    AccountMutation,
    BackupMutation,
    ToolTableMutation,
    ToolLibraryMutation,
    ItemCsvMutation,
    TrustedDocumentMutation,
):
    create_tool_items = create(E.TOOL_ITEM, ToolItem, ToolItemCreateInput)
    update_tool_items = update(E.TOOL_ITEM, ToolItem, ToolItemUpdateInput)
    delete_tool_items = delete(E.TOOL_ITEM, ToolItem)
    create_tool_assemblies = create(E.TOOL_ASSEMBLY, ToolAssembly, ToolAssemblyCreateInput)
    update_tool_assemblies = update(E.TOOL_ASSEMBLY, ToolAssembly, ToolAssemblyUpdateInput)
    delete_tool_assemblies = delete(E.TOOL_ASSEMBLY, ToolAssembly)
    create_tool_instances = create(E.TOOL_INSTANCE, ToolInstance, ToolInstanceCreateInput)
    update_tool_instances = update(E.TOOL_INSTANCE, ToolInstance, ToolInstanceUpdateInput)
    delete_tool_instances = delete(E.TOOL_INSTANCE, ToolInstance)
    create_tool_presets = create(E.TOOL_PRESET, ToolPreset, ToolPresetCreateInput)
    update_tool_presets = update(E.TOOL_PRESET, ToolPreset, ToolPresetUpdateInput)
    delete_tool_presets = delete(E.TOOL_PRESET, ToolPreset)
    create_tool_usages = create(E.TOOL_USAGE, ToolUsage, ToolUsageCreateInput)
    update_tool_usages = update(E.TOOL_USAGE, ToolUsage, ToolUsageUpdateInput)
    delete_tool_usages = delete(E.TOOL_USAGE, ToolUsage)
    create_tool_sets = create(E.TOOL_SET, ToolSet, ToolSetCreateInput)
    update_tool_sets = update(E.TOOL_SET, ToolSet, ToolSetUpdateInput)
    delete_tool_sets = delete(E.TOOL_SET, ToolSet)

    @strawberry.mutation(
        description="Bring a tool set back to an earlier version, stored as a new version; "
        "idempotencyKey: a retry with the same key returns the first result without restoring again."
    )
    async def restore_tool_set_version(
        self, info: Info, tool_set_id: strawberry.ID, version: int, idempotency_key: str | None = None
    ) -> ToolSet:
        ctx = info.context
        row = await tool_sets.restore(
            ctx.runtime, ctx.principal, tool_set_id, version, idempotency_key=idempotency_key
        )
        return from_row(ToolSet, row)
