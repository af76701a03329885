"""Deviations of the legacy REST layer from its contract, closed (issue 5): each test drives
the real app over HTTP on SQLite and PostgreSQL and asserts the contract's words."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import Api
from support.auth import AuthApi, Creds
from support.rest import (
    ITEMS,
    KEYS,
    V1,
    call,
    created,
    delete,
    get_list,
    get_one,
    put,
    rest_key,
    rest_login,
)

BOB = "bob@shop.example"


async def _bob(auth: AuthApi) -> Creds:
    await auth.register(BOB)
    return await rest_login(auth, BOB)


async def _rest_item(auth: AuthApi, creds: Creds, **fields: Any) -> dict[str, Any]:
    answer = await call(auth, "POST", ITEMS, creds, json={"items": [{"type": "holder", **fields}]})
    assert answer.status == 200 and answer.body["error_count"] == 0, answer.body
    return answer.body["results"][0]  # type: ignore[no-any-return]


# --- §0.1 item 1: delete:<entity> scopes ------------------------------------------------------


async def test_a_delete_scope_is_accepted_on_keys_and_grants_delete_of_that_collection_only(
    auth: AuthApi,
) -> None:
    bob = await _bob(auth)
    doomed = await _rest_item(auth, bob)
    kept = await _rest_item(auth, bob)
    _, deleter = await rest_key(auth, bob, ["delete:items"])

    gone = await call(auth, "DELETE", ITEMS, deleter, json={"ids": [doomed["id"]]})
    assert (gone.status, gone.body["success_count"], gone.body["errors"]) == (200, 1, [])
    # It grants nothing else: no update, no read, no delete of another collection.
    refused = (403, {"detail": "Permission denied: required scope 'write:items' not granted"})
    assert (await call(auth, "PUT", ITEMS, deleter, json={"items": [{**kept, "version": 1}]})).pair == refused
    assert (await call(auth, "GET", ITEMS, deleter)).status == 403
    other = await call(auth, "DELETE", "/api/v1/tool-sets", deleter, json={"ids": [kept["id"]]})
    assert other.pair == (403, {"detail": "Permission denied: required scope 'write:sets' not granted"})
    assert (await call(auth, "GET", f"{ITEMS}/{kept['id']}", bob)).status == 200
    assert (await call(auth, "GET", f"{ITEMS}/{doomed['id']}", bob)).status == 404


async def test_graphql_keys_take_delete_scopes_and_its_deletes_honour_them(auth: AuthApi) -> None:
    bob = await _bob(auth)
    item = await _rest_item(auth, bob)
    _, wildcard = await auth.key(bob, ["delete:*"])
    _, writer = await auth.key(bob, ["write:*"])
    _, item_deleter = await auth.key(bob, ["delete:items"])
    delete = "mutation($id: ID!) { deleteToolItems(input: [{id: $id}]) { successCount } }"
    which = {"id": item["id"]}

    # write:* covers the write family only (contract §4.1), so it deletes through write:items;
    # delete:* needs no write scope at all.
    refused = await auth.error(
        "mutation($id: ID!) { deleteToolSets(input: [{id: $id}]) { successCount } }",
        which,
        item_deleter,
    )
    assert refused["extensions"]["code"] == "FORBIDDEN"
    assert refused["message"] == "required scope 'write:sets' not granted"
    assert (await auth.ok(delete, which, wildcard))["deleteToolItems"]["successCount"] == 1
    assert (await auth.ok(delete, which, writer))["deleteToolItems"]["successCount"] == 0  # already gone
    listed = await call(auth, "GET", KEYS, bob)
    assert {tuple(k["scopes"]) for k in listed.body} >= {("delete:*",), ("delete:items",)}


# --- §13.6: the tag refusal -----------------------------------------------------------------


async def test_a_tag_refusal_is_the_contract_text_on_rest_and_names_the_field_in_graphql(
    auth: AuthApi,
) -> None:
    bob = await _bob(auth)
    _, tagged = await rest_key(auth, bob, ["read", "write:*"], tags=["t1"])
    item = await _rest_item(auth, tagged, tags=["t1"])

    made = await call(
        auth, "POST", ITEMS, tagged, json={"items": [{"type": "holder", "tags": ["t1", "zz", "b2"]}]}
    )
    assert made.body["errors"] == [
        {"index": 0, "id": None, "message": "API key not authorized for tags: b2, zz"}
    ]
    moved = await call(
        auth, "PUT", ITEMS, tagged, json={"items": [{"id": item["id"], "version": 1, "tags": ["b2"]}]}
    )
    assert moved.body["errors"] == [
        {"index": 0, "id": item["id"], "message": "API key not authorized for tags: b2"}
    ]
    data = await auth.ok(
        'mutation { createToolItems(input: [{name: "x", category: HOLDER, tags: ["zz"]}]) '
        "{ successCount errors { code message } } }",
        creds=tagged,
    )
    assert data["createToolItems"] == {
        "successCount": 0,
        "errors": [{"code": "FORBIDDEN", "message": "tags: API key not authorized for tags: zz"}],
    }
    assert (await call(auth, "GET", ITEMS, bob)).body["total"] == 1  # nothing refused was written


# --- ids in upper case name the same rows (§2.2: ids are lower-case UUIDs) ------------------


async def test_an_upper_case_id_names_the_same_row_everywhere(api: Api) -> None:
    [tool] = await created(api, "tool-items", [{"type": "holder"}])
    [kit] = await created(
        api, "tool-assemblies", [{"name": "kit", "components": [{"item_id": tool["id"], "role": "holder"}]}]
    )
    [tool_set] = await created(
        api, "tool-sets", [{"name": "s", "type": "template", "members": [{"preset_id": "p-1"}]}]
    )
    upper, kit_upper, set_upper = tool["id"].upper(), kit["id"].upper(), tool_set["id"].upper()

    assert (await get_one(api, "tool-items", upper))["id"] == tool["id"]
    data = await api.gql(
        f'{{ toolItem(id: "{upper}") {{ id }} toolAssembly(id: "{kit_upper}") {{ id holder {{ id }} }} }}'
    )
    assert data == {
        "toolItem": {"id": tool["id"]},
        "toolAssembly": {"id": kit["id"], "holder": {"id": tool["id"]}},
    }
    [made] = await created(api, "tool-instances", [{"assembly_id": kit_upper}])
    assert made["assembly_id"] == kit["id"]
    listed = await api.gql(
        f'{{ toolInstances(filter: {{toolAssemblyId: "{kit_upper}"}}) {{ edges {{ node {{ id }} }} }} }}'
    )
    assert listed["toolInstances"]["edges"] == [{"node": {"id": made["id"]}}]
    logged = await api.client.get(f"{V1}/audit-logs", params={"entity_id": upper})
    assert [entry["entity_id"] for entry in logged.json()["logs"]] == [tool["id"]]
    changed = await put(api, "tool-items", [{"id": upper, "version": 1, "description": "renamed"}])
    assert changed["errors"] == [] and changed["results"][0]["id"] == tool["id"]
    updated = await put(api, "tool-sets", [{"id": set_upper, "version": 1, "name": "s2"}])
    assert updated["errors"] == []
    history = await api.client.get(f"{V1}/tool-sets/{set_upper}/history")
    assert history.status_code == 200 and [v["version"] for v in history.json()["versions"]] == [1]
    gone = await delete(api, "tool-instances", [made["id"].upper()])
    assert gone["errors"] == [] and gone["success_count"] == 1
    again = await delete(api, "tool-instances", [made["id"].upper()])
    assert again["errors"] == [
        {"index": 0, "id": made["id"].upper(), "message": "Instance not found or access denied"}
    ]
    assert await api.scalar("SELECT count(*) FROM tool_instances") == 0


# --- §2.4: an unparsable timestamp is `datetime_parsing`, as the legacy stack said ------------

BAD_TIMES = [
    ("tomorrow", "input is too short"),
    ("2025-13-01T00:00:00", "month value is outside expected range of 1-12"),
    ("2025-01-01T25:00:00", "hour value is outside expected range of 0-23"),
]
TIME_FIELDS = [
    ("GET", "/api/v1/changes/tool_items/since-timestamp", "since_timestamp", ["query", "since_timestamp"]),
    ("GET", "/api/v1/changes/tool_items/since-timestamp", "timestamp", ["query", "timestamp"]),
    ("GET", "/api/v1/audit-logs", "start", ["query", "start"]),
    ("GET", "/api/v1/audit-logs", "end", ["query", "end"]),
    ("POST", "/api/v1/tool-presets", "loaded_at", ["body", "items", 0, "loaded_at"]),
    ("PUT", "/api/v1/tool-presets", "loaded_at", ["body", "items", 0, "loaded_at"]),
    ("POST", "/api/v1/auth/keys", "expires_at", ["body", "expires_at"]),
]


@pytest.mark.parametrize(("method", "path", "name", "loc"), TIME_FIELDS)
async def test_every_timestamp_field_refuses_an_unparsable_time_with_the_legacy_422(
    api: Api, method: str, path: str, name: str, loc: list[Any]
) -> None:
    for text, problem in BAD_TIMES:
        if method == "GET":
            response = await api.client.get(path, params={name: text})
        else:
            element = {"machine_id": "m", "tool_number": 1, name: text}
            if method == "PUT":
                element |= {"id": "x", "version": 1}
            body = {"name": "k", "scopes": ["read"], name: text} if "keys" in path else {"items": [element]}
            response = await api.client.request(method, path, json=body)
        assert response.status_code == 422, response.text
        [error] = response.json()["detail"]
        assert (error["type"], error["loc"], error["msg"]) == (
            "datetime_parsing",
            loc,
            f"Input should be a valid datetime, {problem}",
        )
        assert error["input"] == text and error["ctx"] == {"error": problem}
    assert await api.scalar("SELECT count(*) FROM tool_presets") == 0


# --- legacy arrays stay truthful after GraphQL replaces the relation ----------------------------


async def test_a_graphql_update_of_components_or_members_is_what_rest_reads_next(api: Api) -> None:
    first, second = await created(api, "tool-items", [{"type": "holder"}, {"type": "cutting_tool"}])
    written = [{"item_id": first["id"], "role": "holder"}, {"item_id": "tool-1", "role": "cutter"}]
    [kit] = await created(api, "tool-assemblies", [{"name": "kit", "components": written}])
    presets = await created(
        api, "tool-presets", [{"machine_id": "m", "tool_number": 1}, {"machine_id": "m", "tool_number": 2}]
    )
    members = [{"preset_id": presets[0]["id"], "sequence": 1}, {"preset_id": "placeholder", "sequence": 2}]
    [kit_set] = await created(api, "tool-sets", [{"name": "s", "type": "template", "members": members}])

    # An update that leaves the relation alone keeps the array exactly as written.
    await api.gql(
        'mutation($a: ID!, $s: ID!) { updateToolAssemblies(input: [{id: $a, expectedVersion: 1, name: "k2"}]) '
        '{ successCount } updateToolSets(input: [{id: $s, expectedVersion: 1, name: "s2"}]) { successCount } }',
        {"a": kit["id"], "s": kit_set["id"]},
    )
    assert (await get_one(api, "tool-assemblies", kit["id"]))["components"] == written
    assert (await get_one(api, "tool-sets", kit_set["id"]))["members"] == members

    # Replacing the relation replaces what REST shows.
    data = await api.gql(
        "mutation($a: ID!, $s: ID!, $i: ID!, $p: ID!) {"
        " a: updateToolAssemblies(input: [{id: $a, expectedVersion: 2,"
        "   components: [{itemId: $i, role: CUTTER, gaugeOffset: 1.5}]}]) { successCount }"
        " s: updateToolSets(input: [{id: $s, expectedVersion: 2, toolPresetIds: [$p]}]) { successCount } }",
        {"a": kit["id"], "s": kit_set["id"], "i": second["id"], "p": presets[1]["id"]},
    )
    assert data == {"a": {"successCount": 1}, "s": {"successCount": 1}}
    shown = await get_one(api, "tool-assemblies", kit["id"])
    assert shown["components"] == [
        {"item_id": second["id"], "role": "cutter", "position": 0, "gauge_offset": 1.5}
    ]
    assert (await get_one(api, "tool-sets", kit_set["id"]))["members"] == [
        {"preset_id": presets[1]["id"], "sequence": 1}
    ]
    listed = await get_list(api, "tool-assemblies")
    assert listed["items"][0]["components"] == shown["components"]
    # A legacy client that writes an array again owns it again, verbatim.
    again = await put(api, "tool-sets", [{"id": kit_set["id"], "version": 3, "members": members}])
    assert again["results"][0]["members"] == members


# --- derived names follow the fields they come from (§16: legacy rows carry no name) -----------


async def test_a_derived_name_follows_its_fields_until_someone_names_the_row(api: Api) -> None:
    [preset] = await created(api, "tool-presets", [{"machine_id": "m", "tool_number": 3}])
    [item] = await created(api, "tool-items", [{"type": "drill", "description": "10 mm drill\nHSS"}])
    names = "query($p: ID!, $i: ID!) { toolPreset(id: $p) { name } toolItem(id: $i) { name } }"
    ids = {"p": preset["id"], "i": item["id"]}
    assert await api.gql(names, ids) == {"toolPreset": {"name": "T3"}, "toolItem": {"name": "10 mm drill"}}

    await put(api, "tool-presets", [{"id": preset["id"], "version": 1, "tool_number": 7}])
    await put(api, "tool-items", [{"id": item["id"], "version": 1, "description": "12 mm drill"}])
    assert await api.gql(names, ids) == {"toolPreset": {"name": "T7"}, "toolItem": {"name": "12 mm drill"}}
    # Through GraphQL too; and once the description is gone, the item falls back to maker and type.
    await api.gql(
        "mutation($p: ID!, $i: ID!) {"
        " updateToolPresets(input: [{id: $p, expectedVersion: 2, toolNumber: 8}]) { successCount }"
        ' updateToolItems(input: [{id: $i, expectedVersion: 2, description: null, manufacturer: "Guhring"}])'
        " { successCount } }",
        ids,
    )
    assert await api.gql(names, ids) == {"toolPreset": {"name": "T8"}, "toolItem": {"name": "Guhring drill"}}

    # A chosen name stays, whatever changes after.
    await api.gql(
        'mutation($p: ID!) { updateToolPresets(input: [{id: $p, expectedVersion: 3, name: "Roughing"}]) '
        "{ successCount } }",
        {"p": preset["id"]},
    )
    await put(api, "tool-presets", [{"id": preset["id"], "version": 4, "tool_number": 9}])
    assert (await api.gql(names, ids))["toolPreset"] == {"name": "Roughing"}
