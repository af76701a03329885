"""Change detection over REST (contract §8 with the fixes of §0.1 item 8).

The cursor is the global change sequence: a client that feeds `max_version`
back sees every create, update and (with `include_deleted`) delete once, in
whatever page size, and a full sync (`since_version=0`) returns every row
even after the change log has been pruned.

The cases refused before any row is read (an unknown entity type, bad parameters: 34
of the 50) share one app per module and database (`refusing_api`): they neither read
nor write, so one app answers each as a fresh one would, without 33 start-ups.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from conftest import Api
from support.rest import COMMON, V1, created, delete, get_list, item, preset, put
from support.snapshot import REFUSING_API

CHANGES = f"{V1}/changes"
INVALID = (
    "Invalid entity_type. Must be one of: "
    "tool_items, tool_assemblies, tool_instances, tool_presets, tool_sets, tool_usage"
)
# Change rows: the database columns of §8.3 (+ tags, + change_seq).
ITEM_COLUMNS = {
    "id", "type", "manufacturer", "product_code", "description", "geometry", "material",
    "capabilities", "shape_data", "iso_13399_reference", "parent_tool_id", "tags", "change_seq", *COMMON,
}  # fmt: skip
PRESET_COLUMNS = {
    "id", "machine_id", "tool_number", "instance_id", "pocket", "description", "preset_metadata",
    "offsets", "orientation", "limits", "loaded_at", "loaded_by", "tags", "change_seq", *COMMON,
}  # fmt: skip


refusing_api = REFUSING_API


async def since(api: Api, entity: str = "tool_items", **params: Any) -> dict[str, Any]:
    response = await api.client.get(f"{CHANGES}/{entity}/since-version", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert list(body) == ["entity_type", "changes", "count", "max_version", "sync_method"]
    assert (body["entity_type"], body["count"], body["sync_method"]) == (
        entity,
        len(body["changes"]),
        "version",
    )
    return body


async def head(api: Api, entity: str = "tool_items") -> int:
    response = await api.client.get(f"{CHANGES}/{entity}/max-version")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["entity_type"] == entity
    return int(body["max_version"])


async def test_change_rows_carry_the_database_columns_and_change_seq(api: Api) -> None:
    row = await item(api, description="6 mm end mill", geometry={"diameter": 6})
    [p] = await created(
        api, "tool-presets", [{"machine_id": "m1", "tool_number": 3, "metadata": {"source": "freecad"}}]
    )
    [change] = (await since(api, since_version=0))["changes"]
    assert set(change) == ITEM_COLUMNS
    assert {k: change[k] for k in ("id", "type", "description", "geometry", "version")} == {
        "id": row["id"],
        "type": "cutting_tool",
        "description": "6 mm end mill",
        "geometry": {"diameter": 6},
        "version": 1,
    }
    assert change["created_at"].endswith("+00:00")
    [pchange] = (await since(api, "tool_presets", since_version=0))["changes"]
    assert set(pchange) == PRESET_COLUMNS  # the blob is `preset_metadata` here, `metadata` in bulk
    assert pchange["preset_metadata"] == {"source": "freecad"} and pchange["id"] == p["id"]
    assert pchange["change_seq"] > change["change_seq"]
    # Assemblies and sets without a stored legacy array show one built from their joins.
    [a] = await created(api, "tool-assemblies", [{"name": "A", "components": [{"item_id": row["id"]}]}])
    [achange] = (await since(api, "tool_assemblies", since_version=0))["changes"]
    assert achange["components"] == a["components"]


async def test_after_max_version_only_new_writes_appear_new_rows_included(api: Api) -> None:
    a = await item(api, description="a")
    b = await item(api, description="b")
    first = await since(api, since_version=0)
    assert [c["id"] for c in first["changes"]] == [a["id"], b["id"]]
    cursor = first["max_version"]
    assert cursor == await head(api) == first["changes"][-1]["change_seq"]
    assert (await since(api, since_version=cursor))["changes"] == []
    # The legacy defect: a new row (version 1) or a row edited once was never above an old max.
    c = await item(api, description="c")
    await put(api, "tool-items", [{"id": a["id"], "version": 1, "description": "a2"}])
    body = await since(api, since_version=cursor)
    assert [(r["id"], r["version"], r["description"]) for r in body["changes"]] == [
        (c["id"], 1, "c"),
        (a["id"], 2, "a2"),
    ]
    assert body["max_version"] == await head(api) > cursor


async def test_the_documented_aliases(api: Api) -> None:
    row = await item(api)
    by_alias = await api.client.get(f"{CHANGES}/tool-items/since-version", params={"version": 0})
    assert by_alias.status_code == 200
    assert [c["id"] for c in by_alias.json()["changes"]] == [row["id"]]
    assert by_alias.json()["entity_type"] == "tool-items"
    by_ts = await api.client.get(f"{CHANGES}/tool-items/since-timestamp", params={"timestamp": "2000-01-01"})
    assert [c["id"] for c in by_ts.json()["changes"]] == [row["id"]]
    assert (await api.client.get(f"{CHANGES}/tool-items/max-version")).json()["max_version"] > 0


async def test_a_page_cut_by_limit_continues_at_its_last_change_seq(api: Api) -> None:
    rows = [await item(api, description=f"t{i}") for i in range(5)]
    page = await since(api, since_version=0, limit=2)
    assert [c["id"] for c in page["changes"]] == [r["id"] for r in rows[:2]]
    assert page["max_version"] == page["changes"][-1]["change_seq"] < await head(api)
    rest = await since(api, since_version=page["max_version"], limit=1000)
    assert [c["id"] for c in rest["changes"]] == [r["id"] for r in rows[2:]]
    assert rest["max_version"] == await head(api)


async def _sync(api: Api, entity: str, state: dict[str, dict[str, Any]], cursor: int, seen: set[int]) -> int:
    """One client round: feed max_version back until a page comes back empty (bounded)."""
    for _ in range(100):
        body = await since(api, entity, since_version=cursor, limit=2, include_deleted="true")
        for change in body["changes"]:
            assert change["change_seq"] not in seen, "a change was delivered twice"
            assert change["change_seq"] > cursor
            seen.add(change["change_seq"])
            if change.get("deleted"):
                assert set(change) == {"id", "deleted", "change_seq", "version"}
                state.pop(change["id"], None)
            else:
                state[change["id"]] = change
        assert body["max_version"] >= cursor
        cursor = body["max_version"]
        if not body["changes"]:
            return cursor
    raise AssertionError("the client never caught up")


async def test_a_following_client_mirrors_creates_updates_and_deletes(api: Api) -> None:
    state: dict[str, dict[str, Any]] = {}
    seen: set[int] = set()
    cursor = await _sync(api, "tool_presets", state, 0, seen)
    assert state == {}
    ids = [(await preset(api, n))["id"] for n in range(1, 6)]
    cursor = await _sync(api, "tool_presets", state, cursor, seen)
    await put(api, "tool-presets", [{"id": ids[0], "version": 1, "pocket": 7}])
    await delete(api, "tool-presets", [ids[1], ids[2]])
    extra = await preset(api, 9)
    await put(api, "tool-presets", [{"id": ids[0], "version": 2, "pocket": 8}])
    cursor = await _sync(api, "tool_presets", state, cursor, seen)
    server = {r["id"]: r for r in (await get_list(api, "tool-presets", limit=1000))["items"]}
    assert set(state) == set(server) == {ids[0], ids[3], ids[4], extra["id"]}
    for row_id, row in server.items():
        mirrored = {("metadata" if k == "preset_metadata" else k): v for k, v in state[row_id].items()}
        assert {k: mirrored[k] for k in row} == row
    assert state[ids[0]]["pocket"] == 8 and state[ids[0]]["version"] == 3
    # Nothing new: nothing comes back, and the cursor stands still.
    assert await _sync(api, "tool_presets", state, cursor, seen) == cursor


async def test_tombstones_are_opt_in_and_name_the_deleted_version(api: Api) -> None:
    row = await item(api)
    cursor = (await since(api, since_version=0))["max_version"]
    await put(api, "tool-items", [{"id": row["id"], "version": 1, "description": "edited"}])
    await delete(api, "tool-items", [row["id"]])
    assert (await since(api, since_version=cursor))["changes"] == []
    [tomb] = (await since(api, since_version=cursor, include_deleted="true"))["changes"]
    assert tomb == {"id": row["id"], "deleted": True, "change_seq": await head(api), "version": 2}


async def _prune_everything_but_the_newest(api: Api) -> None:
    """What the retention task does to changes older than the retention (changes/retention.py)."""
    async with api.engine.begin() as conn:
        from sqlalchemy import text

        await conn.execute(text("DELETE FROM change_log WHERE seq < (SELECT max(seq) FROM change_log)"))


async def test_a_full_sync_returns_every_row_after_the_log_was_pruned(api: Api) -> None:
    rows = [await item(api, description=f"old {i}") for i in range(5)]
    cursor = (await since(api, since_version=0))["max_version"]
    gone = rows.pop(0)
    await delete(api, "tool-items", [gone["id"]])
    await _prune_everything_but_the_newest(api)
    assert await api.scalar("SELECT count(*) FROM change_log") == 1
    # A full sync, paged by the same integer, still returns every row once.
    seen: list[str] = []
    after = 0
    for _ in range(10):
        page = await since(api, since_version=after, limit=2)
        seen += [c["id"] for c in page["changes"]]
        after = page["max_version"]
        if not page["changes"]:
            break
    assert sorted(seen) == sorted(r["id"] for r in rows)
    assert after == await head(api)
    # The client continues from there and misses nothing new.
    new = await item(api, description="new")
    await put(api, "tool-items", [{"id": rows[0]["id"], "version": 1, "description": "old 1, edited"}])
    assert [c["id"] for c in (await since(api, since_version=after))["changes"]] == [new["id"], rows[0]["id"]]
    # The delete is still in the log, so a cursor from just before it gets its tombstone...
    body = await since(api, since_version=cursor, include_deleted="true")
    assert [(c["id"], c.get("deleted")) for c in body["changes"]] == [
        (gone["id"], True),
        (new["id"], None),
        (rows[0]["id"], None),
    ]
    # ...but deletions before the retained log are unknown: asking for them with an older cursor is
    # refused, while the rows alone are still exact.
    older = cursor - 2
    refused = await api.client.get(
        f"{CHANGES}/tool_items/since-version", params={"since_version": older, "include_deleted": "true"}
    )
    assert refused.status_code == 410
    assert refused.json() == {
        "detail": "since_version: deletions after this version are no longer in the change log; "
        "resynchronize with since_version=0"
    }
    assert {c["id"] for c in (await since(api, since_version=older))["changes"]} == {
        *(r["id"] for r in rows[2:]),
        new["id"],
        rows[0]["id"],
    }


async def test_since_timestamp_is_strictly_after_in_updated_at_then_id_order(api: Api) -> None:
    rows = [await item(api, description=f"t{i}") for i in range(4)]
    response = await api.client.get(
        f"{CHANGES}/tool_items/since-timestamp", params={"since_timestamp": rows[1]["updated_at"]}
    )
    body = response.json()
    assert (body["sync_method"], body["count"]) == ("timestamp", 2)
    assert [c["id"] for c in body["changes"]] == [r["id"] for r in rows[2:]]
    assert body["max_version"] == await head(api)
    # The instant counts, whatever the offset it is written in; a Unix time is accepted.
    for moment in ("1999-12-31T23:00:00-01:00", "946684800", "2000-01-01T01:00:00+01:00"):
        every = await api.client.get(
            f"{CHANGES}/tool_items/since-timestamp", params={"since_timestamp": moment}
        )
        assert every.json()["count"] == 4, moment
    # A page cut by limit hands out a since-version cursor that loses nothing.
    cut = (
        await api.client.get(
            f"{CHANGES}/tool_items/since-timestamp", params={"since_timestamp": "2000-01-01", "limit": 1}
        )
    ).json()
    assert [c["id"] for c in cut["changes"]] == [rows[0]["id"]]
    rest = await since(api, since_version=cut["max_version"])
    assert {c["id"] for c in rest["changes"]} >= {r["id"] for r in rows[1:]}


async def by_time(api: Api, **params: Any) -> dict[str, Any]:
    response = await api.client.get(f"{CHANGES}/tool_items/since-timestamp", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert (body["sync_method"], body["count"]) == ("timestamp", len(body["changes"]))
    return body


async def test_since_timestamp_gives_tombstones_on_request_placed_by_their_deletion(api: Api) -> None:
    first, doomed, edited = [await item(api, description=f"t{i}") for i in range(3)]
    moment = first["updated_at"]
    await delete(api, "tool-items", [doomed["id"]])
    await put(api, "tool-items", [{"id": edited["id"], "version": 1, "description": "t2, edited"}])

    assert [c["id"] for c in (await by_time(api, since_timestamp=moment))["changes"]] == [edited["id"]]
    body = await by_time(api, since_timestamp=moment, include_deleted="true")
    tomb, row = body["changes"]
    assert tomb == {"id": doomed["id"], "deleted": True, "change_seq": tomb["change_seq"], "version": 1}
    assert (row["id"], row["version"]) == (edited["id"], 2)
    assert tomb["change_seq"] < row["change_seq"] == body["max_version"] == await head(api)
    # The same tombstone since-version gives; a page cut after it continues there without a gap.
    [same] = (await since(api, since_version=tomb["change_seq"] - 1, include_deleted="true", limit=1))[
        "changes"
    ]
    assert same == tomb
    cut = await by_time(api, since_timestamp=moment, include_deleted="true", limit=1)
    assert cut["changes"] == [tomb]
    rest = await since(api, since_version=cut["max_version"], include_deleted="true")
    assert [c["id"] for c in rest["changes"]] == [edited["id"]]


async def test_since_timestamp_refuses_tombstones_from_before_the_retained_log(api: Api) -> None:
    first, doomed = await item(api, description="a"), await item(api, description="b")
    await delete(api, "tool-items", [doomed["id"]])
    await item(api, description="newest")
    await _prune_everything_but_the_newest(api)
    refused = await api.client.get(
        f"{CHANGES}/tool_items/since-timestamp",
        params={"since_timestamp": first["updated_at"], "include_deleted": "true"},
    )
    assert refused.status_code == 410
    assert refused.json() == {
        "detail": "since_timestamp: deletions after this moment are no longer in the change log; "
        "resynchronize with since_version=0"
    }
    # The rows alone are still exact, and a moment inside the retained log still gets tombstones.
    assert len((await by_time(api, since_timestamp=first["updated_at"]))["changes"]) == 1
    assert (await by_time(api, since_timestamp="2999-01-01", include_deleted="true"))["changes"] == []


async def test_max_version_is_the_type_s_own_head(api: Api) -> None:
    assert await head(api, "tool_sets") == 0
    await item(api)
    items_head = await head(api)
    await preset(api)
    assert await head(api) == items_head  # another type's write does not move it
    assert await head(api, "tool_presets") > items_head


@pytest.mark.parametrize(
    "route", ["since-version?since_version=0", "since-timestamp?since_timestamp=0", "max-version"]
)
@pytest.mark.parametrize("entity", ["ToolItem", "users", "tool_item", "tool--items"])
async def test_an_unknown_entity_type_is_400_with_the_contract_message(
    refusing_api: Api, route: str, entity: str
) -> None:
    response = await refusing_api.client.get(f"{CHANGES}/{entity}/{route}")
    assert (response.status_code, response.json()) == (400, {"detail": INVALID})


@pytest.mark.parametrize(
    ("route", "params", "loc", "kind"),
    [
        ("since-version", {}, ["query", "since_version"], "missing"),
        ("since-version", {"since_version": -1}, ["query", "since_version"], "greater_than_equal"),
        ("since-version", {"since_version": "x"}, ["query", "since_version"], "int_parsing"),
        ("since-version", {"since_version": 2**63}, ["query", "since_version"], "less_than_equal"),
        ("since-version", {"version": 2**64}, ["query", "version"], "less_than_equal"),
        ("since-version", {"since_version": 0, "limit": 0}, ["query", "limit"], "greater_than_equal"),
        ("since-version", {"since_version": 0, "limit": 1001}, ["query", "limit"], "less_than_equal"),
        ("since-timestamp", {}, ["query", "since_timestamp"], "missing"),
        ("since-timestamp", {"since_timestamp": "yesterday"}, ["query", "since_timestamp"], None),
        ("since-timestamp", {"since_timestamp": "2025-13-01T00:00:00"}, ["query", "since_timestamp"], None),
        ("since-timestamp", {"since_timestamp": 10**20}, ["query", "since_timestamp"], None),
    ],
)
@pytest.mark.parametrize("entity", ["tool_items", "no_such_thing"])
async def test_bad_parameters_are_422_before_the_entity_check(
    refusing_api: Api, route: str, params: dict[str, Any], loc: list[str], kind: str | None, entity: str
) -> None:
    response = await refusing_api.client.get(f"{CHANGES}/{entity}/{route}", params=params)
    assert response.status_code == 422, response.text
    [error] = response.json()["detail"]
    assert error["loc"] == loc
    if kind is not None:
        assert error["type"] == kind
    if kind == "missing":
        assert error["msg"] == "Field required"


async def test_a_moment_utc_cannot_hold_is_400_not_500(api: Api) -> None:
    response = await api.client.get(
        f"{CHANGES}/tool_items/since-timestamp", params={"since_timestamp": "0001-01-01T00:30:00+01:00"}
    )
    assert response.status_code == 400
    assert response.json() == {"detail": "since_timestamp: out of range"}


COMMON_COLUMNS = {*COMMON, "change_seq"}
COLUMNS = {
    "tool_assemblies": {"id", "name", "description", "components", "computed_geometry", "tags"},
    "tool_instances": {
        "id", "assembly_id", "serial_number", "status", "location", "measured_geometry", "lifecycle", "tags",
    },
    "tool_usage": {
        "id", "preset_id", "job_id", "start_time", "end_time", "cycle_count", "cut_time", "wear_progression",
        "events",
    },
    "tool_sets": {
        "id", "name", "description", "type", "machine_id", "job_id", "members", "capacity", "status",
        "activation", "tags",
    },
}  # fmt: skip


async def test_every_entity_type_has_the_contract_s_columns(api: Api) -> None:
    i = await item(api)
    [a] = await created(api, "tool-assemblies", [{"name": "A", "components": [{"item_id": i["id"]}]}])
    await created(api, "tool-instances", [{"assembly_id": a["id"], "status": "broken-ish"}])
    p = await preset(api)
    await created(api, "tool-usage", [{"preset_id": p["id"], "start_time": "2025-01-01T10:00:00Z"}])
    await created(api, "tool-sets", [{"name": "S", "type": "template", "members": [{"preset_id": p["id"]}]}])
    for entity, columns in COLUMNS.items():
        [change] = (await since(api, entity, since_version=0))["changes"]
        assert set(change) == columns | COMMON_COLUMNS, entity
    [inst] = (await since(api, "tool_instances", since_version=0))["changes"]
    assert inst["status"] == "broken-ish"  # undocumented legacy text, verbatim


async def test_the_change_routes_are_in_the_openapi_document(api: Api) -> None:
    paths = (await api.client.get(f"{V1}/openapi.json")).json()["paths"]
    for route in ("since-version", "since-timestamp", "max-version"):
        assert f"/v1/changes/{{entity_type}}/{route}" in paths
    assert "/v1/audit-logs" in paths


async def test_a_client_following_while_others_write_misses_and_repeats_nothing(api: Api) -> None:
    state: dict[str, dict[str, Any]] = {}
    seen: set[int] = set()
    writing = True
    caught_mid_write = 0  # pages with changes read while the writer was still going

    async def writer() -> None:
        nonlocal writing
        ids: list[str] = []
        for n in range(12):
            ids.append((await item(api, description=f"w{n}"))["id"])
            if n % 3 == 2:
                await put(api, "tool-items", [{"id": ids[-2], "version": 1, "description": "edited"}])
                await delete(api, "tool-items", [ids.pop(0)])
        writing = False

    async def follower() -> None:
        nonlocal caught_mid_write
        cursor = 0
        for _ in range(2000):  # bounded: the writer needs far fewer polls
            finished = not writing  # read before the poll: only a poll begun after the last write may end
            body = await since(api, since_version=cursor, limit=3, include_deleted="true")
            if writing and body["changes"]:
                caught_mid_write += 1
            for change in body["changes"]:
                assert change["change_seq"] not in seen
                seen.add(change["change_seq"])
                if change.get("deleted"):
                    state.pop(change["id"], None)
                else:
                    state[change["id"]] = change
            cursor = body["max_version"]
            if finished and not body["changes"]:
                return
        raise AssertionError("the follower never caught up")

    await asyncio.gather(writer(), follower())
    assert caught_mid_write > 1, "the follower and the writer did not interleave"
    server = {r["id"]: r for r in (await get_list(api, "tool-items", limit=1000))["items"]}
    assert set(state) == set(server) and len(server) == 8
    assert all(state[k]["version"] == row["version"] for k, row in server.items())
    assert all(state[k]["description"] == row["description"] for k, row in server.items())


async def test_the_largest_64_bit_cursor_is_an_empty_page_not_an_error(api: Api) -> None:
    row = await item(api)
    body = await since(api, since_version=2**63 - 1, include_deleted="true")
    assert body["changes"] == [] and body["max_version"] == await head(api)
    assert [c["id"] for c in (await since(api, since_version=body["max_version"] - 1))["changes"]] == [
        row["id"]
    ]
