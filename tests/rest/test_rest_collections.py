"""The six legacy bulk collections (contract §5, §6, §7 and the fixes of §0.1).

The cases answered without a query of theirs (malformed bodies and parameters, a
trailing slash, health and documentation) share one app per module and database
(`refusing_api`); the rest start from an app and an empty database of their own.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import text

from conftest import Api
from support.rest import (
    COMMON,
    V1,
    assembly,
    created,
    delete,
    get_list,
    get_one,
    instance,
    item,
    post,
    preset,
    put,
)
from support.snapshot import REFUSING_API

refusing_api = REFUSING_API

# One full create element per collection, every wire field set (references filled in per test).
FULL: dict[str, dict[str, Any]] = {
    "tool-items": {
        "type": "cutting_tool",
        "manufacturer": "Sandvik",
        "product_code": "R216.32-10050",
        "description": "10 mm end mill",
        "geometry": {"diameter": 10.0, "length": 75.0, "flutes": 4},
        "material": {"grade": "HC", "coating": "TiAlN"},
        "iso_13399_reference": "ISO-123",
        "tags": ["mill-3"],
    },
    "tool-assemblies": {
        "name": "HSK63 + 10 mm",
        "description": "shrink fit",
        "components": [{"item_id": "tool-1", "role": "cutter", "position": 1, "gauge_offset": 0.5}],
        "computed_geometry": {"length": 120.0},
        "tags": ["mill-3"],
    },
    "tool-instances": {
        "serial_number": "SN-1",
        "status": "in_use",
        "location": {"building": "A", "shelf": "1"},
        "measured_geometry": {"diameter": 9.98},
        "lifecycle": {"regrinds": 2},
        "tags": [],
    },
    "tool-presets": {
        "machine_id": "freecad_default",
        "tool_number": 0,
        "pocket": 12,
        "description": "5mm Drill",
        "metadata": {"source": "freecad", "library_name": "lib", "tool_path": "drill_5mm.fctb"},
        "offsets": {"z": -50.0, "z_unit": "mm"},
        "orientation": {"a": 0},
        "limits": {"rpm": 12000},
        "loaded_at": "2025-01-01T10:00:00+00:00",
        "loaded_by": "operator",
        "tags": ["lathe-1"],
    },
    "tool-usage": {
        "job_id": "O1234",
        "start_time": "2025-01-01T10:00:00+00:00",
        "end_time": "2025-01-01T11:00:00+00:00",
        "cycle_count": 10,
        "cut_time": 45.5,
        "wear_progression": [{"flank": 0.1}],
        "events": [{"kind": "start"}],
    },
    "tool-sets": {
        "name": "Job 42",
        "description": "kit",
        "type": "template",
        "machine_id": "mill01",
        "job_id": "J42",
        "members": [{"preset_id": "preset-1", "sequence": 1}],
        "capacity": {"pockets": 24},
        "status": "active",
        "activation": {"since": "today"},
        "tags": ["shop-floor"],
    },
}
KEYS = {
    "tool-items": [
        "id",
        "type",
        "manufacturer",
        "product_code",
        "description",
        "geometry",
        "material",
        "iso_13399_reference",
        "parent_tool_id",
        "tags",
        *COMMON,
    ],
    "tool-assemblies": ["id", "name", "description", "components", "computed_geometry", "tags", *COMMON],
    "tool-instances": [
        "id",
        "assembly_id",
        "serial_number",
        "status",
        "location",
        "measured_geometry",
        "lifecycle",
        "tags",
        *COMMON,
    ],
    "tool-presets": [
        "id",
        "machine_id",
        "tool_number",
        "instance_id",
        "pocket",
        "description",
        "metadata",
        "offsets",
        "orientation",
        "limits",
        "loaded_at",
        "loaded_by",
        "tags",
        *COMMON,
    ],
    "tool-usage": [
        "id",
        "preset_id",
        "job_id",
        "start_time",
        "end_time",
        "cycle_count",
        "cut_time",
        "wear_progression",
        "events",
        *COMMON,
    ],
    "tool-sets": [
        "id",
        "name",
        "description",
        "type",
        "machine_id",
        "job_id",
        "members",
        "capacity",
        "status",
        "activation",
        "tags",
        *COMMON,
    ],
}
PATHS = list(FULL)


async def full_element(api: Api, path: str) -> dict[str, Any]:
    element = dict(FULL[path])
    if path == "tool-instances":
        element["assembly_id"] = (await assembly(api))["id"]
    if path == "tool-usage":
        element["preset_id"] = (await preset(api, 99))["id"]
    return element


@pytest.mark.parametrize("path", PATHS)
async def test_create_returns_every_field_in_legacy_order_and_reads_back_the_same(
    api: Api, path: str
) -> None:
    element = await full_element(api, path)
    body = await post(api, path, [element])
    assert (body["success_count"], body["error_count"], body["errors"]) == (1, 0, [])
    [row] = body["results"]
    assert list(row) == KEYS[path]
    for key, value in element.items():
        assert row[key] == value, key
    assert row["version"] == 1
    assert row["user_id"] == row["created_by"] == row["updated_by"]
    assert row["created_at"].endswith("+00:00") and row["updated_at"].endswith("+00:00")
    listed = await get_list(api, path)
    assert [r for r in listed["items"] if r["id"] == row["id"]] == [row]
    if path != "tool-usage":
        assert await get_one(api, path, row["id"]) == row


async def test_client_offsets_are_converted_to_utc_not_dropped(api: Api) -> None:
    row = await preset(api, 3, loaded_at="2025-01-01T11:00:00+02:00")
    assert row["loaded_at"] == "2025-01-01T09:00:00+00:00"
    [usage] = await created(
        api, "tool-usage", [{"preset_id": row["id"], "start_time": "2025-01-01T12:00:00Z"}]
    )
    assert usage["start_time"] == "2025-01-01T12:00:00+00:00"
    assert usage["end_time"] is None


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # PostgreSQL stores timestamptz
@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("2025-01-02 03:04:05.123456", "2025-01-02T03:04:05.123456+00:00"),  # as written: UTC, no offset
        ("2025-01-02 03:04:05", "2025-01-02T03:04:05+00:00"),
        ("2025-01-02T05:04:05+02:00", "2025-01-02T03:04:05+00:00"),  # text with an offset of its own
        ("2025-01-02 03:04:05Z", "2025-01-02T03:04:05+00:00"),
    ],
)
async def test_sqlite_time_text_reads_back_as_utc_in_any_spelling(api: Api, stored: str, shown: str) -> None:
    """SQLite keeps times as text; however one is spelled, the legacy answer has it in UTC."""
    row = await item(api)
    async with api.engine.begin() as conn:
        await conn.execute(
            text("UPDATE tool_items SET updated_at = :t WHERE id = :id"), {"t": stored, "id": row["id"]}
        )
    assert (await get_one(api, "tool-items", row["id"]))["updated_at"] == shown
    [listed] = (await get_list(api, "tool-items"))["items"]
    assert listed["updated_at"] == shown


async def test_server_set_fields_sent_on_create_are_ignored(api: Api) -> None:
    row = await item(
        api, id="mine", version=7, user_id="someone", created_at="1999-01-01T00:00:00", unknown=1
    )
    assert row["id"] != "mine" and row["version"] == 1 and row["user_id"] != "someone"
    uuid.UUID(row["id"])


# --- per-item create errors (contract §5.8) ---------------------------------------------

MISSING = [
    ("tool-items", {}, "Field 'type' is required"),
    ("tool-items", {"type": ""}, "Field 'type' is required"),
    ("tool-assemblies", {"components": [{"item_id": "x"}]}, "Field 'name' is required"),
    ("tool-assemblies", {"name": "a"}, "Field 'components' is required"),
    ("tool-assemblies", {"name": "a", "components": []}, "Field 'components' is required"),
    ("tool-assemblies", {}, "Field 'name' is required"),
    ("tool-instances", {"serial_number": "x"}, "Field 'assembly_id' is required"),
    ("tool-presets", {"tool_number": 1}, "Field 'machine_id' is required"),
    ("tool-presets", {"machine_id": "m"}, "Field 'tool_number' is required"),
    ("tool-presets", {}, "Field 'machine_id' is required"),
    ("tool-usage", {"start_time": "2025-01-01"}, "Field 'preset_id' is required"),
    ("tool-usage", {}, "Field 'preset_id' is required"),
    ("tool-sets", {"type": "template", "members": [{}]}, "Field 'name' is required"),
    ("tool-sets", {"name": "s", "members": [{}]}, "Field 'type' is required"),
    ("tool-sets", {"name": "s", "type": "template"}, "Field 'members' is required"),
    ("tool-sets", {"name": "s", "type": "template", "members": []}, "Field 'members' is required"),
]


@pytest.mark.parametrize(("path", "element", "message"), MISSING)
async def test_create_reports_the_first_missing_field_per_item(
    api: Api, path: str, element: dict[str, Any], message: str
) -> None:
    before = await api.counts()
    body = await post(api, path, [element])
    assert body == {
        "success_count": 0,
        "error_count": 1,
        "results": [],
        "errors": [{"index": 0, "id": None, "message": message}],
    }
    after = await api.counts()
    assert after == {**before, "audit_log": before["audit_log"] + 1}  # the failure is audited


async def test_partial_success_writes_the_valid_elements(api: Api) -> None:
    body = await post(api, "tool-items", [{"type": "holder"}, {"manufacturer": "x"}, {"type": "insert"}])
    assert (body["success_count"], body["error_count"]) == (2, 1)
    assert body["errors"] == [{"index": 1, "id": None, "message": "Field 'type' is required"}]
    assert [r["type"] for r in body["results"]] == ["holder", "insert"]
    assert (await get_list(api, "tool-items"))["total"] == 2


async def test_usage_time_that_does_not_parse_is_a_per_item_error(api: Api) -> None:
    p = await preset(api)
    body = await post(api, "tool-usage", [{"preset_id": p["id"], "start_time": "garbage"}])
    assert body["errors"] == [{"index": 0, "id": None, "message": "Invalid isoformat string: 'garbage'"}]
    [row] = await created(
        api, "tool-usage", [{"preset_id": p["id"], "start_time": "2025-01-01", "end_time": ""}]
    )
    assert row["start_time"] == "2025-01-01T00:00:00+00:00" and row["end_time"] is None


async def test_references_must_name_the_callers_rows(api: Api) -> None:
    missing = str(uuid.uuid4())
    body = await post(api, "tool-instances", [{"assembly_id": missing}])
    assert body["errors"][0]["message"] == f"assembly_id: no ToolAssembly with id {missing}"
    body = await post(api, "tool-usage", [{"preset_id": missing, "start_time": "2025-01-01"}])
    assert body["errors"][0]["message"] == f"preset_id: no ToolPreset with id {missing}"
    body = await post(
        api, "tool-presets", [{"machine_id": "m", "tool_number": 1, "instance_id": "placeholder"}]
    )
    assert body["errors"][0]["message"].startswith("instance_id: ")


async def test_an_integer_beyond_64_bits_is_a_per_item_error_beside_a_written_sibling(api: Api) -> None:
    body = await post(
        api,
        "tool-presets",
        [{"machine_id": "m", "tool_number": 1}, {"machine_id": "m", "tool_number": 2**63}],
    )
    assert body["success_count"] == 1
    assert body["errors"] == [
        {"index": 1, "id": None, "message": "tool_number: is outside the 64-bit integer range"}
    ]


# --- enumerations (§0.1 item 11) ----------------------------------------------------------


async def test_undocumented_enum_text_is_kept_verbatim_and_graphql_shows_other(api: Api) -> None:
    probe = await item(api, type="probe")
    odd = await item(api, type="Engraving Spindle")
    upper = await item(api, type="HOLDER")
    assert (probe["type"], odd["type"], upper["type"]) == ("probe", "Engraving Spindle", "holder")
    query = "query($id: ID!) { toolItem(id: $id) { category legacyCategory } }"
    assert (await api.gql(query, {"id": probe["id"]}))["toolItem"] == {
        "category": "PROBE",
        "legacyCategory": None,
    }
    assert (await api.gql(query, {"id": odd["id"]}))["toolItem"] == {
        "category": "OTHER",
        "legacyCategory": "Engraving Spindle",
    }
    assert [r["id"] for r in (await get_list(api, "tool-items", type="Engraving Spindle"))["items"]] == [
        odd["id"]
    ]
    assert [r["id"] for r in (await get_list(api, "tool-items", type="probe"))["items"]] == [probe["id"]]
    a = await assembly(api)
    inst = (await created(api, "tool-instances", [{"assembly_id": a["id"], "status": "lost"}]))[0]
    assert inst["status"] == "lost"
    default = (await created(api, "tool-instances", [{"assembly_id": a["id"], "status": ""}]))[0]
    assert default["status"] == "available"
    [s] = await created(api, "tool-sets", [{"name": "s", "type": "kit", "status": None, "members": [{}]}])
    assert (s["type"], s["status"]) == ("kit", "draft")


async def test_graphql_writes_stay_strict_about_enums(api: Api) -> None:
    body = await api.gql_raw(
        'mutation { createToolItems(input: [{name: "x", category: probe}]) { successCount } }'
    )
    assert "errors" in body


# --- raw arrays: kept verbatim, linked where ids resolve (§0.1, §16) ------------------------


async def test_components_round_trip_verbatim_and_link_resolvable_items(api: Api) -> None:
    cutter = await item(api, description="cutter")
    components = [
        {"item_id": cutter["id"], "role": "cutter", "extra": {"note": 1}},
        {"item_id": "tool-1", "role": "holder"},
        {"role": "spacer"},
        "free text",
    ]
    [row] = await created(api, "tool-assemblies", [{"name": "a", "components": components}])
    assert row["components"] == components
    query = "query($id: ID!) { toolAssembly(id: $id) { components { role item { id } } } }"
    linked = (await api.gql(query, {"id": row["id"]}))["toolAssembly"]["components"]
    assert linked == [{"role": "CUTTER", "item": {"id": cutter["id"]}}]
    # The linked item is now in use: deleting it is refused, naming the assembly.
    body = await delete(api, "tool-items", [cutter["id"]])
    assert body["success_count"] == 0
    assert row["id"] in body["errors"][0]["message"]


async def test_members_link_resolvable_presets(api: Api) -> None:
    p = await preset(api, 5)
    members = [{"preset_id": p["id"], "tool_number": 5}, {"preset_id": "preset-1", "sequence": 2}]
    [row] = await created(api, "tool-sets", [{"name": "s", "type": "machine_setup", "members": members}])
    assert row["members"] == members
    query = "query($id: ID!) { toolSet(id: $id) { toolPresets { id } } }"
    assert (await api.gql(query, {"id": row["id"]}))["toolSet"]["toolPresets"] == [{"id": p["id"]}]


async def test_rows_written_through_graphql_render_their_arrays_from_the_links(api: Api) -> None:
    cutter = await item(api, description="cutter")
    data = await api.gql(
        'mutation($i: ID!) { createToolAssemblies(input: [{name: "g", cutterId: $i}]) { results { id } } }',
        {"i": cutter["id"]},
    )
    assembly_id = data["createToolAssemblies"]["results"][0]["id"]
    row = await get_one(api, "tool-assemblies", assembly_id)
    assert row["components"] == [
        {"item_id": cutter["id"], "role": "cutter", "position": 0, "gauge_offset": None}
    ]


# --- update (§5.5, §7) -------------------------------------------------------------------


async def test_update_applies_present_fields_and_leaves_absent_or_null_ones(api: Api) -> None:
    row = await item(api, manufacturer="Sandvik", description="d", geometry={"d": 1})
    body = await put(
        api, "tool-items", [{"id": row["id"], "version": 1, "manufacturer": None, "geometry": {"d": 2}}]
    )
    [after] = body["results"]
    assert (after["manufacturer"], after["description"], after["geometry"]) == ("Sandvik", "d", {"d": 2})
    assert after["version"] == 2 and after["created_at"] == row["created_at"]
    noop = await put(api, "tool-items", [{"id": row["id"], "version": "2"}])
    assert noop["results"][0]["version"] == 3


async def test_a_row_sent_back_whole_updates_only_writable_fields(api: Api) -> None:
    row = await preset(api, 4, metadata={"a": 1})
    sent = {**row, "description": "changed", "user_id": "someone-else", "created_by": "x", "unknown": True}
    [after] = (await put(api, "tool-presets", [sent]))["results"]
    assert after["description"] == "changed" and after["user_id"] == row["user_id"]
    assert after["metadata"] == {"a": 1} and after["version"] == 2


async def test_update_errors_use_the_legacy_strings(api: Api) -> None:
    row = await item(api)
    body = await put(
        api,
        "tool-items",
        [
            {"id": row["id"], "version": 5, "description": "x"},
            {"id": "not-there", "version": 1},
            {"id": str(uuid.uuid4()), "version": 1},
            {"id": row["id"], "version": 1, "description": "first"},
            {"id": row["id"], "version": 2, "description": "second"},
        ],
    )
    assert body["errors"] == [
        {"index": 0, "id": row["id"], "message": "Version conflict: expected 1, got 5"},
        {"index": 1, "id": "not-there", "message": "Item not found or access denied"},
        {"index": 2, "id": body["errors"][2]["id"], "message": "Item not found or access denied"},
    ]
    assert [r["version"] for r in body["results"]] == [2, 3]
    assert (await get_one(api, "tool-items", row["id"]))["description"] == "second"


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("tool-assemblies", "Assembly not found or access denied"),
        ("tool-instances", "Instance not found or access denied"),
        ("tool-presets", "Preset not found or access denied"),
        ("tool-usage", "Usage record not found or access denied"),
        ("tool-sets", "Tool set not found or access denied"),
    ],
)
async def test_not_found_wording_per_collection(api: Api, path: str, message: str) -> None:
    body = await put(api, path, [{"id": "gone", "version": 1}])
    assert body["errors"] == [{"index": 0, "id": "gone", "message": message}]
    body = await delete(api, path, ["gone"])
    assert body["errors"] == [{"index": 0, "id": "gone", "message": message}]


@pytest.mark.parametrize(
    ("items", "loc", "kind"),
    [
        ([{"version": 1}], ["body", "items", 0, "id"], "missing"),
        ([{"id": "x"}], ["body", "items", 0, "version"], "missing"),
        ([{"id": "x", "version": 1.5}], ["body", "items", 0, "version"], "int_from_float"),
        ([{"id": "x", "version": "one"}], ["body", "items", 0, "version"], "int_parsing"),
        ([{"id": "x", "version": 1, "type": 123}], ["body", "items", 0, "type"], "string_type"),
        ([{"id": "x", "version": 1, "geometry": [1]}], ["body", "items", 0, "geometry"], "dict_type"),
    ],
)
async def test_malformed_update_is_422_and_nothing_is_written(
    api: Api, items: list[dict[str, Any]], loc: list[Any], kind: str
) -> None:
    row = await item(api)
    before = await api.counts()
    response = await api.client.put(
        f"{V1}/tool-items", json={"items": [{"id": row["id"], "version": 1}, *items]}
    )
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert (error["loc"][:2], error["loc"][3:], error["type"]) == (loc[:2], loc[3:], kind)
    assert await api.counts() == before
    assert (await get_one(api, "tool-items", row["id"]))["version"] == 1


# --- delete (§5.6) -----------------------------------------------------------------------


async def test_delete_returns_the_rows_as_they_were_and_repeats_are_not_found(api: Api) -> None:
    row = await item(api)
    body = await delete(api, "tool-items", [row["id"], row["id"]])
    assert body["results"] == [row]
    assert body["errors"] == [{"index": 1, "id": row["id"], "message": "Item not found or access denied"}]
    response = await api.client.get(f"{V1}/tool-items/{row['id']}")
    assert (response.status_code, response.json()) == (404, {"detail": "Not Found"})


async def test_deleting_a_referenced_row_is_a_per_item_error_naming_the_referrers(api: Api) -> None:
    a = await assembly(api)
    i = await instance(api, a["id"])
    body = await delete(api, "tool-assemblies", [a["id"]])
    assert body["success_count"] == 0 and i["id"] in body["errors"][0]["message"]
    assert (await delete(api, "tool-instances", [i["id"]]))["success_count"] == 1
    assert (await delete(api, "tool-assemblies", [a["id"]]))["success_count"] == 1


async def test_delete_without_body_or_with_a_bare_array_is_422(refusing_api: Api) -> None:
    api = refusing_api
    response = await api.client.request("DELETE", f"{V1}/tool-items")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body"]
    response = await api.client.request("DELETE", f"{V1}/tool-items", json=["x"])
    assert (response.status_code, response.json()["detail"][0]["type"]) == (422, "model_attributes_type")


# --- envelopes and malformed bodies (§2.4, §5.1) ----------------------------------------


@pytest.mark.parametrize(
    ("content", "loc", "kind"),
    [
        (b'{"items": [', ["body", 11], "json_invalid"),
        (b'[{"type": "holder"}]', ["body"], "model_attributes_type"),
        (b'{"item": []}', ["body", "items"], "missing"),
        (b'{"items": {"type": "holder"}}', ["body", "items"], "list_type"),
        (b'{"items": ["holder"]}', ["body", "items", 0], "model_attributes_type"),
        (b'{"items": [{"type": "holder"}, {"type": 5}]}', ["body", "items", 1, "type"], "string_type"),
    ],
)
async def test_malformed_create_is_422_and_writes_nothing(
    refusing_api: Api, content: bytes, loc: list[Any], kind: str
) -> None:
    api = refusing_api
    before = await api.counts()
    response = await api.client.post(
        f"{V1}/tool-items", content=content, headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert (error["loc"], error["type"]) == (loc, kind)
    assert set(error) >= {"loc", "msg", "type"}
    assert await api.counts() == before


async def test_preset_loaded_at_that_is_not_a_datetime_fails_the_request(api: Api) -> None:
    before = await api.counts()
    response = await api.client.post(
        f"{V1}/tool-presets",
        json={
            "items": [
                {"machine_id": "m", "tool_number": 1},
                {"machine_id": "m", "tool_number": 2, "loaded_at": "soon"},
            ]
        },
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "items", 1, "loaded_at"]
    assert await api.counts() == before


async def test_wear_progression_must_be_an_array(api: Api) -> None:
    response = await api.client.post(
        f"{V1}/tool-usage",
        json={"items": [{"preset_id": "p", "start_time": "2025-01-01", "wear_progression": {}}]},
    )
    assert (response.status_code, response.json()["detail"][0]["type"]) == (422, "list_type")


async def test_empty_envelopes_return_zero_counts(api: Api) -> None:
    empty = {"success_count": 0, "error_count": 0, "results": [], "errors": []}
    assert await post(api, "tool-sets", []) == empty
    assert await put(api, "tool-sets", []) == empty
    assert await delete(api, "tool-sets", []) == empty


@pytest.mark.settings(max_bulk_items=3)
async def test_a_bulk_array_over_the_limit_is_refused_whole_with_413(api: Api) -> None:
    before = await api.counts()
    for method, body in (
        ("POST", {"items": [{"type": "holder"}] * 4}),
        ("PUT", {"items": [{"id": "x", "version": 1}] * 4}),
        ("DELETE", {"ids": ["x"] * 4}),
    ):
        response = await api.client.request(method, f"{V1}/tool-items", json=body)
        assert response.status_code == 413, method
        assert "limit of 3" in response.json()["detail"]
    assert await api.counts() == before
    assert (await post(api, "tool-items", [{"type": "holder"}] * 3))["success_count"] == 3


# --- routing (§1) ------------------------------------------------------------------------


async def test_unrouted_methods_and_paths(api: Api) -> None:
    row = await item(api)
    cases = [
        ("PUT", f"{V1}/tool-items/{row['id']}", 405, "Method Not Allowed"),
        ("DELETE", f"{V1}/tool-sets/x", 405, "Method Not Allowed"),
        ("PATCH", f"{V1}/tool-items", 405, "Method Not Allowed"),
        ("GET", f"{V1}/tool-usage/x", 404, "Not Found"),
        ("PUT", f"{V1}/tool-usage/x", 404, "Not Found"),
        ("GET", f"{V1}/api-keys-nothing", 404, "Not Found"),
        ("GET", f"{V1}/tool-presets/{row['id']}", 404, "Not Found"),
    ]
    for method, url, status, detail in cases:
        response = await api.client.request(method, url)
        assert (response.status_code, response.json()) == (status, {"detail": detail}), (method, url)


async def test_a_trailing_slash_redirects_to_the_collection(refusing_api: Api) -> None:
    api = refusing_api
    for method in ("GET", "POST"):
        response = await api.client.request(method, f"{V1}/tool-items/", json={"items": []})
        assert response.status_code == 307
        assert response.headers["location"] == f"http://testserver{V1}/tool-items"


# --- lists (§5.3) ------------------------------------------------------------------------


async def test_list_filters_are_exact(api: Api) -> None:
    await created(
        api,
        "tool-items",
        [
            {"type": "cutting_tool", "manufacturer": "Sandvik", "product_code": "A"},
            {"type": "holder", "manufacturer": "Sandvik", "product_code": "B"},
            {"type": "holder", "manufacturer": "Kennametal", "product_code": "C"},
        ],
    )

    async def codes(**params: Any) -> list[str]:
        return sorted(r["product_code"] for r in (await get_list(api, "tool-items", **params))["items"])

    assert await codes(type="holder") == ["B", "C"]
    assert await codes(manufacturer="Sandvik") == ["A", "B"]
    assert await codes(manufacturer="sandvik") == []
    assert await codes(product_code="C", type="holder") == ["C"]
    assert await codes(type="") == ["A", "B", "C"]
    a = await assembly(api)
    await created(
        api, "tool-instances", [{"assembly_id": a["id"], "status": "retired"}, {"assembly_id": a["id"]}]
    )
    assert [r["status"] for r in (await get_list(api, "tool-instances", status="retired"))["items"]] == [
        "retired"
    ]
    await preset(api, 1, machine_id="lathe")
    await preset(api, 2)
    assert [r["machine_id"] for r in (await get_list(api, "tool-presets", machine_id="lathe"))["items"]] == [
        "lathe"
    ]
    await created(
        api,
        "tool-sets",
        [
            {"name": "a", "type": "template", "members": [{}]},
            {"name": "b", "type": "project", "status": "archived", "members": [{}]},
        ],
    )
    assert [r["name"] for r in (await get_list(api, "tool-sets", type="template"))["items"]] == ["a"]
    assert [r["name"] for r in (await get_list(api, "tool-sets", status="archived"))["items"]] == ["b"]


async def test_offset_paging_is_stable_and_covers_every_row_once(api: Api) -> None:
    for batch in range(3):
        await created(
            api, "tool-items", [{"type": "holder", "product_code": f"{batch}-{n}"} for n in range(5)]
        )
    seen: list[str] = []
    for offset in range(0, 15, 4):
        page = await get_list(api, "tool-items", limit=4, offset=offset)
        assert (page["total"], page["limit"], page["offset"]) == (15, 4, offset)
        seen += [r["id"] for r in page["items"]]
    assert len(seen) == len(set(seen)) == 15
    again = [r["id"] for r in (await get_list(api, "tool-items", limit=1000))["items"]]
    assert again == seen
    # Batches come back in creation order.
    assert [r["product_code"][0] for r in (await get_list(api, "tool-items"))["items"]] == ["0"] * 5 + [
        "1"
    ] * 5 + ["2"] * 5
    past = await get_list(api, "tool-items", offset=15)
    assert (past["items"], past["total"]) == ([], 15)


async def test_the_total_counts_what_the_filter_matches_wherever_the_window_is(api: Api) -> None:
    """The total comes with the page's rows, or from a count of its own past the end; either
    way it counts the filtered rows, not the collection."""
    assert (await get_list(api, "tool-items", type="holder"))["total"] == 0
    await created(api, "tool-items", [{"type": "holder"}] * 3 + [{"type": "cutting_tool"}] * 4)
    for params in ({"limit": 1}, {"limit": 2, "offset": 2}, {"offset": 3}, {"offset": 50}):
        page = await get_list(api, "tool-items", type="holder", **params)
        assert page["total"] == 3, params
        assert {r["type"] for r in page["items"]} <= {"holder"}
    assert (await get_list(api, "tool-items", limit=5, offset=5))["total"] == 7


@pytest.mark.parametrize(
    ("params", "kind"),
    [
        ({"limit": 0}, "greater_than_equal"),
        ({"limit": 1001}, "less_than_equal"),
        ({"limit": "ten"}, "int_parsing"),
        ({"offset": -1}, "greater_than_equal"),
        ({"offset": 2**63}, "less_than_equal"),
    ],
)
async def test_list_bounds_are_422(refusing_api: Api, params: dict[str, Any], kind: str) -> None:
    api = refusing_api
    response = await api.client.get(f"{V1}/tool-sets", params=params)
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == kind


async def test_a_nul_in_a_filter_is_400_not_a_database_error(refusing_api: Api) -> None:
    api = refusing_api
    response = await api.client.get(f"{V1}/tool-items", params={"manufacturer": "a\x00b"})
    assert response.status_code == 400
    assert "NUL" in response.json()["detail"]


async def test_limit_bounds_themselves_are_accepted(api: Api) -> None:
    await item(api)
    assert len((await get_list(api, "tool-items", limit=1))["items"]) == 1
    assert (await get_list(api, "tool-items", limit=1000))["limit"] == 1000


# --- health and documentation (§12) --------------------------------------------------------


async def test_health_and_documentation(refusing_api: Api) -> None:
    api = refusing_api
    response = await api.client.get("/api/health")
    assert (response.status_code, response.json()) == (
        200,
        {"service": "smooth", "version": "0.1.0", "status": "running"},
    )
    document = (await api.client.get(f"{V1}/openapi.json")).json()
    assert document["openapi"].startswith("3.")
    assert document["info"] == {"title": "Smooth Tool Data Exchange", "version": "0.1.0"}
    assert "/v1/tool-items" in document["paths"]
    for page in ("docs", "redoc"):
        response = await api.client.get(f"{V1}/{page}")
        assert response.status_code == 200 and "text/html" in response.headers["content-type"]
        assert f"{V1}/openapi.json" in response.text


async def test_a_number_beyond_float_range_is_a_422_not_a_500(api: Api) -> None:
    """1e400 is valid JSON that parses to infinity; the 422 that echoes it must still be sent."""
    response = await api.client.post(
        "/api/v1/tool-usage",
        content=b'{"items": [{"preset_id": null, "events": 1e400}]}',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 422
    [detail] = response.json()["detail"]
    assert (detail["type"], detail["loc"]) == ("list_type", ["body", "items", 0, "events"])
    assert await api.scalar("SELECT count(*) FROM audit_log") == 0
