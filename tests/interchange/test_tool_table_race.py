"""A preset edited through GraphQL while an import runs (issue 16): never overwritten.

The interleaving is driven, not hoped for: the import's progress reporter is the seam. It is
called when the plan is made (the presets read, the marker checked) and before anything is
written, and there it edits T1 through GraphQL, as another client would at that moment.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conftest import Api
from smooth_gql.auth.principal import local_admin
from smooth_gql.db.engine import session_factory
from smooth_gql.errors import ItemErrorCode
from smooth_gql.interchange import tool_table
from smooth_gql.interchange.plans import Progress
from smooth_gql.runtime import Runtime

SIM = (Path(__file__).parent / "data/linuxcnc/samples/sim/axis/sim.tbl").read_text(encoding="utf-8")
IMPORT = """mutation($c: String!) { importToolTable(machineId: "mill", format: LINUXCNC, content: $c)
  { applied } }"""
EXPORT = '{ toolTable(machineId: "mill", format: LINUXCNC) }'
PRESETS = """{ toolPresets(filter: {machineId: "mill"}, first: 100) {
  edges { node { id toolNumber version description offsets } } } }"""
EDIT = """mutation($id: ID!, $v: Int!) { updateToolPresets(input: [{id: $id, expectedVersion: $v,
  description: "reground"}]) { errorCount } }"""


async def presets(api: Api) -> dict[int, dict[str, Any]]:
    data = await api.gql(PRESETS)
    return {e["node"]["toolNumber"]: e["node"] for e in data["toolPresets"]["edges"]}


def editing_t1(api: Api) -> tuple[list[str], Any]:
    """A reporter that edits T1 through GraphQL once the plan is made; and the phases it heard
    ("<phase> <count>")."""
    phases: list[str] = []

    async def report(step: Progress) -> None:
        phases.append(f"{step.phase} {step.count}")
        if step.phase == "plan":
            t1 = (await presets(api))[1]
            assert (await api.gql(EDIT, {"id": t1["id"], "v": t1["version"]}))["updateToolPresets"][
                "errorCount"
            ] == 0

    return phases, report


async def test_an_edit_between_plan_and_write_is_a_version_conflict(api: Api) -> None:
    assert (await api.gql(IMPORT, {"c": SIM}))["importToolTable"]["applied"]
    table = (await api.gql(EXPORT))["toolTable"]
    edited = table.replace("Z+0.511000", "Z+0.520000").replace("Z+1.273000", "Z+1.300000")
    runtime = Runtime(session_factory(api.engine), api.settings)
    fmt = tool_table.ToolTableFormat.LINUXCNC

    dry = await tool_table.import_table(runtime, local_admin(), "mill", fmt, edited, dry_run=True)
    assert dry.errors == [] and [s.tool_number for s in dry.plan if s.action.value == "UPDATE"] == [1, 3]

    phases, report = editing_t1(api)
    result = await tool_table.import_table(runtime, local_admin(), "mill", fmt, edited, report=report)
    assert phases == ["parse 5", "read 5", "plan 5", "write 0"]  # the update batch was refused whole
    assert not result.applied and result.written == []
    [conflict] = result.errors
    assert (conflict.code, conflict.line, conflict.tool_number) == (ItemErrorCode.VERSION_CONFLICT, 2, 1)
    assert conflict.current_version == 2 and conflict.current is not None
    assert conflict.current["description"] == "reground"
    after = await presets(api)
    assert after[1]["offsets"] == {"z": 0.511} and after[1]["description"] == "reground"
    assert after[3]["offsets"] == {"z": 1.273}  # atomic: T3 waits for the file to be redone

    # The same file again: the edit is now one its marker tells of, refused before the write.
    again = await tool_table.import_table(runtime, local_admin(), "mill", fmt, edited)
    assert [(e.tool_number, e.current_version) for e in again.errors] == [(1, 2)]
    assert "changed since the export" in again.errors[0].message


async def test_overwrite_still_never_writes_over_an_edit_made_during_the_import(api: Api) -> None:
    assert (await api.gql(IMPORT, {"c": SIM}))["importToolTable"]["applied"]
    hand_written = SIM.replace("Z0.511", "Z0.6").replace("Z1.273", "Z1.3")
    runtime = Runtime(session_factory(api.engine), api.settings)
    fmt = tool_table.ToolTableFormat.LINUXCNC
    phases, report = editing_t1(api)
    result = await tool_table.import_table(
        runtime, local_admin(), "mill", fmt, hand_written, overwrite=True, atomic=False, report=report
    )
    assert phases == ["parse 5", "read 5", "plan 5", "write 1"]  # one batch: the updates, T3 of them
    assert result.applied and [row["tool_number"] for row in result.written] == [3]
    [conflict] = result.errors
    assert conflict.code is ItemErrorCode.VERSION_CONFLICT and conflict.tool_number == 1
    assert conflict.message.startswith("line 1: T1: ") and conflict.current_version == 2
    after = await presets(api)
    assert after[1]["offsets"] == {"z": 0.511} and after[1]["description"] == "reground"
    assert after[3]["offsets"] == {"z": 1.3}
