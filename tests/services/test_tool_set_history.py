"""Tool-set history (contract §11 and §0.1 item 9): snapshots of the state before
each update, version lookups, comparisons, and restore as a new version with
version numbers that are never stored twice."""

from __future__ import annotations

import uuid
from typing import Any

from conftest import Api
from smooth_gql.auth.principal import LOCAL_ADMIN_ID
from support.factories import create_ok

HISTORY = """
query($id: ID!) { toolSetHistory(toolSetId: $id) { version changedAt changedBy changeSummary isCurrent snapshot } }"""
VERSION = """
query($id: ID!, $v: Int!) { toolSetVersion(toolSetId: $id, version: $v) {
  version changedAt changedBy changeSummary isCurrent snapshot } }"""
COMPARE = """
query($id: ID!, $a: Int!, $b: Int!) { compareToolSetVersions(toolSetId: $id, versionA: $a, versionB: $b) {
  toolSetId versionA versionB totalChanges differences { field valueA valueB } } }"""
RESTORE = """
mutation($id: ID!, $v: Int!) { restoreToolSetVersion(toolSetId: $id, version: $v) {
  id name description status isGlobal members capacity tags version updatedBy
  toolInstances { id } toolPresets { id } } }"""
SET_STATE = """
query($id: ID!) { toolSet(id: $id) {
  name description type status isGlobal machineId jobId members capacity activation tags version
  toolInstances { id } toolPresets { id } } }"""
SNAPSHOT_KEYS = {
    "id",
    "name",
    "description",
    "type",
    "legacy_type",
    "status",
    "legacy_status",
    "is_global",
    "machine_id",
    "job_id",
    "members",
    "capacity",
    "activation",
    "tags",
    "owner_id",
    "created_by",
    "created_at",
    "updated_at",
    "updated_by",
    "tool_instance_ids",
    "tool_preset_ids",
}


async def make_set(api: Api, **fields: Any) -> str:
    [set_id] = await create_ok(api, "ToolSet", [{"name": "v1 name", "type": "MACHINE_SETUP", **fields}])
    return set_id


async def update_set(api: Api, set_id: str, version: int, **fields: Any) -> dict[str, Any]:
    data = await api.gql(
        """mutation($input: [ToolSetUpdateInput!]!) {
          updateToolSets(input: $input) { successCount results { version } errors { code message } }
        }""",
        {"input": [{"id": set_id, "expectedVersion": version, **fields}]},
    )
    return data["updateToolSets"]  # type: ignore[no-any-return]


async def update_ok(api: Api, set_id: str, version: int, **fields: Any) -> None:
    result = await update_set(api, set_id, version, **fields)
    assert result["successCount"] == 1, result["errors"]
    assert result["results"][0]["version"] == version + 1


async def history(api: Api, set_id: str) -> list[dict[str, Any]]:
    return (await api.gql(HISTORY, {"id": set_id}))["toolSetHistory"]  # type: ignore[no-any-return]


async def error_code(api: Api, query: str, variables: dict[str, Any]) -> str:
    body = await api.gql_raw(query, variables)
    assert body.get("data") is None, body
    [error] = body["errors"]
    return str(error["extensions"]["code"])


async def stored_versions(api: Api, set_id: str) -> int:
    return int(await api.scalar("SELECT count(*) FROM tool_set_versions WHERE tool_set_id = :id", id=set_id))


async def instances(api: Api, count: int) -> list[str]:
    return await create_ok(api, "ToolInstance", [{"serialNumber": f"SN-{i}"} for i in range(count)])


def summary(entries: list[dict[str, Any]]) -> list[tuple[int, str | None, bool]]:
    return [(e["version"], e["changeSummary"], e["isCurrent"]) for e in entries]


def summaries(entries: list[dict[str, Any]]) -> list[tuple[int, str | None]]:
    return [(e["version"], e["changeSummary"]) for e in entries]


# --- snapshots --------------------------------------------------------------------------


async def test_create_does_not_snapshot_and_history_is_the_live_version(api: Api) -> None:
    [inst] = await instances(api, 1)
    set_id = await make_set(api, toolInstanceIds=[inst], members=[{"slot": 1}])

    [live] = await history(api, set_id)
    assert (live["version"], live["changeSummary"], live["isCurrent"]) == (1, None, True)
    assert live["changedBy"] == LOCAL_ADMIN_ID
    assert live["snapshot"]["name"] == "v1 name"
    assert live["snapshot"]["tool_instance_ids"] == [inst]
    assert live["snapshot"]["members"] == [{"slot": 1}]
    assert await stored_versions(api, set_id) == 0


async def test_each_update_stores_the_pre_update_state_under_the_pre_update_version(api: Api) -> None:
    i1, i2 = await instances(api, 2)
    set_id = await make_set(api, toolInstanceIds=[i1], members=[{"slot": 1}])
    await update_ok(api, set_id, 1, name="v2 name", toolInstanceIds=[i1, i2])
    await update_ok(api, set_id, 2, description="now with a description")

    entries = await history(api, set_id)
    assert summary(entries) == [(3, None, True), (2, None, False), (1, None, False)]
    assert [e["snapshot"]["name"] for e in entries] == ["v2 name", "v2 name", "v1 name"]
    assert [e["snapshot"]["description"] for e in entries] == ["now with a description", None, None]
    assert [e["snapshot"]["tool_instance_ids"] for e in entries] == [[i1, i2], [i1, i2], [i1]]
    assert all(e["changedBy"] == LOCAL_ADMIN_ID for e in entries)
    assert await stored_versions(api, set_id) == 2


async def test_failed_updates_store_no_snapshot(api: Api) -> None:
    set_id = await make_set(api)
    conflict = await update_set(api, set_id, 7, name="never")
    assert conflict["errors"][0]["code"] == "VERSION_CONFLICT"
    invalid = await update_set(api, set_id, 1, toolInstanceIds=[str(uuid.uuid4())])
    assert invalid["errors"][0]["code"] == "NOT_FOUND"

    assert summary(await history(api, set_id)) == [(1, None, True)]
    assert await stored_versions(api, set_id) == 0


async def test_tool_set_version_returns_the_snapshot(api: Api) -> None:
    i1, i2 = await instances(api, 2)
    [preset] = await create_ok(
        api, "ToolPreset", [{"name": "T1", "machineId": "mill-1", "toolInstanceId": i1}]
    )
    set_id = await make_set(
        api,
        description="first",
        status="ACTIVE",
        isGlobal=True,
        machineId="mill-1",
        jobId="J-1",
        members=[{"slot": 1, "tool": "a"}],
        capacity={"max": 24},
        activation={"on": True},
        tags=["x"],
        toolInstanceIds=[i2, i1],
        toolPresetIds=[preset],
    )
    await update_ok(api, set_id, 1, name="renamed", toolInstanceIds=[], toolPresetIds=[])

    stored = (await api.gql(VERSION, {"id": set_id, "v": 1}))["toolSetVersion"]
    assert (stored["version"], stored["changeSummary"], stored["isCurrent"]) == (1, None, False)
    assert stored["changedBy"] == LOCAL_ADMIN_ID
    snapshot = stored["snapshot"]
    assert set(snapshot) == SNAPSHOT_KEYS
    assert {k: snapshot[k] for k in SNAPSHOT_KEYS - {"created_at", "updated_at"}} == {
        "id": set_id,
        "name": "v1 name",
        "description": "first",
        "type": "MACHINE_SETUP",
        "legacy_type": None,
        "status": "ACTIVE",
        "legacy_status": None,
        "is_global": True,
        "machine_id": "mill-1",
        "job_id": "J-1",
        "members": [{"slot": 1, "tool": "a"}],
        "capacity": {"max": 24},
        "activation": {"on": True},
        "tags": ["x"],
        "owner_id": LOCAL_ADMIN_ID,
        "created_by": LOCAL_ADMIN_ID,
        "updated_by": LOCAL_ADMIN_ID,
        "tool_instance_ids": [i2, i1],
        "tool_preset_ids": [preset],
    }
    assert snapshot["created_at"].endswith("+00:00")

    live = (await api.gql(VERSION, {"id": set_id, "v": 2}))["toolSetVersion"]
    assert live["isCurrent"] is True
    assert live["snapshot"]["name"] == "renamed"
    assert live["snapshot"]["tool_instance_ids"] == []


async def test_unknown_version_or_set_is_not_found(api: Api) -> None:
    set_id = await make_set(api)
    await update_ok(api, set_id, 1, name="v2 name")
    stranger = str(uuid.uuid4())

    assert await error_code(api, VERSION, {"id": set_id, "v": 3}) == "NOT_FOUND"
    assert await error_code(api, VERSION, {"id": set_id, "v": 0}) == "NOT_FOUND"
    assert await error_code(api, VERSION, {"id": stranger, "v": 1}) == "NOT_FOUND"
    assert await error_code(api, HISTORY, {"id": stranger}) == "NOT_FOUND"
    assert await error_code(api, COMPARE, {"id": set_id, "a": 1, "b": 9}) == "NOT_FOUND"
    assert await error_code(api, COMPARE, {"id": set_id, "a": 9, "b": 1}) == "NOT_FOUND"
    assert await error_code(api, COMPARE, {"id": stranger, "a": 1, "b": 2}) == "NOT_FOUND"
    assert await error_code(api, RESTORE, {"id": stranger, "v": 1}) == "NOT_FOUND"


# --- compare ------------------------------------------------------------------------------


async def test_compare_returns_only_the_fields_that_differ(api: Api) -> None:
    i1, i2 = await instances(api, 2)
    set_id = await make_set(api, members=[{"slot": 1}], toolInstanceIds=[i1], capacity={"max": 10})
    await update_ok(
        api, set_id, 1, name="v2 name", members=[{"slot": 2}], toolInstanceIds=[i1, i2], tags=["new"]
    )

    comparison = (await api.gql(COMPARE, {"id": set_id, "a": 1, "b": 2}))["compareToolSetVersions"]
    assert (comparison["toolSetId"], comparison["versionA"], comparison["versionB"]) == (set_id, 1, 2)
    assert comparison["differences"] == [
        {"field": "name", "valueA": "v1 name", "valueB": "v2 name"},
        {"field": "members", "valueA": [{"slot": 1}], "valueB": [{"slot": 2}]},
        {"field": "tags", "valueA": [], "valueB": ["new"]},
        {"field": "tool_instance_ids", "valueA": [i1], "valueB": [i1, i2]},
    ]
    assert comparison["totalChanges"] == 4

    swapped = (await api.gql(COMPARE, {"id": set_id, "a": 2, "b": 1}))["compareToolSetVersions"]
    assert [(d["field"], d["valueA"], d["valueB"]) for d in swapped["differences"]] == [
        (d["field"], d["valueB"], d["valueA"]) for d in comparison["differences"]
    ]

    same = (await api.gql(COMPARE, {"id": set_id, "a": 1, "b": 1}))["compareToolSetVersions"]
    assert same["differences"] == [] and same["totalChanges"] == 0


async def test_compare_against_the_live_version(api: Api) -> None:
    set_id = await make_set(api)
    await update_ok(api, set_id, 1, name="v2 name")
    await update_ok(api, set_id, 2, description="v3 only", isGlobal=True, capacity={"max": 3})

    comparison = (await api.gql(COMPARE, {"id": set_id, "a": 2, "b": 3}))["compareToolSetVersions"]
    assert comparison["differences"] == [
        {"field": "description", "valueA": None, "valueB": "v3 only"},
        {"field": "is_global", "valueA": False, "valueB": True},
        {"field": "capacity", "valueA": None, "valueB": {"max": 3}},
    ]
    assert comparison["totalChanges"] == 3
    assert (await api.gql(COMPARE, {"id": set_id, "a": 1, "b": 3}))["compareToolSetVersions"][
        "totalChanges"
    ] == 4


# --- restore ------------------------------------------------------------------------------


async def test_restore_writes_a_new_version_equal_to_the_old_snapshot(api: Api) -> None:
    i1, i2, i3 = await instances(api, 3)
    p1, p2 = await create_ok(
        api,
        "ToolPreset",
        [
            {"name": "T1", "machineId": "mill-1", "toolNumber": 1},
            {"name": "T2", "machineId": "mill-1", "toolNumber": 2},
        ],
    )
    set_id = await make_set(
        api,
        description="original",
        members=[{"slot": 1}],
        capacity={"max": 10},
        tags=["a"],
        toolInstanceIds=[i2, i1],
        toolPresetIds=[p2, p1],
    )
    before = (await api.gql(SET_STATE, {"id": set_id}))["toolSet"]
    await update_ok(
        api,
        set_id,
        1,
        name="v2 name",
        description=None,
        status="ARCHIVED",
        isGlobal=True,
        members=[],
        capacity=None,
        tags=["b"],
        toolInstanceIds=[i3],
        toolPresetIds=[],
    )

    restored = (await api.gql(RESTORE, {"id": set_id, "v": 1}))["restoreToolSetVersion"]
    assert restored["version"] == 3
    assert restored["name"] == "v1 name"
    assert restored["updatedBy"] == LOCAL_ADMIN_ID
    assert [i["id"] for i in restored["toolInstances"]] == [i2, i1]
    assert [p["id"] for p in restored["toolPresets"]] == [p2, p1]

    after = (await api.gql(SET_STATE, {"id": set_id}))["toolSet"]
    assert after == {**before, "version": 3}, "every field and the membership are back"

    entries = await history(api, set_id)
    assert summaries(entries) == [
        (3, "Restored from version 1"),
        (2, "Before restore to version 1"),
        (1, None),
    ]
    assert not entries[1]["isCurrent"] and not entries[2]["isCurrent"]
    assert entries[1]["snapshot"]["name"] == "v2 name"
    assert entries[1]["snapshot"]["tool_instance_ids"] == [i3]
    assert entries[0]["snapshot"]["tool_instance_ids"] == [i2, i1]
    comparison = (await api.gql(COMPARE, {"id": set_id, "a": 1, "b": 3}))["compareToolSetVersions"]
    assert comparison["totalChanges"] == 0, comparison["differences"]


async def test_restore_brings_back_null_fields_as_null(api: Api) -> None:
    """A set created with only its required fields has members, capacity, ... null;
    restoring that version must not turn any of them into something else."""
    set_id = await make_set(api)
    before = (await api.gql(SET_STATE, {"id": set_id}))["toolSet"]
    assert before["members"] is None
    await update_ok(api, set_id, 1, name="v2 name", members=[{"slot": 1}], capacity={"max": 2})

    await api.gql(RESTORE, {"id": set_id, "v": 1})

    after = (await api.gql(SET_STATE, {"id": set_id}))["toolSet"]
    assert after == {**before, "version": 3}
    comparison = (await api.gql(COMPARE, {"id": set_id, "a": 1, "b": 3}))["compareToolSetVersions"]
    assert comparison["differences"] == []


async def test_no_version_number_appears_twice_after_restore_and_update(api: Api) -> None:
    """Upstream stored the post-restore state and then the next update's pre-update
    state under the same number; here each number is stored once."""
    set_id = await make_set(api)
    await update_ok(api, set_id, 1, name="v2 name")
    await api.gql(RESTORE, {"id": set_id, "v": 1})  # -> v3
    await update_ok(api, set_id, 3, name="v4 name")
    await api.gql(RESTORE, {"id": set_id, "v": 2})  # -> v5
    await update_ok(api, set_id, 5, name="v6 name")

    entries = await history(api, set_id)
    versions = [e["version"] for e in entries]
    assert versions == [6, 5, 4, 3, 2, 1]
    assert summaries(entries) == [
        (6, None),
        (5, "Restored from version 2"),
        (4, "Before restore to version 2"),
        (3, "Restored from version 1"),
        (2, "Before restore to version 1"),
        (1, None),
    ]
    assert [e["isCurrent"] for e in entries] == [True, False, False, False, False, False]
    assert [e["snapshot"]["name"] for e in entries] == [
        "v6 name",
        "v2 name",
        "v4 name",
        "v1 name",
        "v2 name",
        "v1 name",
    ]
    for number, name in ((3, "v1 name"), (5, "v2 name")):
        entry = (await api.gql(VERSION, {"id": set_id, "v": number}))["toolSetVersion"]
        assert entry["snapshot"]["name"] == name
    distinct = "SELECT count(DISTINCT version) FROM tool_set_versions WHERE tool_set_id = :id"
    assert await api.scalar(distinct, id=set_id) == await stored_versions(api, set_id) == 5


async def test_restoring_the_live_version_writes_an_identical_new_version(api: Api) -> None:
    set_id = await make_set(api)
    await update_ok(api, set_id, 1, name="v2 name")
    restored = (await api.gql(RESTORE, {"id": set_id, "v": 2}))["restoreToolSetVersion"]
    assert (restored["version"], restored["name"]) == (3, "v2 name")
    assert summaries(await history(api, set_id)) == [
        (3, "Restored from version 2"),
        (2, "Before restore to version 2"),
        (1, None),
    ]


async def test_restore_of_an_unknown_version_changes_nothing(api: Api) -> None:
    set_id = await make_set(api)
    await update_ok(api, set_id, 1, name="v2 name")
    rows_before = await api.counts()
    state_before = (await api.gql(SET_STATE, {"id": set_id}))["toolSet"]
    history_before = await history(api, set_id)

    body = await api.gql_raw(RESTORE, {"id": set_id, "v": 5})
    assert body["data"] is None
    [error] = body["errors"]
    assert error["extensions"]["code"] == "NOT_FOUND"
    assert "snapshot" not in error["message"] and "v1 name" not in error["message"]

    assert await api.counts() == rows_before
    assert (await api.gql(SET_STATE, {"id": set_id}))["toolSet"] == state_before
    assert await history(api, set_id) == history_before


async def test_restore_that_names_a_deleted_member_is_refused_and_changes_nothing(api: Api) -> None:
    i1, i2 = await instances(api, 2)
    set_id = await make_set(api, toolInstanceIds=[i1])
    await update_ok(api, set_id, 1, toolInstanceIds=[i2])
    deleted = await api.gql(
        "mutation($id: ID!) { deleteToolInstances(input: [{id: $id}]) { successCount } }", {"id": i1}
    )
    assert deleted["deleteToolInstances"]["successCount"] == 1
    rows_before = await api.counts()

    assert await error_code(api, RESTORE, {"id": set_id, "v": 1}) == "NOT_FOUND"
    assert await api.counts() == rows_before
    state = (await api.gql(SET_STATE, {"id": set_id}))["toolSet"]
    assert state["version"] == 2 and [i["id"] for i in state["toolInstances"]] == [i2]


async def test_restore_writes_audit_and_change_log_rows(api: Api) -> None:
    set_id = await make_set(api)
    await update_ok(api, set_id, 1, name="v2 name")
    audit = (
        "SELECT count(*) FROM audit_log WHERE entity_id = :id AND operation = 'UPDATE' AND result = 'success'"
    )
    changes = "SELECT count(*) FROM change_log WHERE entity_id = :id AND operation = 'UPDATED'"
    assert await api.scalar(audit, id=set_id) == 1
    assert await api.scalar(changes, id=set_id) == 1

    await api.gql(RESTORE, {"id": set_id, "v": 1})

    assert await api.scalar(audit, id=set_id) == 2
    assert await api.scalar(changes, id=set_id) == 2
    newest_change = "SELECT max(version) FROM change_log WHERE entity_id = :id"
    assert await api.scalar(newest_change, id=set_id) == 3
    actor = "SELECT changed_by FROM change_log WHERE entity_id = :id AND version = 3"
    assert await api.scalar(actor, id=set_id) == LOCAL_ADMIN_ID
    entry = (
        await api.gql(
            """query($id: String!) { auditLog(filter: {entityId: $id}, first: 1) {
             edges { node { operation result userId changes } } } }""",
            {"id": set_id},
        )
    )["auditLog"]["edges"][0]["node"]
    assert (entry["operation"], entry["result"], entry["userId"]) == ("UPDATE", "success", LOCAL_ADMIN_ID)
    assert entry["changes"]["before"]["name"] == "v2 name"
    assert entry["changes"]["after"]["name"] == "v1 name"
    assert entry["changes"]["after"]["version"] == 3
