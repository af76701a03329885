"""`toolLibrary` / `importToolLibrary` (FreeCAD) through GraphQL on SQLite and PostgreSQL (issue 16)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from conftest import Api

DATA = Path(__file__).parent / "data" / "freecad"
BITS = {p.name: p.read_text(encoding="utf-8") for p in sorted(DATA.glob("Bit/*.fctb"))}
LIBRARY = (DATA / "Library/Default.fctl").read_text(encoding="utf-8")
BIT_1X = (DATA / "1.x/5mm_Endmill.fctb").read_text(encoding="utf-8")

IMPORT = """
mutation($lib: ToolFileInput!, $bits: [ToolFileInput!]!, $m: String, $dry: Boolean! = false,
         $since: String, $overwrite: Boolean! = false) {
  importToolLibrary(format: FREECAD, library: $lib, bits: $bits, machineId: $m, dryRun: $dry,
                    since: $since, overwrite: $overwrite) {
    dryRun applied
    bits { file name action id changes { field before after } }
    library { file name action id changes { field before after } }
    items { id name version toolType category geometry }
    toolSet { id name type machineId members version }
    errors { file code message currentVersion }
  }
}"""
EXPORT = """query($id: ID!) { toolLibrary(toolSetId: $id, format: FREECAD) {
  library { name content } bits { name content } } }"""
HEAD = "{ changesSince(first: 0) { endCursor } }"
UNMARKED = (
    "FreeCAD files carry no export marker, so an edit made since the export cannot be told apart "
    "(now version {}); pass since (the changesSince endCursor taken before the export) or "
    "overwrite to let the files win"
)


def files(bits: dict[str, str]) -> list[dict[str, str]]:
    return [{"name": name, "content": content} for name, content in bits.items()]


async def run_import(
    api: Api,
    library: str = LIBRARY,
    bits: dict[str, str] | None = None,
    name: str = "Default.fctl",
    **variables: Any,
) -> dict[str, Any]:
    data = await api.gql(
        IMPORT,
        {
            "lib": {"name": name, "content": library},
            "bits": files(BITS if bits is None else bits),
            **variables,
        },
    )
    return data["importToolLibrary"]  # type: ignore[no-any-return]


async def export(api: Api, tool_set_id: str) -> dict[str, Any]:
    return (await api.gql(EXPORT, {"id": tool_set_id}))["toolLibrary"]  # type: ignore[no-any-return]


def pairs(text: str) -> list[object]:
    """The document with every object's key order made visible."""
    return json.loads(text, object_pairs_hook=lambda p: [list(x) for x in p])  # type: ignore[no-any-return]


async def test_the_shipped_library_and_bits_come_back_as_freecad_wrote_them(api: Api) -> None:
    result = await run_import(api)
    assert result["errors"] == [] and result["applied"]
    assert {step["action"] for step in result["bits"]} == {"CREATE"}
    assert result["library"]["action"] == "CREATE"
    tool_set = result["toolSet"]
    assert tool_set["name"] == "Default" and tool_set["type"] == "TEMPLATE"
    assert [m["nr"] for m in tool_set["members"]] == list(range(1, 10))
    exported = await export(api, tool_set["id"])
    assert exported["library"] == {"name": "Default.fctl", "content": LIBRARY.rstrip("\n")}
    assert {bit["name"] for bit in exported["bits"]} == set(BITS)
    for bit in exported["bits"]:
        original = BITS[bit["name"]]
        assert pairs(bit["content"]) == pairs(original), bit["name"]  # FreeCAD's key order
        assert bit["content"] == original.rstrip("\n"), bit["name"]  # and indentation
    again = await run_import(api)
    assert {step["action"] for step in again["bits"]} == {"UNCHANGED"}
    assert again["library"]["action"] == "UNCHANGED"


async def test_a_1x_bit_comes_back_sorted_as_freecad_1x_writes_it(api: Api) -> None:
    library = json.dumps({"tools": [{"nr": 3, "path": "5mm_Endmill.fctb"}], "version": 1})
    result = await run_import(api, library, {"5mm_Endmill.fctb": BIT_1X}, name="One.fctl")
    assert result["errors"] == []
    [bit] = (await export(api, result["toolSet"]["id"]))["bits"]
    assert json.loads(bit["content"]) == json.loads(BIT_1X)
    assert bit["content"] == json.dumps(json.loads(BIT_1X), sort_keys=True, indent=2)


async def test_where_a_bit_lives_on_the_item(api: Api) -> None:
    result = await run_import(api)
    items = {item["name"]: item for item in result["items"]}
    drill = items["5mm Drill"]
    assert drill["toolType"] == "DRILL" and drill["category"] == "CUTTING_TOOL"
    assert drill["geometry"] == {"diameter": 5.0, "length": 50.0, "tipAngle": 119.0}
    assert items["Probe"]["category"] == "PROBE"
    inch = BITS["5mm_Drill.fctb"].replace('"5.0000 mm"', '"0.2500 in"').replace("5mm Drill", "Quarter")
    result = await run_import(api, '{"tools": [], "version": 1}', {"q.fctb": inch}, name="Inch.fctl")
    [item] = result["items"]
    assert item["geometry"]["diameter"] == 6.35  # converted to mm


async def test_an_edited_geometry_is_written_in_the_parameters_unit(api: Api) -> None:
    result = await run_import(api)
    endmill = next(item for item in result["items"] if item["name"] == "5mm Endmill")
    update = """mutation($id: ID!, $v: Int!, $g: JSON!) {
      updateToolItems(input: [{id: $id, expectedVersion: $v, geometry: $g}]) { errors { message } } }"""
    await api.gql(
        update, {"id": endmill["id"], "v": endmill["version"], "g": {**endmill["geometry"], "diameter": 6}}
    )
    bits = {b["name"]: b["content"] for b in (await export(api, result["toolSet"]["id"]))["bits"]}
    assert json.loads(bits["5mm_Endmill.fctb"])["parameter"]["Diameter"] == "6.0000 mm"
    plan = await run_import(api, dry=True)
    [step] = [s for s in plan["bits"] if s["action"] != "UNCHANGED"]
    assert step["file"] == "5mm_Endmill.fctb" and step["action"] == "UPDATE"
    assert step["changes"][0]["field"] == "geometry"


async def test_merge_by_name_updates_only_what_changed_and_a_dry_run_writes_nothing(api: Api) -> None:
    first = await run_import(api)
    before = await api.counts()
    changed = dict(BITS)
    changed["5mm_Drill.fctb"] = changed["5mm_Drill.fctb"].replace("119.0000", "118.0000")
    dry = await run_import(api, bits=changed, dry=True, overwrite=True)
    assert not dry["applied"] and dry["dryRun"] and dry["items"] == [] and dry["errors"] == []
    assert await api.counts() == before
    result = await run_import(api, bits=changed, overwrite=True)
    actions = {step["file"]: step["action"] for step in result["bits"]}
    assert actions.pop("5mm_Drill.fctb") == "UPDATE"
    assert set(actions.values()) == {"UNCHANGED"}
    [item] = result["items"]
    assert item["geometry"]["tipAngle"] == 118.0
    assert item["id"] == next(i["id"] for i in first["items"] if i["name"] == "5mm Drill")
    assert result["toolSet"]["id"] == first["toolSet"]["id"]


async def test_a_machine_library_is_a_machine_setup(api: Api) -> None:
    result = await run_import(api, m="mill-1")
    assert result["toolSet"]["type"] == "MACHINE_SETUP" and result["toolSet"]["machineId"] == "mill-1"


async def test_bad_files_name_the_file_and_entry_and_nothing_is_written(api: Api) -> None:
    before = await api.counts()
    bad = dict(BITS)
    bad["5mm_Endmill.fctb"] = bad["5mm_Endmill.fctb"].replace('"5.0000 mm"', '"5 mmm"')
    del bad["probe.fctb"]
    result = await run_import(api, bits=bad)
    assert not result["applied"]
    assert [e["message"] for e in result["errors"]] == [
        '5mm_Endmill.fctb: parameter Diameter: "5 mmm" is not a length',
        "Default.fctl: tool 8: bit probe.fctb was not sent",
    ]
    assert [e["file"] for e in result["errors"]] == ["5mm_Endmill.fctb", "Default.fctl"]
    assert await api.counts() == before


async def test_oversize_non_utf8_and_bad_names_are_clear_errors(api: Api) -> None:
    big = json.dumps({"name": "Big", "shape": "endmill.fcstd", "attribute": {"x": "y" * 1_100_000}})
    result = await run_import(api, '{"tools": []}', {"big.fctb": big, "a.txt": "{}"}, name="L.fctl")
    assert [e["message"] for e in result["errors"]] == [
        f"big.fctb: {len(big)} bytes exceed the limit of 1048576",
        "a.txt: not a .fctb file name",
    ]
    # A lone surrogate can only arrive as a JSON escape; it cannot be stored or written out.
    body = json.dumps(
        {
            "query": IMPORT,
            "variables": {
                "lib": {"name": "L.fctl", "content": '{"tools": []}'},
                "bits": [{"name": "s.fctb", "content": "\\ud800"}],
            },
        }
    ).replace("\\\\ud800", "\\ud800")
    response = await api.client.post("/graphql", content=body, headers={"content-type": "application/json"})
    errors = response.json()["data"]["importToolLibrary"]["errors"]
    assert [e["message"] for e in errors] == ["s.fctb: not UTF-8 (character 0)"]


async def test_an_import_merges_over_an_edit_made_before_it(api: Api) -> None:
    first = await run_import(api)
    drill = next(item for item in first["items"] if item["name"] == "5mm Drill")
    update = """mutation($id: ID!, $v: Int!) {
      updateToolItems(input: [{id: $id, expectedVersion: $v, description: "resharpened"}]) { errors { message } } }"""
    await api.gql(update, {"id": drill["id"], "v": drill["version"]})
    # The import reads the row after this edit, so it merges on top of it (no lost update).
    changed = dict(BITS)
    changed["5mm_Drill.fctb"] = changed["5mm_Drill.fctb"].replace("119.0000", "118.0000")
    result = await run_import(api, bits=changed, overwrite=True)
    assert result["errors"] == []
    [item] = result["items"]
    assert item["version"] == drill["version"] + 2


async def test_a_bit_edited_since_the_export_is_a_version_conflict(api: Api) -> None:
    cursor = (await api.gql(HEAD))["changesSince"]["endCursor"]
    first = await run_import(api)
    after_import = (await api.gql(HEAD))["changesSince"]["endCursor"]
    drill = next(item for item in first["items"] if item["name"] == "5mm Drill")
    update = """mutation($id: ID!, $v: Int!) {
      updateToolItems(input: [{id: $id, expectedVersion: $v, geometry: {tipAngle: 120}}]) { errors { message } } }"""
    await api.gql(update, {"id": drill["id"], "v": drill["version"]})
    changed = dict(BITS)
    changed["5mm_Drill.fctb"] = changed["5mm_Drill.fctb"].replace("119.0000", "118.0000")
    before = await api.counts()
    result = await run_import(api, bits=changed, since=after_import)
    assert not result["applied"]
    assert [(e["code"], e["message"], e["currentVersion"]) for e in result["errors"]] == [
        (
            "VERSION_CONFLICT",
            "5mm_Drill.fctb: 5mm Drill: changed since the export these files came from; "
            "export again and redo the edit",
            drill["version"] + 1,
        )
    ]
    assert await api.counts() == before
    # Bits the edit did not touch are no conflict; with `overwrite` the import merges over the edit.
    assert (await run_import(api, since=cursor, dry=True))["errors"][0]["file"] == "5mm_Drill.fctb"
    merged = await run_import(api, bits=changed, overwrite=True)
    assert merged["applied"] and [i["geometry"]["tipAngle"] for i in merged["items"]] == [118.0]


async def test_freecads_path_test_bit_and_a_plan_of_new_bits(api: Api) -> None:
    bit = (DATA / "PathTests/test-path-tool-bit-bit-00.fctb").read_text(encoding="utf-8")
    library = json.dumps({"tools": [{"nr": 7, "path": "../Bit/t.fctb"}], "version": 1})
    plan = await run_import(api, library, {"t.fctb": bit}, name="T.fctl", dry=True)
    [members] = [c["after"] for c in plan["library"]["changes"] if c["field"] == "members"]
    assert members == [{"itemId": None, "nr": 7, "path": "../Bit/t.fctb"}]
    result = await run_import(api, library, {"t.fctb": bit}, name="T.fctl")
    exported = await export(api, result["toolSet"]["id"])
    assert json.loads(exported["library"]["content"]) == json.loads(library)
    assert exported["bits"] == [{"name": "t.fctb", "content": bit.rstrip("\n")}]


async def test_an_item_that_never_came_from_freecad_and_names_that_are_paths(api: Api) -> None:
    made = await api.gql(
        """mutation { createToolItems(input: [{name: "../../evil bit", category: CUTTING_TOOL,
        toolType: DRILL, geometry: {diameter: 8, tipAngle: 118}}]) { results { id } } }"""
    )
    [item] = made["createToolItems"]["results"]
    sets = await api.gql(
        """mutation($m: JSON) { createToolSets(input: [{name: "../sets/x", type: TEMPLATE, members: $m}]) {
        results { id } } }""",
        {"m": [{"itemId": item["id"], "nr": 4}]},
    )
    [tool_set] = sets["createToolSets"]["results"]
    exported = await export(api, tool_set["id"])
    assert exported["library"]["name"] == "sets_x.fctl"
    [bit] = exported["bits"]
    assert bit["name"] == "evil_bit.fctb"
    assert json.loads(exported["library"]["content"]) == {
        "tools": [{"nr": 4, "path": "evil_bit.fctb"}],
        "version": 1,
    }
    assert pairs(bit["content"]) == [
        ["version", 2],
        ["name", "../../evil bit"],
        ["shape", "drill.fcstd"],
        ["parameter", [["Diameter", "8.0000 mm"], ["TipAngle", "118.0000 °"]]],
        ["attribute", []],
    ]


async def test_without_since_or_overwrite_an_import_only_creates(api: Api) -> None:
    first = await run_import(api)
    assert first["applied"] and first["errors"] == []
    drill = next(item for item in first["items"] if item["name"] == "5mm Drill")
    changed = dict(BITS)
    changed["5mm_Drill.fctb"] = changed["5mm_Drill.fctb"].replace("119.0000", "118.0000")
    before = await api.counts()
    for dry in (True, False):  # the dry run's plan shows the refusal the import makes
        result = await run_import(api, bits=changed, dry=dry)
        assert not result["applied"] and result["items"] == []
        assert [s["action"] for s in result["bits"] if s["file"] == "5mm_Drill.fctb"] == ["UPDATE"]
        assert [(e["file"], e["code"], e["message"], e["currentVersion"]) for e in result["errors"]] == [
            (
                "5mm_Drill.fctb",
                "VERSION_CONFLICT",
                "5mm_Drill.fctb: 5mm Drill: " + UNMARKED.format(drill["version"]),
                drill["version"],
            )
        ]
    assert await api.counts() == before
    # A new bit in the library: its item would be created, but the set's change is refused.
    extra = changed["5mm_Drill.fctb"].replace("5mm Drill", "6mm Drill")
    library = json.loads(LIBRARY)
    library["tools"].append({"nr": 10, "path": "6mm_Drill.fctb"})
    grown = await run_import(api, json.dumps(library), {**BITS, "6mm_Drill.fctb": extra})
    tool_set = first["toolSet"]
    assert [(e["file"], e["message"]) for e in grown["errors"]] == [
        ("Default.fctl", "Default.fctl: Default: " + UNMARKED.format(tool_set["version"]))
    ]
    assert [s["action"] for s in grown["bits"] if s["file"] == "6mm_Drill.fctb"] == ["CREATE"]
    assert await api.counts() == before
    variables = {"lib": {"name": "Default.fctl", "content": LIBRARY}, "bits": files(changed)}
    since = (await api.gql(HEAD))["changesSince"]["endCursor"]
    body = await api.gql_raw(IMPORT, {**variables, "since": since, "overwrite": True})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert body["errors"][0]["message"].startswith("overwrite: not with since")
    assert await api.counts() == before


async def test_since_or_overwrite_let_an_import_change_what_it_may(api: Api) -> None:
    first = await run_import(api)
    since = (await api.gql(HEAD))["changesSince"]["endCursor"]
    changed = dict(BITS)
    changed["5mm_Drill.fctb"] = changed["5mm_Drill.fctb"].replace("119.0000", "118.0000")
    result = await run_import(api, bits=changed, since=since)
    assert result["errors"] == [] and [i["geometry"]["tipAngle"] for i in result["items"]] == [118.0]
    # That import is itself an edit after `since`: the same cursor no longer covers the bit.
    changed["5mm_Drill.fctb"] = changed["5mm_Drill.fctb"].replace("118.0000", "117.0000")
    again = await run_import(api, bits=changed, since=since)
    assert [e["code"] for e in again["errors"]] == ["VERSION_CONFLICT"] and not again["applied"]
    won = await run_import(api, bits=changed, overwrite=True)
    assert won["errors"] == [] and [i["geometry"]["tipAngle"] for i in won["items"]] == [117.0]
    assert won["toolSet"]["id"] == first["toolSet"]["id"]
