"""`toolTable` / `importToolTable` through GraphQL on SQLite and PostgreSQL (issue 16)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conftest import Api
from smooth_gql.changes import cursor
from support.export_marker import table_body, table_marker

DATA = Path(__file__).parent / "data" / "linuxcnc"
REFUSED = {"sim/axis/gantry/gantry_mm.tbl", "sim/qtvcp_screens/woodpecker/tool.tbl"}
SIM = (DATA / "samples/sim/axis/sim.tbl").read_text(encoding="utf-8")

IMPORT = """
mutation($m: String!, $c: String!, $mode: ImportMode! = MERGE, $dry: Boolean! = false,
         $atomic: Boolean! = true, $units: LengthUnits, $since: String, $overwrite: Boolean! = false) {
  importToolTable(machineId: $m, format: LINUXCNC, content: $c, mode: $mode, dryRun: $dry,
                  atomic: $atomic, units: $units, since: $since, overwrite: $overwrite) {
    dryRun applied successCount errorCount
    plan { toolNumber action line presetId changes { field before after } }
    results { id toolNumber version }
    deleted { id toolNumber }
    errors { line toolNumber code message currentVersion current { id version description } }
  }
}"""
EXPORT = "query($m: String!) { toolTable(machineId: $m, format: LINUXCNC) }"
PRESETS = """query($m: String!) { toolPresets(filter: {machineId: $m}, first: 1000) {
  edges { node { id name toolNumber pocket version description offsets parameters orientation } } } }"""


async def run_import(api: Api, machine: str, content: str, **variables: Any) -> dict[str, Any]:
    data = await api.gql(IMPORT, {"m": machine, "c": content, **variables})
    return data["importToolTable"]  # type: ignore[no-any-return]


async def export(api: Api, machine: str) -> str:
    return (await api.gql(EXPORT, {"m": machine}))["toolTable"]  # type: ignore[no-any-return]


async def presets(api: Api, machine: str) -> dict[int, dict[str, Any]]:
    data = await api.gql(PRESETS, {"m": machine})
    return {e["node"]["toolNumber"]: e["node"] for e in data["toolPresets"]["edges"]}


def actions(result: dict[str, Any]) -> dict[int, str]:
    return {step["toolNumber"]: step["action"] for step in result["plan"]}


async def test_every_sample_imports_and_exports_as_linuxcnc_writes_it(api: Api) -> None:
    samples = sorted(str(p.relative_to(DATA / "samples")) for p in (DATA / "samples").rglob("*.tbl"))
    samples = [s for s in samples if s not in REFUSED]
    assert len(samples) == 37
    for number, sample in enumerate(samples):
        result = await run_import(api, f"m{number}", (DATA / "samples" / sample).read_text(encoding="utf-8"))
        assert result["applied"] and result["errors"] == [], sample
        assert {step["action"] for step in result["plan"]} == {"CREATE"}
    for number, sample in enumerate(samples):
        expected = (DATA / "written-by-linuxcnc" / sample).read_text(encoding="utf-8")
        # Line for line as LinuxCNC writes it, after the marker (a comment LinuxCNC skips).
        body = table_body(await export(api, f"m{number}"))
        assert body.splitlines(keepends=True) == expected.splitlines(keepends=True), sample


async def test_where_the_entries_live(api: Api) -> None:
    await run_import(api, "lathe", "T7 P3 X1.5 Z-2 D0.4 I95 J155 Q1 ;turning tool\n", units="MM")
    [preset] = (await presets(api, "lathe")).values()
    assert preset["name"] == "T7"
    assert preset["pocket"] == 3
    assert preset["description"] == "turning tool"
    assert preset["offsets"] == {"x": 1.5, "z": -2}
    assert preset["parameters"] == {"diameter": 0.4, "tableOrder": 0, "units": "MM"}
    assert preset["orientation"] == {"frontAngle": 95, "backAngle": 155, "orientation": 1}


async def test_merge_updates_only_what_changed_and_keeps_other_keys(api: Api) -> None:
    first = await run_import(api, "mill", SIM)
    assert first["successCount"] == 5
    t1 = (await presets(api, "mill"))[1]
    # A client adds its own keys; a merge must keep them.
    await api.gql(
        """mutation($id: ID!) { updateToolPresets(input: [{id: $id, expectedVersion: 1,
        offsets: {z: 0.511, z_unit: "in"}, parameters: {diameter: 0.125, tableOrder: 0, source: "x"}}])
        { errorCount } }""",
        {"id": t1["id"]},
    )
    changed = SIM.replace("T1 P1 Z0.511", "T1 P1 Z0.6").replace("T2 P2 Z0.1 D0.0625 ;1/16 end mill \n", "")
    changed += "T5 P5 D0.25 ;new\n"
    result = await run_import(api, "mill", changed, overwrite=True)  # a hand-written file: no marker
    assert result["errors"] == [] and result["applied"]
    plan = {step["toolNumber"]: step for step in result["plan"]}
    assert actions(result) == {1: "UPDATE", 3: "UPDATE", 99999: "UPDATE", 4: "UPDATE", 5: "CREATE"}
    assert plan[1]["changes"] == [{"field": "offsets.z", "before": 0.511, "after": 0.6}]
    # T2's line went away: the lines after it moved up (a non-random table keeps file order).
    assert plan[3]["changes"] == [{"field": "parameters.tableOrder", "before": 2, "after": 1}]
    assert plan[1]["line"] == 1 and plan[5]["line"] == 5
    after = await presets(api, "mill")
    assert set(after) == {1, 2, 3, 4, 5, 99999}  # MERGE leaves T2 alone
    assert after[1]["version"] == 3 and after[2]["version"] == 1
    assert after[1]["offsets"] == {"z": 0.6, "z_unit": "in"}
    assert after[1]["parameters"] == {"diameter": 0.125, "tableOrder": 0, "source": "x"}
    again = await run_import(api, "mill", changed)
    assert set(actions(again).values()) == {"UNCHANGED"} and again["successCount"] == 0
    # Audit and change log: one row per written preset, as every other write.
    assert await api.scalar("SELECT count(*) FROM change_log WHERE operation = 'UPDATED'") == 5
    assert await api.scalar("SELECT count(*) FROM change_log WHERE operation = 'CREATED'") == 6


async def test_replace_deletes_what_the_file_no_longer_has(api: Api) -> None:
    await run_import(api, "mill", SIM)
    await run_import(api, "other", "T2 P2 D1\n")
    await api.gql(
        """mutation { createToolPresets(input: [{name: "probe", machineId: "mill"}]) { errorCount } }"""
    )
    result = await run_import(
        api, "mill", "T1 P1 Z0.511 D0.125 ;1/8 end mill \n", mode="REPLACE", overwrite=True
    )
    assert result["errors"] == [] and result["applied"]
    assert actions(result) == {1: "UNCHANGED", 2: "DELETE", 3: "DELETE", 99999: "DELETE", 4: "DELETE"}
    assert sorted(d["toolNumber"] for d in result["deleted"]) == [2, 3, 4, 99999]
    left = await presets(api, "mill")
    assert set(left) == {1, None}  # a preset without a tool number is not a table line: kept
    assert set(await presets(api, "other")) == {2}  # another machine: untouched
    assert await api.scalar("SELECT count(*) FROM change_log WHERE operation = 'DELETED'") == 4


async def test_replace_refuses_a_preset_with_usage_records_and_writes_nothing(api: Api) -> None:
    await run_import(api, "mill", SIM)
    t2 = (await presets(api, "mill"))[2]
    data = await api.gql(
        """mutation { createToolInstances(input: [{serialNumber: "S1"}]) { results { id } } }"""
    )
    instance = data["createToolInstances"]["results"][0]["id"]
    usage = await api.gql(
        """mutation($p: ID!, $i: ID!) { createToolUsages(input: [{presetId: $p, toolInstanceId: $i,
        startTime: "2026-01-01T00:00:00Z"}]) { errorCount errors { message } } }""",
        {"p": t2["id"], "i": instance},
    )
    assert usage["createToolUsages"]["errorCount"] == 0, usage
    before = await api.counts()
    without_t2 = SIM.replace("Z0.511", "Z0.7").replace("T2 P2 Z0.1 D0.0625 ;1/16 end mill \n", "")
    result = await run_import(api, "mill", without_t2 + "T8 P8\n", mode="REPLACE", overwrite=True)
    assert not result["applied"]
    [error] = result["errors"]
    assert error["toolNumber"] == 2 and error["line"] is None and error["code"] == "CONSTRAINT"
    assert error["message"].startswith("T2: ") and "usage" in error["message"].lower()
    assert await api.counts() == before  # atomic: neither the update of T1 nor the new T8


async def test_dry_run_plans_and_writes_nothing(api: Api) -> None:
    await run_import(api, "mill", SIM)
    before = await api.counts()
    result = await run_import(api, "mill", "T1 P9 ;moved\nT6 P6\n", mode="REPLACE", dry=True)
    assert result["dryRun"] and not result["applied"] and result["results"] == []
    assert actions(result) == {
        1: "UPDATE",
        6: "CREATE",
        2: "DELETE",
        3: "DELETE",
        99999: "DELETE",
        4: "DELETE",
    }
    t1 = next(step for step in result["plan"] if step["toolNumber"] == 1)
    assert {"field": "pocket", "before": 1, "after": 9} in t1["changes"]
    assert {"field": "description", "before": "1/8 end mill ", "after": "moved"} in t1["changes"]
    assert await api.counts() == before


async def edit_description(api: Api, preset: dict[str, Any], text: str) -> None:
    """Someone else edits a preset through GraphQL."""
    data = await api.gql(
        """mutation($id: ID!, $v: Int!, $d: String) { updateToolPresets(input: [{id: $id,
        expectedVersion: $v, description: $d}]) { errorCount } }""",
        {"id": preset["id"], "v": preset["version"], "d": text},
    )
    assert data["updateToolPresets"]["errorCount"] == 0


async def test_a_row_edited_since_the_export_is_a_version_conflict(api: Api) -> None:
    await run_import(api, "mill", SIM)
    table = await export(api, "mill")
    await edit_description(api, (await presets(api, "mill"))[1], "reground")  # after the export
    edited = table.replace("Z+0.511000 ;1/8 end mill ", "Z+0.520000 ;1/8 end mill ").replace(
        "Z+1.273000", "Z+1.300000"
    )
    before = await api.counts()
    result = await run_import(api, "mill", edited)  # the file's marker says where it came from
    assert not result["applied"]
    [conflict] = result["errors"]
    assert conflict["code"] == "VERSION_CONFLICT" and conflict["currentVersion"] == 2
    assert conflict["line"] == 2 and conflict["message"].startswith("line 2: T1: changed since the export")
    assert conflict["current"]["description"] == "reground" and conflict["current"]["version"] == 2
    assert await api.counts() == before
    # An explicit since stands in for the marker: a cursor from after the edit sees none.
    now = (await api.gql("{ changesSince(first: 0) { endCursor } }"))["changesSince"]["endCursor"]
    assert (await run_import(api, "mill", edited, since=now, dry=True))["errors"] == []
    assert (await run_import(api, "mill", edited, since=table_marker(table), dry=True))["errorCount"] == 1
    # Not atomic: the other lines are written, T1 is not.
    partial = await run_import(api, "mill", edited, atomic=False)
    assert partial["applied"] and [e["toolNumber"] for e in partial["errors"]] == [1]
    after = await presets(api, "mill")
    assert after[1]["description"] == "reground" and after[1]["offsets"] == {"z": 0.511}
    assert after[3]["offsets"] == {"z": 1.3}
    # overwrite: the file wins, over the edit it never saw.
    assert (await run_import(api, "mill", edited, overwrite=True))["errors"] == []
    assert (await presets(api, "mill"))[1]["offsets"] == {"z": 0.52}


async def test_a_file_without_marker_may_only_create_unless_overwrite(api: Api) -> None:
    await run_import(api, "mill", SIM)  # into an empty machine: only creates, no marker needed
    # LinuxCNC rewrote the table after a touch-off: no marker, and T1 and T3 differ.
    rewritten = table_body(await export(api, "mill")).replace("Z+0.511000", "Z+0.530000")
    rewritten = rewritten.replace("Z+1.273000", "Z+1.280000") + "T7   P7   ;new \n"
    result = await run_import(api, "mill", rewritten, mode="REPLACE", dry=True)
    assert actions(result) == {
        1: "UPDATE",
        2: "UNCHANGED",
        3: "UPDATE",
        99999: "UNCHANGED",
        4: "UNCHANGED",
        7: "CREATE",
    }
    assert [(e["toolNumber"], e["code"]) for e in result["errors"]] == [
        (1, "VERSION_CONFLICT"),
        (3, "VERSION_CONFLICT"),
    ]
    assert result["errors"][0]["message"] == (
        "line 1: T1: the file has no export marker, so an edit made since it was written cannot be "
        "told apart (now version 1); export again, or pass overwrite to let the file win"
    )
    assert result["errors"][0]["current"]["version"] == 1
    assert not (await run_import(api, "mill", rewritten))["applied"]  # atomic: not even T7
    partial = await run_import(api, "mill", rewritten, atomic=False)  # T7 only
    assert partial["applied"] and [r["toolNumber"] for r in partial["results"]] == [7]
    assert len(partial["errors"]) == 2
    # REPLACE deletes are refused the same way without a marker.
    short = await run_import(api, "mill", "T1 P1 Z0.511 D0.125 ;1/8 end mill \n", mode="REPLACE")
    assert {e["toolNumber"] for e in short["errors"]} == {2, 3, 99999, 4, 7}
    assert short["errors"][0]["line"] is None and short["errors"][0]["message"].startswith(
        "T2: the file has no"
    )
    assert len(await presets(api, "mill")) == 6
    # overwrite: the shop says the file wins.
    won = await run_import(api, "mill", rewritten, overwrite=True)
    assert won["applied"] and won["errors"] == [] and won["successCount"] == 2
    assert (await presets(api, "mill"))[1]["offsets"] == {"z": 0.53}


async def test_a_bad_or_foreign_marker_and_since_with_overwrite_are_refused(api: Api) -> None:
    result = await run_import(api, "mill", "; smooth-gql export nope\nT1 P1\n")
    assert [(e["line"], e["code"], e["message"]) for e in result["errors"]] == [
        (1, "VALIDATION", "line 1: export marker: not a cursor smooth-gql wrote; export again")
    ]
    assert not result["applied"]
    body = await api.gql_raw(
        IMPORT, {"m": "mill", "c": SIM, "since": table_marker(await export(api, "m")), "overwrite": True}
    )
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert body["errors"][0]["message"].startswith("overwrite: not with since")
    # A marker this server never handed out (another server's file): it cannot tell what changed.
    foreign = f"; smooth-gql export {cursor.encode(10**12)}\nT1 P1\n"
    body = await api.gql_raw(IMPORT, {"m": "mill", "c": foreign})
    assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "content"}
    assert body["errors"][0]["message"].startswith(
        "content: the export is newer than this server's change log"
    )
    assert (await run_import(api, "mill", foreign, overwrite=True))["applied"]


async def test_bad_lines_are_reported_by_line_and_nothing_is_written(api: Api) -> None:
    await run_import(api, "mill", SIM)
    before = await api.counts()
    bad = "T1 P1 Z0.6\n; comment\nT4 P4\nT4 P5\nT9 P9 D1mm\nT10 P10 Q12\nT11\n"
    result = await run_import(api, "mill", bad, overwrite=True)
    assert not result["applied"]
    assert [e["message"] for e in result["errors"]] == [
        "line 4: duplicate tool number T4 (also line 3)",
        'line 5: D1mm: "1mm" is not a number',
        "line 6: Q12: orientation must be 0–9",
        "line 7: missing P (pocket)",
    ]
    assert {e["code"] for e in result["errors"]} == {"VALIDATION"}
    assert [e["line"] for e in result["errors"]] == [4, 5, 6, 7]
    assert await api.counts() == before
    partial = await run_import(api, "mill", bad, atomic=False, overwrite=True)
    assert partial["applied"] and partial["errorCount"] == 4
    assert (await presets(api, "mill"))[1]["offsets"] == {"z": 0.6}


async def test_a_line_the_write_refuses_names_its_line(api: Api) -> None:
    result = await run_import(api, "mill", "T1 P1 ;ok\nT2 P2 ;bad\x00remark\n")
    [error] = result["errors"]
    assert error["line"] == 2 and error["toolNumber"] == 2 and error["code"] == "VALIDATION"
    assert error["message"] == "line 2: T2: description: must not contain NUL characters"
    assert not result["applied"] and await presets(api, "mill") == {}


async def test_request_level_errors(api: Api) -> None:
    body = await api.gql_raw(IMPORT, {"m": " ", "c": SIM})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert body["errors"][0]["message"] == "machineId: must not be empty"
    body = await api.gql_raw(IMPORT, {"m": "mill", "c": SIM, "since": "nope"})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert body["errors"][0]["message"].startswith("since: not a change-feed cursor")
    body = await api.gql_raw(
        'mutation { importToolTable(machineId: "m", format: DXF, content: "") { applied } }'
    )
    assert "DXF" in body["errors"][0]["message"]
    body = await api.gql_raw('{ toolTable(machineId: "", format: CSV) }')
    assert body["errors"][0]["message"] == "machineId: must not be empty"


async def test_too_many_tools_is_refused_before_anything_is_written(api: Api) -> None:
    content = "".join(f"T{n} P{n}\n" for n in range(api.settings.max_bulk_items + 1))  # bulk limit
    body = await api.gql_raw(IMPORT, {"m": "mill", "c": content})
    assert body["errors"][0]["extensions"]["code"] == "LIMIT"
    assert await presets(api, "mill") == {}


@pytest.mark.settings(max_body_bytes=4096)
async def test_a_file_over_the_body_limit_is_refused_unread(api: Api) -> None:
    content = "".join(f"T{n} P{n} D1 ;a tool with a long remark\n" for n in range(1, 200))
    response = await api.client.post(
        "/graphql", json={"query": IMPORT, "variables": {"m": "mill", "c": content}}
    )
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
    assert await presets(api, "mill") == {}
