"""Another client of a served smooth-gql, for the web front end's browser tests: plain httpx
with its own session cookie, making the data the page then shows (or changing it under it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from support.serve_process import ServeProcess


@dataclass
class Shop:
    """Another client of the same server: plain httpx with its own session cookie."""

    server: ServeProcess
    client: httpx.AsyncClient

    async def gql(self, query: str, **variables: Any) -> Any:
        response = await self.client.post(
            f"{self.server.base_url}/graphql", json={"query": query, "variables": variables}
        )
        body = response.json()
        assert response.status_code == 200 and "errors" not in body, body
        return body["data"]

    async def sign_in(self, email: str, password: str) -> None:
        await self.gql(
            "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { id } }",
            e=email,
            p=password,
        )

    async def tool(self, machine: str, number: int, name: str) -> str:
        """A holder and cutter, their assembly, an instance and a preset T<number>: the preset's id."""
        items = await self.gql(
            """mutation($h: String!, $c: String!) { createToolItems(input: [{name: $h, category: HOLDER},
               {name: $c, category: CUTTING_TOOL}], atomic: true) { results { id } } }""",
            h=f"{name} holder",
            c=f"{name} cutter",
        )
        holder, cutter = (r["id"] for r in items["createToolItems"]["results"])
        assembly = await self.gql(
            """mutation($n: String!, $h: ID!, $c: ID!) { createToolAssemblies(input: [{name: $n,
               holderId: $h, cutterId: $c}], atomic: true) { results { id } } }""",
            n=f"{name} assembly",
            h=holder,
            c=cutter,
        )
        instance = await self.gql(
            """mutation($s: String!, $a: ID!) { createToolInstances(input: [{serialNumber: $s,
               toolAssemblyId: $a}], atomic: true) { results { id } } }""",
            s=f"SN-{number}",
            a=assembly["createToolAssemblies"]["results"][0]["id"],
        )
        preset = await self.gql(
            """mutation($n: String!, $m: String!, $t: Int!, $i: ID!) { createToolPresets(input: [{name: $n,
               machineId: $m, toolNumber: $t, toolInstanceId: $i}], atomic: true) { results { id } } }""",
            n=name,
            m=machine,
            t=number,
            i=instance["createToolInstances"]["results"][0]["id"],
        )
        preset_id: str = preset["createToolPresets"]["results"][0]["id"]
        return preset_id

    async def rename(self, preset_id: str, name: str) -> None:
        version = await self.gql("query($id: ID!) { toolPreset(id: $id) { version } }", id=preset_id)
        done = await self.gql(
            """mutation($id: ID!, $v: Int!, $n: String!) { updateToolPresets(input: [{id: $id,
               expectedVersion: $v, name: $n}], atomic: true) { errors { message } } }""",
            id=preset_id,
            v=version["toolPreset"]["version"],
            n=name,
        )
        assert done["updateToolPresets"]["errors"] == []

    async def job(self, machine: str) -> tuple[str, str]:
        """A tool (preset, instance, assembly, items), 30 inserts, three days of use, and a tool
        set in two versions naming the preset: the instance's and the set's ids."""
        preset = await self.tool(machine, 4, "Ball mill 8")
        await self.gql(  # enough items for two catalog pages (25 a page)
            "mutation($i: [ToolItemCreateInput!]!) { createToolItems(input: $i, atomic: true) { successCount } }",
            i=[
                {"name": f"Insert {n:02}", "category": "INSERT", "manufacturer": "Sandvik"} for n in range(30)
            ],
        )
        found = await self.gql("query($id: ID!) { toolPreset(id: $id) { toolInstanceId } }", id=preset)
        instance = found["toolPreset"]["toolInstanceId"]
        usages = [
            {"toolInstanceId": instance, "startTime": f"2026-03-0{day}T08:00:00Z", "cutTime": 10.0 * day,
             "cycleCount": {1: 5, 2: 2, 3: 9}[day], "wearMeasurements": {"flankWear": 0.01 * day}}
            for day in (1, 2, 3)
        ]  # fmt: skip
        await self.gql(
            "mutation($u: [ToolUsageCreateInput!]!) { createToolUsages(input: $u, atomic: true) { successCount } }",
            u=usages,
        )
        made = await self.gql(
            """mutation($p: ID!) { createToolSets(input: [{name: "Job 4711", type: JOB_SPECIFIC, toolPresetIds: [$p]}],
               atomic: true) { results { id } } }""",
            p=preset,
        )
        tool_set = made["createToolSets"]["results"][0]["id"]
        await self.gql(
            """mutation($id: ID!) { updateToolSets(input: [{id: $id, expectedVersion: 1, name: "Job 4711 rev B"}],
               atomic: true) { errors { message } } }""",
            id=tool_set,
        )
        return instance, tool_set
