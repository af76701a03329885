"""The nested machine view costs the same number of SQL statements at any size."""

from __future__ import annotations

from conftest import Api, StatementCounter
from support.factories import machine_setup

MACHINE_VIEW = """
query($machine: String!) {
  toolPresets(filter: {machineId: $machine}, first: 1000) {
    totalCount
    edges { node {
      name toolNumber
      toolInstance {
        serialNumber
        toolAssembly {
          name
          holder { name }
          components { role item { name category } }
        }
      }
    } }
  }
}"""


async def _count_statements(api: Api, machine: str) -> tuple[int, dict]:
    counter = StatementCounter(api.engine)
    data = await api.gql(MACHINE_VIEW, {"machine": machine})
    return counter.count, data


async def test_machine_view_statement_count_does_not_grow_with_presets(api: Api) -> None:
    await machine_setup(api, 10, machine="small")
    await machine_setup(api, 400, machine="large")

    small_count, small = await _count_statements(api, "small")
    large_count, large = await _count_statements(api, "large")

    assert small["toolPresets"]["totalCount"] == 10
    assert large["toolPresets"]["totalCount"] == 400
    node = large["toolPresets"]["edges"][399]["node"]
    assert (
        node["toolInstance"]["toolAssembly"]["holder"]["name"]
        == node["toolInstance"]["toolAssembly"]["components"][0]["item"]["name"]
    )
    assert [c["role"] for c in node["toolInstance"]["toolAssembly"]["components"]] == ["HOLDER", "CUTTER"]
    assert small_count == large_count
    # page, count, instances, assemblies, components, items (holder reuses the components batch)
    assert small_count == 6, small_count
