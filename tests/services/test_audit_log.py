"""The audit log: one immutable entry per element of every bulk write, newest first."""

from __future__ import annotations

import base64
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

from conftest import Api
from smooth_gql.auth.principal import LOCAL_ADMIN_ID
from support.factories import create, create_ok

AUDIT = """
query($filter: AuditLogFilter, $first: Int, $after: String) {
  auditLog(filter: $filter, first: $first, after: $after) {
    edges { cursor node { id userId ownerId timestamp operation entityType entityId changes result errorMessage } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}"""
UPDATE_ITEMS = """
mutation($input: [ToolItemUpdateInput!]!) { updateToolItems(input: $input) { successCount errorCount } }"""
DELETE_ITEMS = """
mutation($input: [DeleteInput!]!) { deleteToolItems(input: $input) { successCount errorCount } }"""


async def entries(api: Api, filter: dict[str, Any] | None = None, first: int = 1000) -> list[dict[str, Any]]:
    page = (await api.gql(AUDIT, {"filter": filter, "first": first}))["auditLog"]
    return [e["node"] for e in page["edges"]]


async def test_bulk_create_records_one_entry_per_element_success_and_error(api: Api) -> None:
    given_id = str(uuid.uuid4())
    result = await create(
        api,
        "ToolItem",
        [
            {"name": "first", "manufacturer": "Sandvik"},
            {"name": "  "},
            {"id": given_id, "name": "third"},
            {"id": given_id, "name": "duplicate id"},
        ],
    )
    assert result["successCount"] == 2 and result["errorCount"] == 2
    first_id = result["results"][0]["id"]

    log = await entries(api)
    assert len(log) == 4
    successes = sorted(
        (e for e in log if e["result"] == "success"), key=lambda e: e["changes"]["after"]["name"]
    )
    failures = sorted((e for e in log if e["result"] == "error"), key=lambda e: e["entityId"])
    assert [e["entityId"] for e in successes] == [first_id, given_id]
    for entry in successes:
        assert entry["operation"] == "CREATE" and entry["entityType"] == "ToolItem"
        assert entry["errorMessage"] is None
        assert entry["ownerId"] == LOCAL_ADMIN_ID
        assert entry["changes"]["after"]["id"] == entry["entityId"]
        assert entry["changes"]["after"]["version"] == 1
    assert successes[0]["changes"]["after"]["manufacturer"] == "Sandvik"

    assert [(e["entityId"], e["operation"], e["changes"]) for e in failures] == [
        (given_id, "CREATE", None),
        ("unknown", "CREATE", None),  # an element without an id
    ]
    assert failures[0]["errorMessage"] == "id: appears more than once in this batch"
    assert failures[1]["errorMessage"] == "name: must not be empty"
    assert all(e["userId"] == LOCAL_ADMIN_ID for e in log)
    assert len({e["id"] for e in log}) == 4
    assert len({e["timestamp"] for e in log}) == 1, "one bulk call, one instant"


async def test_update_entries_hold_before_and_after_of_what_changed(api: Api) -> None:
    one, two = await create_ok(
        api,
        "ToolItem",
        [
            {"name": "old name", "manufacturer": "Sandvik"},
            {"name": "untouched"},
        ],
    )
    data = await api.gql(
        UPDATE_ITEMS,
        {
            "input": [
                {"id": one, "expectedVersion": 1, "name": "new name", "description": "added"},
                {"id": two, "expectedVersion": 4, "name": "never"},
                {"id": str(uuid.uuid4()), "expectedVersion": 1, "name": "nobody"},
            ]
        },
    )
    assert data["updateToolItems"] == {"successCount": 1, "errorCount": 2}

    updates = await entries(api, {"operation": "UPDATE"})
    assert len(updates) == 3
    [success] = [e for e in updates if e["result"] == "success"]
    assert success["entityId"] == one
    assert success["changes"] == {
        "before": {"name": "old name", "description": None, "version": 1},
        "after": {"name": "new name", "description": "added", "version": 2},
    }, "only changed fields; no bookkeeping columns"

    conflict = next(e for e in updates if e["entityId"] == two)
    assert conflict["result"] == "error"
    assert conflict["changes"] is None
    assert conflict["errorMessage"] == "expectedVersion: version conflict: expected 4, current is 1"
    assert conflict["ownerId"] == LOCAL_ADMIN_ID
    missing = next(e for e in updates if e["entityId"] not in (one, two))
    assert missing["result"] == "error" and missing["errorMessage"].startswith("id: no ToolItem with id")
    assert missing["ownerId"] is None


async def test_delete_entries_hold_the_deleted_row_and_refusals(api: Api) -> None:
    doomed, used = await create_ok(api, "ToolItem", [{"name": "doomed"}, {"name": "used"}])
    [instance] = await create_ok(api, "ToolInstance", [{"serialNumber": "SN-1", "toolItemId": used}])
    missing = str(uuid.uuid4())
    data = await api.gql(DELETE_ITEMS, {"input": [{"id": doomed}, {"id": used}, {"id": missing}]})
    assert data["deleteToolItems"] == {"successCount": 1, "errorCount": 2}

    deletes = {e["entityId"]: e for e in await entries(api, {"operation": "DELETE"})}
    assert set(deletes) == {doomed, used, missing}
    assert deletes[doomed]["result"] == "success"
    assert deletes[doomed]["changes"]["before"]["name"] == "doomed"
    assert deletes[doomed]["changes"]["before"]["version"] == 1
    assert deletes[used]["result"] == "error"
    assert instance in deletes[used]["errorMessage"], "the refusal names the referrer"
    assert deletes[missing]["result"] == "error"
    assert deletes[missing]["errorMessage"] == f"id: no ToolItem with id {missing}"


async def test_every_entity_type_is_audited(api: Api) -> None:
    await create_ok(api, "ToolItem", [{"name": "item"}])
    await create_ok(api, "ToolAssembly", [{"name": "assembly"}])
    await create_ok(api, "ToolInstance", [{"serialNumber": "SN"}])
    await create_ok(api, "ToolPreset", [{"name": "T1", "machineId": "m"}])
    await create_ok(api, "ToolUsage", [{"startTime": "2024-01-01T00:00:00Z"}])
    await create_ok(api, "ToolSet", [{"name": "set", "type": "TEMPLATE"}])
    log = await entries(api)
    assert [e["entityType"] for e in log] == [
        "ToolSet",
        "ToolUsage",
        "ToolPreset",
        "ToolInstance",
        "ToolAssembly",
        "ToolItem",
    ], "newest first"


async def test_entries_are_newest_first(api: Api) -> None:
    [item_id] = await create_ok(api, "ToolItem", [{"name": "a"}])
    [set_id] = await create_ok(api, "ToolSet", [{"name": "s", "type": "TEMPLATE"}])
    await api.gql(UPDATE_ITEMS, {"input": [{"id": item_id, "expectedVersion": 1, "name": "b"}]})
    await api.gql(DELETE_ITEMS, {"input": [{"id": item_id}]})

    log = await entries(api)
    assert [(e["operation"], e["entityId"]) for e in log] == [
        ("DELETE", item_id),
        ("UPDATE", item_id),
        ("CREATE", set_id),
        ("CREATE", item_id),
    ]
    times = [datetime.fromisoformat(e["timestamp"]) for e in log]
    assert times == sorted(times, reverse=True)
    assert all(t.utcoffset() == timedelta(0) for t in times)


async def test_filters(api: Api) -> None:
    [first_item] = await create_ok(api, "ToolItem", [{"name": "a"}])
    await create(api, "ToolItem", [{"name": "b"}, {"name": ""}])
    [_set_id] = await create_ok(api, "ToolSet", [{"name": "s", "type": "TEMPLATE"}])
    await api.gql(UPDATE_ITEMS, {"input": [{"id": first_item, "expectedVersion": 1, "name": "a2"}]})
    everything = await entries(api)
    assert len(everything) == 5

    def expected(predicate: Any) -> list[str]:
        return [e["id"] for e in everything if predicate(e)]

    cases: list[tuple[dict[str, Any], list[str]]] = [
        ({"entityType": "ToolSet"}, expected(lambda e: e["entityType"] == "ToolSet")),
        ({"entityType": "ToolItem"}, expected(lambda e: e["entityType"] == "ToolItem")),
        ({"entityId": first_item}, expected(lambda e: e["entityId"] == first_item)),
        ({"operation": "UPDATE"}, expected(lambda e: e["operation"] == "UPDATE")),
        ({"operation": "DELETE"}, []),
        ({"result": "error"}, expected(lambda e: e["result"] == "error")),
        (
            {"result": "success", "entityType": "ToolItem"},
            expected(lambda e: e["result"] == "success" and e["entityType"] == "ToolItem"),
        ),
        ({"userId": LOCAL_ADMIN_ID}, [e["id"] for e in everything]),
        ({"userId": str(uuid.uuid4())}, []),
    ]
    for filter, ids in cases:
        assert [e["id"] for e in await entries(api, filter)] == ids, filter
    assert len(expected(lambda e: e["entityId"] == first_item)) == 2
    assert len(expected(lambda e: e["result"] == "error")) == 1


async def test_since_is_inclusive_and_until_exclusive(api: Api) -> None:
    await create_ok(api, "ToolItem", [{"name": "a"}])
    await create_ok(api, "ToolItem", [{"name": "b"}, {"name": "b2"}])
    await create_ok(api, "ToolItem", [{"name": "c"}])
    newest, b2, b1, oldest = await entries(api)
    b_time = b1["timestamp"]
    assert b2["timestamp"] == b_time

    def names(log: list[dict[str, Any]]) -> list[str]:
        return sorted(e["changes"]["after"]["name"] for e in log)

    assert names(await entries(api, {"since": b_time})) == ["b", "b2", "c"]
    assert names(await entries(api, {"until": b_time})) == ["a"]
    assert names(await entries(api, {"since": b_time, "until": newest["timestamp"]})) == ["b", "b2"]
    assert names(await entries(api, {"since": newest["timestamp"], "until": newest["timestamp"]})) == []
    later = (datetime.fromisoformat(newest["timestamp"]) + timedelta(seconds=1)).isoformat()
    assert await entries(api, {"since": later}) == []
    shifted = datetime.fromisoformat(b_time).astimezone(timezone(timedelta(hours=-5)))
    assert names(await entries(api, {"since": shifted.isoformat()})) == ["b", "b2", "c"], (
        "offsets convert to UTC"
    )
    assert oldest["changes"]["after"]["name"] == "a"


async def test_paging_with_first_and_after_walks_every_entry_once(api: Api) -> None:
    await create_ok(api, "ToolItem", [{"name": f"item {i}"} for i in range(7)])
    everything = await entries(api)
    assert len(everything) == 7

    walked: list[str] = []
    after: str | None = None
    while True:
        page = (await api.gql(AUDIT, {"first": 3, "after": after}))["auditLog"]
        info = page["pageInfo"]
        assert info["hasPreviousPage"] is (after is not None)
        assert info["startCursor"] == (page["edges"][0]["cursor"] if page["edges"] else None)
        assert info["endCursor"] == (page["edges"][-1]["cursor"] if page["edges"] else None)
        walked.extend(e["node"]["id"] for e in page["edges"])
        if not info["hasNextPage"]:
            break
        assert len(page["edges"]) == 3
        after = info["endCursor"]
    assert walked == [e["id"] for e in everything]

    filtered = (await api.gql(AUDIT, {"first": 2, "filter": {"entityType": "ToolItem"}}))["auditLog"]
    assert [e["node"]["id"] for e in filtered["edges"]] == walked[:2]
    assert filtered["pageInfo"]["hasNextPage"] is True


async def test_first_outside_limits_and_garbage_cursors_are_bad_user_input(api: Api) -> None:
    await create_ok(api, "ToolItem", [{"name": "a"}])
    assert len((await api.gql(AUDIT, {"first": 1000}))["auditLog"]["edges"]) == 1
    assert (await api.gql(AUDIT, {"first": 0}))["auditLog"]["pageInfo"]["hasNextPage"] is True
    bad = [
        {"first": 1001},
        {"first": -1},
        {"after": "garbage"},
        {"after": base64.urlsafe_b64encode(b'["x"]').decode()},
        {"after": base64.urlsafe_b64encode(b"[true]").decode()},
        {"after": base64.urlsafe_b64encode(b"[1, 2]").decode()},
    ]
    for variables in bad:
        body = await api.gql_raw(AUDIT, variables)
        assert body["data"] is None, variables
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", variables


async def test_a_rolled_back_atomic_write_leaves_no_entries(api: Api) -> None:
    result = await create(api, "ToolItem", [{"name": "ok"}, {"name": ""}], atomic=True)
    assert result["successCount"] == 0
    assert await entries(api) == []
    assert await api.scalar("SELECT count(*) FROM tool_items") == 0


async def test_a_malformed_id_is_refused_per_item_and_logged_as_unknown(api: Api) -> None:
    """PostgreSQL refuses text with NUL in it: the id goes back in the error, not into the audit row."""
    [good] = await create_ok(api, "ToolItem", [{"name": "kept"}])
    data = await api.gql(
        UPDATE_ITEMS,
        {
            "input": [
                {"id": "\x00", "expectedVersion": 1, "name": "nul"},
                {"id": "x" * 5000, "expectedVersion": 1, "name": "long"},
                {"id": good, "expectedVersion": 1, "name": "renamed"},
            ]
        },
    )
    assert data["updateToolItems"] == {"successCount": 1, "errorCount": 2}
    updates = await entries(api, {"operation": "UPDATE"})
    assert sorted((e["entityId"], e["result"]) for e in updates) == sorted(
        [("unknown", "error"), ("unknown", "error"), (good, "success")]
    )
    assert {e["errorMessage"] for e in updates if e["result"] == "error"} == {
        "id: '\\x00' is not a valid id (UUID)",
        f"id: {'x' * 60!r} is not a valid id (UUID)",
    }
