"""Presets as CSV (issue 16): the codec, and export → import into an empty account → export."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from smooth_gql.interchange.preset_csv import parse_csv
from support.auth import AuthApi, Creds
from support.export_marker import csv_without_cursor, table_body

DATA = Path(__file__).parent / "data" / "linuxcnc"
HEADER = (
    "toolNumber,pocket,name,description,toolInstanceId,parameters,offsets,orientation,limits,"
    "isDefault,loadedAt,loadedBy,tags"
)
IMPORT = """
mutation($m: String!, $f: ToolTableFormat!, $c: String!, $mode: ImportMode! = MERGE, $units: LengthUnits,
         $overwrite: Boolean! = false) {
  importToolTable(machineId: $m, format: $f, content: $c, mode: $mode, units: $units, overwrite: $overwrite) {
    applied successCount
    plan { toolNumber action changes { field before after } }
    errors { line toolNumber code message }
  }
}"""
EXPORT = "query($m: String!, $f: ToolTableFormat!) { toolTable(machineId: $m, format: $f) }"


def test_header_is_the_graphql_field_names() -> None:
    assert parse_csv(HEADER + "\r\n").errors == []
    assert parse_csv("").rows == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("toolNumber,colour\r\n1,red\r\n", "line 1: colour: not a column of a preset table"),
        ("pocket\r\n1\r\n", "line 1: missing column toolNumber"),
        ("toolNumber,toolNumber\r\n1,1\r\n", "line 1: a column appears twice"),
        ("toolNumber,pocket\r\nx,1\r\n", 'line 2: toolNumber: "x" is not a whole number'),
        ("toolNumber,pocket\r\n1,-4\r\n", "line 2: pocket: must be between 0 and 2147483647"),
        ("toolNumber,pocket\r\n,4\r\n", "line 2: toolNumber: is required"),
        ("toolNumber,pocket\r\n1\r\n", "line 2: 1 cells, the header has 2"),
        ("toolNumber,isDefault\r\n1,yes\r\n", 'line 2: isDefault: "yes" is not true or false'),
        ("toolNumber,loadedAt\r\n1,today\r\n", 'line 2: loadedAt: "today" is not an ISO-8601 date and time'),
        (
            'toolNumber,offsets\r\n1,"{z: 1}"\r\n',
            "line 2: offsets: not JSON (Expecting property name enclosed in double quotes: "
            "line 1 column 2 (char 1))",
        ),
        ("toolNumber\r\n4\r\n5\r\n4\r\n", "line 4: duplicate tool number T4 (also line 2)"),
        ('toolNumber,name\r\n1,"open quote\r\n', "line 2: not CSV (unexpected end of data)"),
    ],
)
def test_bad_input_names_the_line_and_column(text: str, message: str) -> None:
    assert [str(e) for e in parse_csv(text).errors] == [message]


async def test_export_import_into_an_empty_account_export_is_identical(auth: AuthApi) -> None:
    await auth.register("first@example.com")
    alice = await auth.login("first@example.com")
    admin = alice
    await auth.create_user(admin, "second@example.com")
    bob = await auth.login("second@example.com")
    lathe = (DATA / "samples/sim/axis/lathe.tbl").read_text(encoding="utf-8")
    made = await auth.ok(IMPORT, {"m": "lathe", "f": "LINUXCNC", "c": lathe, "units": "INCH"}, alice)
    assert made["importToolTable"]["applied"]
    presets = await auth.ok(
        '{ toolPresets(filter: {machineId: "lathe", toolNumber: 3}) { edges { node { id } } } }', None, alice
    )
    [edge] = presets["toolPresets"]["edges"]
    updated = await auth.ok(
        """mutation($id: ID!, $limits: JSON) { updateToolPresets(input: [{id: $id, expectedVersion: 1,
        isDefault: true, limits: $limits, tags: ["lathe", "a,b"],
        loadedAt: "2026-03-04T05:06:07.123456Z", loadedBy: "op 1"}]) { errorCount } }""",
        {"id": edge["node"]["id"], "limits": {"maxRpm": 3000, "ünïcode": 'ß, "quoted"\nline', "f": 0.1}},
        alice,
    )
    assert updated["updateToolPresets"]["errorCount"] == 0
    first = (await auth.ok(EXPORT, {"m": "lathe", "f": "CSV"}, alice))["toolTable"]
    assert first.startswith(HEADER + ",exportCursor\r\n") and first.count("\r\n") == 11
    assert '""maxRpm"":3000' in first and "2026-03-04T05:06:07.123456+00:00" in first

    into_empty = await auth.ok(IMPORT, {"m": "lathe", "f": "CSV", "c": first}, bob)
    result = into_empty["importToolTable"]
    assert result["errors"] == [] and result["applied"] and result["successCount"] == 10
    second = (await auth.ok(EXPORT, {"m": "lathe", "f": "CSV"}, bob))["toolTable"]
    assert csv_without_cursor(second) == csv_without_cursor(first)
    # The LinuxCNC view of the copy is the same table too.
    table = (await auth.ok(EXPORT, {"m": "lathe", "f": "LINUXCNC"}, bob))["toolTable"]
    assert table_body(table) == (DATA / "written-by-linuxcnc/sim/axis/lathe.tbl").read_text(encoding="utf-8")
    # And importing it again changes nothing.
    again = await auth.ok(IMPORT, {"m": "lathe", "f": "CSV", "c": first}, bob)
    assert {s["action"] for s in again["importToolTable"]["plan"]} == {"UNCHANGED"}


async def test_csv_merge_writes_only_changed_columns(auth: AuthApi) -> None:
    await auth.register("first@example.com")
    alice = await auth.login("first@example.com")
    content = "toolNumber,pocket,description\r\n1,1,drill\r\n2,2,mill\r\n"
    assert (await auth.ok(IMPORT, {"m": "m", "f": "CSV", "c": content}, alice))["importToolTable"]["applied"]
    changed = "toolNumber,description\r\n1,drill\r\n2,end mill\r\n3,\r\n"
    refused = (await auth.ok(IMPORT, {"m": "m", "f": "CSV", "c": changed}, alice))["importToolTable"]
    assert [(e["toolNumber"], e["code"]) for e in refused["errors"]] == [(2, "VERSION_CONFLICT")]
    assert "no export marker" in refused["errors"][0]["message"]  # hand-written: the file may not win
    variables = {"m": "m", "f": "CSV", "c": changed, "overwrite": True}
    result: dict[str, Any] = (await auth.ok(IMPORT, variables, alice))["importToolTable"]
    plan = {s["toolNumber"]: s for s in result["plan"]}
    assert {n: s["action"] for n, s in plan.items()} == {1: "UNCHANGED", 2: "UPDATE", 3: "CREATE"}
    assert plan[2]["changes"] == [{"field": "description", "before": "mill", "after": "end mill"}]
    table = (await auth.ok(EXPORT, {"m": "m", "f": "CSV"}, alice))["toolTable"]
    assert csv_without_cursor(table).splitlines()[1:] == [
        "1,1,T1,drill,,,,,,false,,,[]",
        "2,2,T2,end mill,,,,,,false,,,[]",
        "3,,T3,,,,,,,false,,,[]",
    ]


async def test_a_bad_csv_row_names_its_line(auth: AuthApi) -> None:
    await auth.register("first@example.com")
    alice: Creds = await auth.login("first@example.com")
    content = "toolNumber,toolInstanceId\r\n1,\r\n2,00000000-0000-4000-8000-000000000000\r\n"
    result = (await auth.ok(IMPORT, {"m": "m", "f": "CSV", "c": content}, alice))["importToolTable"]
    assert not result["applied"]
    [error] = result["errors"]
    assert error["line"] == 3 and error["code"] == "NOT_FOUND"
    assert error["message"].startswith("line 3: T2: toolInstanceId")


async def test_a_spreadsheet_keeps_the_export_cursor_column(auth: AuthApi) -> None:
    await auth.register("first@example.com")
    alice = await auth.login("first@example.com")
    content = "toolNumber,pocket,description\r\n1,1,drill\r\n2,2,mill\r\n"
    assert (await auth.ok(IMPORT, {"m": "m", "f": "CSV", "c": content}, alice))["importToolTable"]["applied"]
    sheet = (await auth.ok(EXPORT, {"m": "m", "f": "CSV"}, alice))["toolTable"]
    presets = await auth.ok("{ toolPresets(filter: {toolNumber: 2}) { edges { node { id } } } }", None, alice)
    [edge] = presets["toolPresets"]["edges"]
    await auth.ok(
        """mutation($id: ID!) { updateToolPresets(input: [{id: $id, expectedVersion: 1,
        description: "reground"}]) { errorCount } }""",
        {"id": edge["node"]["id"]},
        alice,
    )
    # The sheet sorted by tool number, descending, a row typed in (no cursor), both edited.
    header, one, two = sheet.rstrip("\r\n").split("\r\n")
    typed = "3,3,T3,new,,,,,,false,,,[],"
    edited = (
        "\r\n".join(
            [header, two.replace(",mill,", ",end mill,"), one.replace(",drill,", ",step drill,"), typed]
        )
        + "\r\n"
    )
    result = (await auth.ok(IMPORT, {"m": "m", "f": "CSV", "c": edited}, alice))["importToolTable"]
    assert {s["toolNumber"]: s["action"] for s in result["plan"]} == {2: "UPDATE", 1: "UPDATE", 3: "CREATE"}
    [conflict] = result["errors"]
    assert conflict["toolNumber"] == 2 and conflict["code"] == "VERSION_CONFLICT" and conflict["line"] == 2
    assert "changed since the export" in conflict["message"] and not result["applied"]


def test_a_byte_order_mark_from_a_spreadsheet_is_ignored() -> None:
    parsed = parse_csv("\ufefftoolNumber,pocket\r\n1,2\r\n")
    assert parsed.errors == [] and parsed.rows[0].values == {"tool_number": 1, "pocket": 2}
