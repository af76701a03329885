"""Catalog items as CSV (issue 16): export → import into an empty account → export, identical."""

from __future__ import annotations

from pathlib import Path

import pytest

from smooth_gql.interchange import csv_codec
from smooth_gql.interchange.item_csv import ITEMS
from support.auth import AuthApi
from support.export_marker import csv_without_cursor

FREECAD = Path(__file__).parent / "data" / "freecad"
HEADER = (
    "name,description,manufacturer,partNumber,category,legacyCategory,toolType,geometry,material,"
    "capabilities,shapeData,iso13399Reference,tags"
)
IMPORT = """mutation($c: String!, $dry: Boolean! = false, $since: String, $overwrite: Boolean! = false) {
  importToolItemsCsv(content: $c, dryRun: $dry, since: $since, overwrite: $overwrite) {
  dryRun applied plan { line name action id changes { field before after } }
  items { id name version } errors { line code message current { manufacturer version } } } }"""
EXPORT = "{ toolItemsCsv }"
LIBRARY = """mutation($lib: ToolFileInput!, $bits: [ToolFileInput!]!) {
  importToolLibrary(format: FREECAD, library: $lib, bits: $bits) { applied } }"""


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name,colour\r\nx,red\r\n", "line 1: colour: not a column of a catalog item table"),
        ("description\r\nx\r\n", "line 1: missing column name"),
        ("name\r\na\r\nb\r\na\r\n", 'line 4: duplicate name "a" (also line 2)'),
        (
            "name,geometry\r\na,{\r\n",
            "line 2: geometry: not JSON (Expecting property name enclosed in "
            "double quotes: line 1 column 2 (char 1))",
        ),
        ("name,description\r\n,x\r\n", "line 2: name: is required"),
    ],
)
def test_bad_input_names_the_line_and_column(text: str, message: str) -> None:
    assert [str(e) for e in csv_codec.parse_csv(ITEMS, text).errors] == [message]


async def test_export_import_into_an_empty_account_export_is_identical(auth: AuthApi) -> None:
    await auth.register("first@example.com")
    alice = await auth.login("first@example.com")
    await auth.create_user(alice, "second@example.com")
    bob = await auth.login("second@example.com")
    bits = [
        {"name": p.name, "content": p.read_text(encoding="utf-8")} for p in sorted(FREECAD.glob("Bit/*.fctb"))
    ]
    library = {
        "name": "Default.fctl",
        "content": (FREECAD / "Library/Default.fctl").read_text(encoding="utf-8"),
    }
    assert (await auth.ok(LIBRARY, {"lib": library, "bits": bits}, alice))["importToolLibrary"]["applied"]
    made = await auth.ok(
        """mutation { createToolItems(input: [{name: "Holder, \\"HSK63\\"", category: HOLDER,
        manufacturer: "Ünïcode GmbH", partNumber: "H-1", description: "two\\nlines",
        material: {grade: "steel"}, capabilities: {coolant: true}, tags: ["a,b", "c"],
        iso13399Reference: "ISO-1"}]) { errorCount } }""",
        None,
        alice,
    )
    assert made["createToolItems"]["errorCount"] == 0
    first = (await auth.ok(EXPORT, None, alice))["toolItemsCsv"]
    assert first.startswith(HEADER + ",exportCursor\r\n") and first.count("\r\n") == 11

    into_empty = await auth.ok(IMPORT, {"c": first}, bob)
    result = into_empty["importToolItemsCsv"]
    assert result["errors"] == [] and result["applied"] and len(result["items"]) == 10
    second = (await auth.ok(EXPORT, None, bob))["toolItemsCsv"]
    assert csv_without_cursor(second) == csv_without_cursor(first)
    again = await auth.ok(IMPORT, {"c": first}, bob)
    assert {s["action"] for s in again["importToolItemsCsv"]["plan"]} == {"UNCHANGED"}


async def test_merge_by_name_dry_run_and_an_atomic_failure(auth: AuthApi) -> None:
    await auth.register("first@example.com")
    alice = await auth.login("first@example.com")
    created = await auth.ok(
        IMPORT, {"c": "name,manufacturer,category\r\nA,m1,CUTTING_TOOL\r\nB,m2,HOLDER\r\n"}, alice
    )
    assert [s["action"] for s in created["importToolItemsCsv"]["plan"]] == ["CREATE", "CREATE"]
    typed = "name,manufacturer\r\nA,m9\r\nB,m2\r\nC,m3\r\n"  # no exportCursor: overwrite says so
    dry = await auth.ok(IMPORT, {"c": typed, "dry": True, "overwrite": True}, alice)
    plan = dry["importToolItemsCsv"]["plan"]
    assert [s["action"] for s in plan] == ["UPDATE", "UNCHANGED", "CREATE"]
    assert plan[0]["changes"] == [{"field": "manufacturer", "before": "m1", "after": "m9"}]
    assert dry["importToolItemsCsv"]["items"] == [] and not dry["importToolItemsCsv"]["applied"]
    bad = await auth.ok(IMPORT, {"c": "name,category\r\nA,HOLDER\r\nC,SPOON\r\n", "overwrite": True}, alice)
    result = bad["importToolItemsCsv"]
    assert not result["applied"] and result["errors"][0]["line"] == 3
    assert result["errors"][0]["message"].startswith("line 3: ")
    export = (await auth.ok(EXPORT, None, alice))["toolItemsCsv"]
    assert "A,,m1,,CUTTING_TOOL" in export and "C," not in export  # nothing of the failed import


async def test_an_item_edited_since_the_export_is_a_version_conflict(auth: AuthApi) -> None:
    await auth.register("first@example.com")
    alice = await auth.login("first@example.com")
    await auth.ok(IMPORT, {"c": "name,manufacturer\r\nA,m1\r\nB,m2\r\n"}, alice)
    exported = (await auth.ok(EXPORT, None, alice))["toolItemsCsv"]
    items = await auth.ok(
        '{ toolItems(filter: {text: "A"}) { edges { node { id name version } } } }', None, alice
    )
    [a] = [e["node"] for e in items["toolItems"]["edges"] if e["node"]["name"] == "A"]
    await auth.ok(
        """mutation($id: ID!) { updateToolItems(input: [{id: $id, expectedVersion: 1, manufacturer: "m7"}]) {
        errorCount } }""",
        {"id": a["id"]},
        alice,
    )
    edited = exported.replace(",m1,", ",m9,").replace(",m2,", ",m8,")
    result = (await auth.ok(IMPORT, {"c": edited}, alice))["importToolItemsCsv"]  # its exportCursor column
    assert not result["applied"]
    assert [(e["line"], e["code"]) for e in result["errors"]] == [(2, "VERSION_CONFLICT")]
    assert result["errors"][0]["current"] == {"manufacturer": "m7", "version": 2}
    assert "m7" in (await auth.ok(EXPORT, None, alice))["toolItemsCsv"]
    # Without the column the file cannot tell: both changes are refused, unless overwrite.
    typed = csv_without_cursor(edited)
    result = (await auth.ok(IMPORT, {"c": typed}, alice))["importToolItemsCsv"]
    assert [(e["line"], e["code"]) for e in result["errors"]] == [
        (2, "VERSION_CONFLICT"),
        (3, "VERSION_CONFLICT"),
    ]
    assert "no export marker" in result["errors"][1]["message"]
    assert (await auth.ok(IMPORT, {"c": typed, "overwrite": True}, alice))["importToolItemsCsv"]["applied"]
    assert "m9" in (await auth.ok(EXPORT, None, alice))["toolItemsCsv"]
