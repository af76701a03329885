"""Creation order (issue 12, difference 2): rows made by one bulk call share their `created_at`,
and list in the order they were sent, not in the order of their random ids: REST lists, GraphQL's
default order and its cursors, nested lists, after a backup round trip, and for rows that
existed before migration 0005. On SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from conftest import Api
from smooth_gql.db.migrate import upgrade
from support.rest import created, get_list
from support.times import timed_sql

NUMBERS = list(range(1, 7))

CREATE_PRESETS = """mutation($i: [ToolPresetCreateInput!]!) {
  createToolPresets(input: $i) { errorCount results { id name } }
}"""
PRESETS = """query($first: Int, $after: String, $order: ToolPresetOrder) {
  toolPresets(first: $first, after: $after, orderBy: $order) {
    edges { node { name } }
    pageInfo { hasNextPage endCursor }
  }
}"""


def _descending_ids(count: int) -> list[str]:
    """Client ids that sort the other way round: an order that follows the ids shows it."""
    return [str(uuid.UUID(int=(count - n) << 64)) for n in range(count)]


def _preset_inputs() -> list[dict[str, Any]]:
    """T1..T6 in one call, with client ids in the opposite order."""
    return [
        {"id": i, "name": f"T{n}", "machineId": "m1", "toolNumber": n}
        for i, n in zip(_descending_ids(len(NUMBERS)), NUMBERS, strict=True)
    ]


async def _names(api: Api, **variables: Any) -> tuple[list[str], dict[str, Any]]:
    page = (await api.gql(PRESETS, variables))["toolPresets"]
    return [edge["node"]["name"] for edge in page["edges"]], page["pageInfo"]


# --- REST ---------------------------------------------------------------------------------------


async def test_six_presets_posted_in_one_request_list_in_input_order(api: Api) -> None:
    rows = await created(api, "tool-presets", [{"machine_id": "mill01", "tool_number": n} for n in NUMBERS])
    assert len({row["created_at"] for row in rows}) == 1  # one call, one time: the tie at issue
    listed = (await get_list(api, "tool-presets"))["items"]
    assert [row["tool_number"] for row in listed] == NUMBERS
    # Paging by offset walks the same order, page by page.
    paged = [
        row["tool_number"]
        for offset in range(0, 6, 2)
        for row in (await get_list(api, "tool-presets", limit=2, offset=offset))["items"]
    ]
    assert paged == NUMBERS
    # The filtered list too, and a later call's rows after the first call's.
    more = await created(api, "tool-items", [{"type": "holder", "description": f"H{n}"} for n in range(12)])
    listed_items = (await get_list(api, "tool-items", type="holder"))["items"]
    assert [row["id"] for row in listed_items] == [row["id"] for row in more]
    later = await created(api, "tool-presets", [{"machine_id": "mill01", "tool_number": 7}])
    listed = (await get_list(api, "tool-presets", machine_id="mill01"))["items"]
    assert [row["tool_number"] for row in listed] == [*NUMBERS, 7]
    assert listed[-1]["id"] == later[0]["id"]


# --- GraphQL ------------------------------------------------------------------------------------


async def test_graphql_lists_and_cursors_keep_input_order(api: Api) -> None:
    made = (await api.gql(CREATE_PRESETS, {"i": _preset_inputs()}))["createToolPresets"]
    assert made["errorCount"] == 0
    expected = [f"T{n}" for n in NUMBERS]

    names, _ = await _names(api)
    assert names == expected
    # Keyset pages (the cursor carries the tie-break) cover every row once, in order.
    seen: list[str] = []
    after = None
    for _ in range(5):  # bounded: three pages of two
        page, info = await _names(api, first=2, after=after)
        seen += page
        if not info["hasNextPage"]:
            break
        after = info["endCursor"]
    assert seen == expected
    newest_first, _ = await _names(api, order={"field": "CREATED_AT", "direction": "DESC"})
    assert newest_first == expected[::-1]
    # A sort with ties of its own falls back to creation order too.
    by_machine, _ = await _names(api, order={"field": "MACHINE_ID"})
    assert by_machine == expected


async def test_nested_lists_keep_input_order(api: Api) -> None:
    item = (
        await api.gql(
            'mutation { createToolItems(input: [{name: "d", category: CUTTING_TOOL}]) { results { id } } }'
        )
    )["createToolItems"]["results"][0]["id"]
    instances = (
        await api.gql(
            "mutation($i: [ToolInstanceCreateInput!]!) { createToolInstances(input: $i) { results { id } } }",
            {
                "i": [
                    {"id": i, "toolItemId": item, "serialNumber": f"S{n}"}
                    for n, i in enumerate(_descending_ids(5))
                ]
            },
        )
    )["createToolInstances"]["results"]
    assert len(instances) == 5
    nested = await api.gql(
        "query($id: ID!) { toolItem(id: $id) { instances { serialNumber } } }", {"id": item}
    )
    assert [i["serialNumber"] for i in nested["toolItem"]["instances"]] == [f"S{n}" for n in range(5)]


# --- backups ------------------------------------------------------------------------------------

EXPORT = "{ exportBackup(scope: USER) }"
IMPORT = "mutation($d: JSON!) { importBackup(document: $d) { success } }"


async def test_a_backup_round_trip_keeps_creation_order(api: Api) -> None:
    await api.gql(CREATE_PRESETS, {"i": _preset_inputs()})
    document = (await api.gql(EXPORT))["exportBackup"]
    # Exported by id, so restored in document order they would come T6..T1.
    assert [row["name"] for row in document["entities"]["tool_presets"]] == [
        f"T{n}" for n in reversed(NUMBERS)
    ]
    assert (await api.gql(IMPORT, {"d": document}))["importBackup"]["success"] is True
    names, _ = await _names(api)
    assert names == [f"T{n}" for n in NUMBERS]
    # A document without the numbers (an older one, or Smooth Core's) keeps its own order.
    for row in document["entities"]["tool_presets"]:
        del row["insert_seq"]
    document["entities"]["tool_presets"].sort(key=lambda row: row["name"], reverse=True)
    await api.gql(IMPORT, {"d": document})
    names, _ = await _names(api)
    assert names == [f"T{n}" for n in reversed(NUMBERS)]
    assert await api.scalar("SELECT count(*) FROM tool_presets WHERE insert_seq IS NULL") == 0


# --- migration 0005 -----------------------------------------------------------------------------


async def test_0005_numbers_existing_rows_in_their_listed_order(empty_database: AsyncEngine) -> None:
    """Rows that exist at 0004 are numbered in (created_at, id) order, all at or below the
    change log's head, so a row created after the upgrade comes after every one of them."""
    await upgrade(empty_database, "0004_login_failures")
    user = str(uuid.uuid4())
    start = datetime(2026, 1, 1, tzinfo=UTC)
    # Four rows share one time (one bulk call), two are older and newer; inserted shuffled.
    ids = sorted(str(uuid.uuid4()) for _ in range(4))
    rows = [(ids[2], start), (str(uuid.uuid4()), start + timedelta(hours=1)), (ids[0], start)]
    rows += [(str(uuid.uuid4()), start - timedelta(hours=1)), (ids[3], start), (ids[1], start)]
    async with empty_database.begin() as conn:
        await conn.execute(
            timed_sql(
                "INSERT INTO users (id, email, is_admin, is_active, created_at, updated_at, version) "
                "VALUES (:u, 'a@b.c', true, true, :t, :t, 1)",
                "t",
            ),
            {"u": user, "t": start},
        )
        for row_id, at in rows:
            await conn.execute(
                timed_sql(
                    "INSERT INTO tool_presets (id, owner_id, created_by, updated_by, created_at, updated_at, "
                    "version, tags, name, machine_id, is_default) "
                    "VALUES (:i, :u, :u, :u, :t, :t, 1, '[]', 'p', 'm', false)",
                    "t",
                ),
                {"i": row_id, "u": user, "t": at},
            )
        for n in range(10):  # the change log's head is 10
            await conn.execute(
                timed_sql(
                    "INSERT INTO change_log (entity_type, entity_id, operation, version, owner_id, tags, "
                    "changed_at, changed_by) VALUES ('ToolPreset', :i, 'CREATED', 1, :u, '[]', :t, :u)",
                    "t",
                ),
                {"i": rows[n % len(rows)][0], "u": user, "t": start},
            )
    await upgrade(empty_database)
    async with empty_database.connect() as conn:
        numbered = (await conn.execute(text("SELECT id, insert_seq FROM tool_presets"))).all()
        empty = (await conn.execute(text("SELECT count(*) FROM tool_items"))).scalar_one()
    expected = [row_id for row_id, _ in sorted(rows, key=lambda r: (r[1], r[0]))]
    assert [row_id for row_id, _ in sorted(numbered, key=lambda r: r[1])] == expected
    assert sorted(seq for _, seq in numbered) == list(range(5, 11))  # ending at the head
    assert empty == 0
