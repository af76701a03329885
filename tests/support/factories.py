"""Small builders of tool data, through the public GraphQL API."""

from __future__ import annotations

from typing import Any

from conftest import Api

CREATE = {
    "ToolItem": ("createToolItems", "ToolItemCreateInput"),
    "ToolAssembly": ("createToolAssemblies", "ToolAssemblyCreateInput"),
    "ToolInstance": ("createToolInstances", "ToolInstanceCreateInput"),
    "ToolPreset": ("createToolPresets", "ToolPresetCreateInput"),
    "ToolUsage": ("createToolUsages", "ToolUsageCreateInput"),
    "ToolSet": ("createToolSets", "ToolSetCreateInput"),
}


async def create(
    api: Api, entity: str, inputs: list[dict[str, Any]], *, atomic: bool = False
) -> dict[str, Any]:
    """Run a bulk create; return the whole bulk result."""
    mutation, input_type = CREATE[entity]
    query = f"""
    mutation($input: [{input_type}!]!, $atomic: Boolean!) {{
      result: {mutation}(input: $input, atomic: $atomic) {{
        successCount errorCount
        results {{ id version }}
        errors {{ index id code message field }}
      }}
    }}"""
    data = await api.gql(query, {"input": inputs, "atomic": atomic})
    return data["result"]  # type: ignore[no-any-return]


async def create_ok(api: Api, entity: str, inputs: list[dict[str, Any]]) -> list[str]:
    """Create rows that must all succeed; return their ids in input order."""
    result = await create(api, entity, inputs)
    assert result["errorCount"] == 0, result["errors"]
    return [r["id"] for r in result["results"]]


async def item(api: Api, **fields: Any) -> str:
    [item_id] = await create_ok(
        api, "ToolItem", [{"name": "10 mm end mill", "category": "CUTTING_TOOL", **fields}]
    )
    return item_id


async def machine_setup(api: Api, presets: int, machine: str = "mill-1") -> list[str]:
    """`presets` presets on one machine, each with an instance of an assembly of two items."""
    items = await create_ok(
        api,
        "ToolItem",
        [
            {"name": f"item {i}", "category": "HOLDER" if i % 2 == 0 else "CUTTING_TOOL"}
            for i in range(2 * presets)
        ],
    )
    assemblies = await create_ok(
        api,
        "ToolAssembly",
        [
            {"name": f"assembly {i}", "holderId": items[2 * i], "cutterId": items[2 * i + 1]}
            for i in range(presets)
        ],
    )
    instances = await create_ok(
        api,
        "ToolInstance",
        [{"serialNumber": f"{machine}-SN{i}", "toolAssemblyId": a} for i, a in enumerate(assemblies)],
    )
    return await create_ok(
        api,
        "ToolPreset",
        [
            {"name": f"T{i + 1}", "machineId": machine, "toolNumber": i + 1, "toolInstanceId": inst}
            for i, inst in enumerate(instances)
        ],
    )
