"""Every relation and back-reference of the graph resolves, and resolves in batches."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import text

from conftest import Api, StatementCounter
from support.factories import create_ok, machine_setup

START = "2024-06-01T08:00:00+00:00"


async def build_graph(api: Api, tag: str = "") -> dict[str, str]:
    """A small shop: items (one copied from another), two assemblies, three
    instances, three presets, two usages and two tool sets. Rows are created one
    request at a time where creation order is asserted."""
    g: dict[str, str] = {}
    g["parent"], g["holder"], g["cutter"], g["insert"] = await create_ok(
        api,
        "ToolItem",
        [
            {"name": f"parent{tag}", "category": "CUTTING_TOOL"},
            {"name": f"holder{tag}", "category": "HOLDER"},
            {"name": f"cutter{tag}", "category": "CUTTING_TOOL"},
            {"name": f"insert{tag}", "category": "INSERT"},
        ],
    )
    [g["child"]] = await create_ok(api, "ToolItem", [{"name": f"child{tag}", "parentToolId": g["parent"]}])
    [g["full"]] = await create_ok(
        api,
        "ToolAssembly",
        [
            {
                "name": f"full{tag}",
                "components": [
                    # listed out of position order; the same insert twice
                    {"itemId": g["cutter"], "role": "CUTTER", "position": 1, "gaugeOffset": 55.5},
                    {"itemId": g["holder"], "role": "HOLDER", "position": 0, "gaugeOffset": 12.25},
                    {"itemId": g["insert"], "role": "INSERT", "position": 3},
                    {"itemId": g["insert"], "role": "INSERT", "position": 2},
                ],
            }
        ],
    )
    [g["bare"]] = await create_ok(api, "ToolAssembly", [{"name": f"bare{tag}", "holderId": g["holder"]}])
    for name, fields in (
        ("inst1", {"toolItemId": g["child"], "toolAssemblyId": g["full"]}),
        ("inst2", {"toolAssemblyId": g["full"]}),
        ("inst3", {"toolItemId": g["child"]}),
    ):
        [g[name]] = await create_ok(api, "ToolInstance", [{"serialNumber": f"{name}{tag}", **fields}])
    g["p1"], g["p2"], g["p3"] = await create_ok(
        api,
        "ToolPreset",
        [
            {"name": f"T1{tag}", "machineId": f"mill-1{tag}", "toolNumber": 1, "toolInstanceId": g["inst1"]},
            {
                "name": f"T1 on mill-2{tag}",
                "machineId": f"mill-2{tag}",
                "toolNumber": 1,
                "toolInstanceId": g["inst1"],
            },
            {"name": f"T2{tag}", "machineId": f"mill-1{tag}", "toolNumber": 2, "toolInstanceId": g["inst2"]},
        ],
    )
    g["u1"], g["u2"] = await create_ok(
        api,
        "ToolUsage",
        [
            {
                "startTime": START,
                "presetId": g["p1"],
                "programName": "O1",
            },  # instance and machine from the preset
            {"startTime": START, "toolInstanceId": g["inst3"], "machineId": "lathe-1"},
        ],
    )
    g["s1"], g["s2"] = await create_ok(
        api,
        "ToolSet",
        [
            {
                "name": f"S1{tag}",
                "type": "MACHINE_SETUP",
                "toolInstanceIds": [g["inst3"], g["inst1"], g["inst2"]],
                "toolPresetIds": [g["p3"], g["p1"]],
            },
            {"name": f"S2{tag}", "type": "TEMPLATE", "toolInstanceIds": [g["inst1"]]},
        ],
    )
    return g


def ids(rows: list[dict[str, Any]]) -> list[str]:
    return [row["id"] for row in rows]


async def one(api: Api, field: str, row_id: str, selection: str) -> dict[str, Any]:
    data = await api.gql(f"query($id: ID!) {{ row: {field}(id: $id) {{ {selection} }} }}", {"id": row_id})
    assert data["row"] is not None
    return data["row"]  # type: ignore[no-any-return]


async def test_tool_item_parent_assemblies_and_instances(api: Api) -> None:
    g = await build_graph(api)
    selection = "id parentToolId parentTool { id name } assemblies { id } instances { id }"

    child = await one(api, "toolItem", g["child"], selection)
    assert child["parentToolId"] == g["parent"]
    assert child["parentTool"] == {"id": g["parent"], "name": "parent"}
    assert ids(child["instances"]) == [g["inst1"], g["inst3"]], "instances in creation order"
    assert child["assemblies"] == []

    parent = await one(api, "toolItem", g["parent"], selection)
    assert parent["parentTool"] is None
    assert parent["instances"] == [] and parent["assemblies"] == []

    holder = await one(api, "toolItem", g["holder"], selection)
    assert set(ids(holder["assemblies"])) == {g["full"], g["bare"]}
    assert len(holder["assemblies"]) == 2

    insert = await one(api, "toolItem", g["insert"], selection)
    assert ids(insert["assemblies"]) == [g["full"]], "an item used twice in one assembly lists it once"


async def test_tool_assembly_components_holder_cutter_and_instances(api: Api) -> None:
    g = await build_graph(api)
    selection = """
      components { itemId role position gaugeOffset item { id name } }
      holder { id } cutter { id } instances { id }"""

    full = await one(api, "toolAssembly", g["full"], selection)
    assert full["components"] == [
        {
            "itemId": g["holder"],
            "role": "HOLDER",
            "position": 0,
            "gaugeOffset": 12.25,
            "item": {"id": g["holder"], "name": "holder"},
        },
        {
            "itemId": g["cutter"],
            "role": "CUTTER",
            "position": 1,
            "gaugeOffset": 55.5,
            "item": {"id": g["cutter"], "name": "cutter"},
        },
        {
            "itemId": g["insert"],
            "role": "INSERT",
            "position": 2,
            "gaugeOffset": None,
            "item": {"id": g["insert"], "name": "insert"},
        },
        {
            "itemId": g["insert"],
            "role": "INSERT",
            "position": 3,
            "gaugeOffset": None,
            "item": {"id": g["insert"], "name": "insert"},
        },
    ]
    assert full["holder"] == {"id": g["holder"]}
    assert full["cutter"] == {"id": g["cutter"]}
    assert ids(full["instances"]) == [g["inst1"], g["inst2"]]

    bare = await one(api, "toolAssembly", g["bare"], selection)
    assert bare["components"] == [
        {
            "itemId": g["holder"],
            "role": "HOLDER",
            "position": 0,
            "gaugeOffset": None,
            "item": {"id": g["holder"], "name": "holder"},
        },
    ]
    assert bare["holder"] == {"id": g["holder"]}
    assert bare["cutter"] is None
    assert bare["instances"] == []


async def test_replacing_components_changes_what_the_assembly_resolves(api: Api) -> None:
    g = await build_graph(api)
    data = await api.gql(
        """mutation($input: [ToolAssemblyUpdateInput!]!) {
          updateToolAssemblies(input: $input) { successCount results { holder { id } cutter { id } components { role } } }
        }""",
        {
            "input": [
                {
                    "id": g["bare"],
                    "expectedVersion": 1,
                    "components": [{"itemId": g["cutter"], "role": "CUTTER"}],
                }
            ]
        },
    )
    [result] = data["updateToolAssemblies"]["results"]
    assert result == {"holder": None, "cutter": {"id": g["cutter"]}, "components": [{"role": "CUTTER"}]}
    holder = await one(api, "toolItem", g["holder"], "assemblies { id }")
    assert ids(holder["assemblies"]) == [g["full"]]


async def test_tool_instance_item_assembly_presets_usages_and_sets(api: Api) -> None:
    g = await build_graph(api)
    selection = "toolItem { id } toolAssembly { id } presets { id } usages { id } toolSets { id }"

    inst1 = await one(api, "toolInstance", g["inst1"], selection)
    assert inst1["toolItem"] == {"id": g["child"]}
    assert inst1["toolAssembly"] == {"id": g["full"]}
    assert set(ids(inst1["presets"])) == {g["p1"], g["p2"]} and len(inst1["presets"]) == 2
    assert ids(inst1["usages"]) == [g["u1"]], "a usage logged against a preset belongs to its instance"
    assert set(ids(inst1["toolSets"])) == {g["s1"], g["s2"]} and len(inst1["toolSets"]) == 2

    inst2 = await one(api, "toolInstance", g["inst2"], selection)
    assert inst2["toolItem"] is None
    assert inst2["toolAssembly"] == {"id": g["full"]}
    assert ids(inst2["presets"]) == [g["p3"]]
    assert inst2["usages"] == []
    assert ids(inst2["toolSets"]) == [g["s1"]]

    inst3 = await one(api, "toolInstance", g["inst3"], selection)
    assert inst3["toolItem"] == {"id": g["child"]}
    assert inst3["toolAssembly"] is None
    assert inst3["presets"] == []
    assert ids(inst3["usages"]) == [g["u2"]]
    assert ids(inst3["toolSets"]) == [g["s1"]]


async def test_tool_preset_instance_usages_and_sets(api: Api) -> None:
    g = await build_graph(api)
    selection = "toolInstanceId toolInstance { id serialNumber } usages { id } toolSets { id }"

    p1 = await one(api, "toolPreset", g["p1"], selection)
    assert p1["toolInstanceId"] == g["inst1"]
    assert p1["toolInstance"] == {"id": g["inst1"], "serialNumber": "inst1"}
    assert ids(p1["usages"]) == [g["u1"]]
    assert ids(p1["toolSets"]) == [g["s1"]]

    p2 = await one(api, "toolPreset", g["p2"], selection)
    assert p2["toolInstance"] == {"id": g["inst1"], "serialNumber": "inst1"}
    assert p2["usages"] == [] and p2["toolSets"] == []

    p3 = await one(api, "toolPreset", g["p3"], selection)
    assert ids(p3["toolSets"]) == [g["s1"]]


async def test_tool_usage_instance_and_preset(api: Api) -> None:
    g = await build_graph(api)
    selection = "toolInstanceId presetId machineId toolInstance { id } preset { id machineId }"

    from_preset = await one(api, "toolUsage", g["u1"], selection)
    assert from_preset == {
        "toolInstanceId": g["inst1"],
        "presetId": g["p1"],
        "machineId": "mill-1",
        "toolInstance": {"id": g["inst1"]},
        "preset": {"id": g["p1"], "machineId": "mill-1"},
    }

    direct = await one(api, "toolUsage", g["u2"], selection)
    assert direct == {
        "toolInstanceId": g["inst3"],
        "presetId": None,
        "machineId": "lathe-1",
        "toolInstance": {"id": g["inst3"]},
        "preset": None,
    }


async def test_tool_set_members_resolve_in_the_order_given(api: Api) -> None:
    g = await build_graph(api)
    selection = "toolInstances { id } toolPresets { id }"

    s1 = await one(api, "toolSet", g["s1"], selection)
    assert ids(s1["toolInstances"]) == [g["inst3"], g["inst1"], g["inst2"]]
    assert ids(s1["toolPresets"]) == [g["p3"], g["p1"]]
    s2 = await one(api, "toolSet", g["s2"], selection)
    assert ids(s2["toolInstances"]) == [g["inst1"]]
    assert s2["toolPresets"] == []

    data = await api.gql(
        """mutation($input: [ToolSetUpdateInput!]!) {
          updateToolSets(input: $input) { successCount results { toolInstances { id } toolPresets { id } } }
        }""",
        {"input": [{"id": g["s1"], "expectedVersion": 1, "toolInstanceIds": [g["inst2"], g["inst3"]]}]},
    )
    [result] = data["updateToolSets"]["results"]
    assert ids(result["toolInstances"]) == [g["inst2"], g["inst3"]]
    assert ids(result["toolPresets"]) == [g["p3"], g["p1"]], "membership not named in the update is kept"
    inst1 = await one(api, "toolInstance", g["inst1"], "toolSets { id }")
    assert ids(inst1["toolSets"]) == [g["s2"]]


async def test_a_deep_query_walks_down_and_back_up(api: Api) -> None:
    g = await build_graph(api)
    data = await api.gql(
        """query($id: ID!) { toolSet(id: $id) {
             toolPresets { name toolInstance { toolAssembly { components { item { name assemblies { name } } } } } }
             toolInstances { serialNumber toolItem { parentTool { name instances { serialNumber } } } }
        } }""",
        {"id": g["s1"]},
    )
    s1 = data["toolSet"]
    t2 = s1["toolPresets"][0]
    assert t2["name"] == "T2"
    [holder, *_] = t2["toolInstance"]["toolAssembly"]["components"]
    assert holder["item"]["name"] == "holder"
    assert sorted(a["name"] for a in holder["item"]["assemblies"]) == ["bare", "full"]
    assert [i["serialNumber"] for i in s1["toolInstances"]] == ["inst3", "inst1", "inst2"]
    assert s1["toolInstances"][0]["toolItem"]["parentTool"] == {"name": "parent", "instances": []}
    assert s1["toolInstances"][2]["toolItem"] is None


# --- batching ------------------------------------------------------------------------------

NESTED_INSTANCES = """
{ toolInstances(first: 50) { edges { node {
    serialNumber
    toolAssembly { components { role item { name } } }
} } } }"""


async def test_nested_instance_query_costs_the_same_statements_for_5_and_50_instances(api: Api) -> None:
    counter = StatementCounter(api.engine)

    await machine_setup(api, 5, machine="small")
    counter.reset()
    small = (await api.gql(NESTED_INSTANCES))["toolInstances"]["edges"]
    small_count = counter.count

    await machine_setup(api, 45, machine="large")
    counter.reset()
    large = (await api.gql(NESTED_INSTANCES))["toolInstances"]["edges"]
    large_count = counter.count

    assert len(small) == 5 and len(large) == 50
    for edge in large:
        components = edge["node"]["toolAssembly"]["components"]
        assert [c["role"] for c in components] == ["HOLDER", "CUTTER"]
        assert all(c["item"]["name"].startswith("item ") for c in components)
    assert small_count == large_count, counter.statements
    # page, assemblies, components, items: one statement per level
    assert large_count == 4, counter.statements


EVERY_RELATION = """
{ toolSets(first: 1000) { edges { node {
    name
    toolPresets { name usages { id } toolSets { id } toolInstance { id } }
    toolInstances {
      serialNumber presets { name } toolSets { name }
      usages { machineId preset { name } toolInstance { id } }
      toolItem { name parentTool { name } assemblies { name } instances { id } }
      toolAssembly { name holder { name } cutter { name } instances { id } components { role item { name } } }
    }
} } } }"""


# Every relation at once, unpaged lists three deep: its static cost (31,503,002) is far over the
# default SMOOTH_MAX_QUERY_COST, which is not what this test is about.
# Budgets off: two such operations are over the default points per minute.
@pytest.mark.settings(max_query_cost=10**9, points_per_minute=0)
async def test_every_relation_is_batched_whatever_the_number_of_rows(api: Api) -> None:
    counter = StatementCounter(api.engine)

    async def run(expected_sets: int) -> int:
        counter.reset()
        sets = (await api.gql(EVERY_RELATION))["toolSets"]["edges"]
        assert len(sets) == expected_sets
        for node in (s["node"] for s in sets if s["node"]["name"].startswith("S1")):
            assert len(node["toolInstances"]) == 3 and len(node["toolPresets"]) == 2
            assert node["toolInstances"][1]["toolAssembly"]["cutter"]["name"].startswith("cutter")
        return counter.count

    await build_graph(api, tag="-0")
    one_graph = await run(2)
    for n in range(1, 4):
        await build_graph(api, tag=f"-{n}")
    four_graphs = await run(8)
    assert one_graph == four_graphs, counter.statements


async def test_the_statement_counter_leaves_out_the_apps_background_tasks(api: Api) -> None:
    """The counts above are the request's own: a statement of the change-log tail's task (its
    idle probe may land inside a measured request) is not counted; one of the test's is."""
    counter = StatementCounter(api.engine)

    async def probe() -> None:
        async with api.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    await asyncio.create_task(probe(), name="smooth-gql change-log tail")
    assert counter.count == 0, counter.statements
    await probe()
    assert counter.count == 1, counter.statements
