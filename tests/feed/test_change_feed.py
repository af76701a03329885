"""changesSince and the live subscription (DESIGN §4)."""

from __future__ import annotations

import base64
from datetime import timedelta

from conftest import Api, LiveServer
from smooth_gql.changes.retention import prune
from smooth_gql.db.engine import session_factory
from smooth_gql.runtime import Runtime
from support.factories import create_ok, item
from support.feed_client import FeedClient

SINCE = """
query($after: String, $types: [EntityType!], $first: Int!) {
  changesSince(after: $after, entityTypes: $types, first: $first) {
    changes { cursor entityType entityId operation version changedBy
              entity { __typename ... on ToolItem { name version } } }
    endCursor hasMore
  }
}"""


async def _since(
    api: Api, after: str | None = None, types: list[str] | None = None, first: int = 100
) -> dict:
    return (await api.gql(SINCE, {"after": after, "types": types, "first": first}))["changesSince"]


async def test_changes_since_pages_through_creates_updates_and_deletes(api: Api) -> None:
    start = (await _since(api, first=0))["endCursor"]
    item_id = await item(api, name="probe")
    await api.gql(
        'mutation($id: ID!) { updateToolItems(input: [{id: $id, expectedVersion: 1, name: "probe v2"}]) '
        "{ successCount } }",
        {"id": item_id},
    )
    [set_id] = await create_ok(api, "ToolSet", [{"name": "kit", "type": "TEMPLATE"}])
    await api.gql(
        "mutation($id: ID!) { deleteToolItems(input: [{id: $id}]) { successCount } }", {"id": item_id}
    )

    first = await _since(api, start, first=2)
    assert [c["operation"] for c in first["changes"]] == ["CREATED", "UPDATED"]
    assert first["changes"][0]["entity"] is None  # deleted since: current state is gone
    assert first["hasMore"] is True
    rest = await _since(api, first["endCursor"])
    assert [(c["entityType"], c["operation"], c["version"]) for c in rest["changes"]] == [
        ("TOOL_SET", "CREATED", 1),
        ("TOOL_ITEM", "DELETED", 2),
    ]
    assert rest["hasMore"] is False
    assert rest["changes"][1]["entityId"] == item_id
    assert (await _since(api, rest["endCursor"]))["changes"] == []
    only_sets = await _since(api, start, types=["TOOL_SET"])
    assert [c["entityId"] for c in only_sets["changes"]] == [set_id]


async def test_a_malformed_cursor_is_bad_user_input(api: Api) -> None:
    for cursor in (
        "nonsense",
        base64.urlsafe_b64encode(b"chg:-1").decode(),
        base64.urlsafe_b64encode(b"x").decode(),
    ):
        body = await api.gql_raw(SINCE, {"after": cursor, "first": 10})
        assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "after"}


async def test_retention_prunes_old_changes_and_expires_their_cursors(api: Api) -> None:
    start = (await _since(api, first=0))["endCursor"]
    await create_ok(api, "ToolItem", [{"name": f"i{n}"} for n in range(3)])
    page = await _since(api, start)
    runtime = Runtime(session_factory(api.engine), api.settings)

    assert await prune(runtime, keep=timedelta(days=1)) == 0  # nothing is that old yet
    assert await prune(runtime, keep=timedelta(0)) == 2  # the newest row always stays

    body = await api.gql_raw(SINCE, {"after": start, "first": 10})
    assert body["errors"][0]["extensions"] == {"code": "CURSOR_EXPIRED", "field": "after"}
    second = page["changes"][1]["cursor"]  # just before the newest retained change: still exact
    assert [c["entityId"] for c in (await _since(api, second))["changes"]] == [page["changes"][2]["entityId"]]


async def test_subscription_replays_then_streams_live_without_gap_or_duplicate(live: LiveServer) -> None:
    api = live.api
    start = (await _since(api, first=0))["endCursor"]
    before = await create_ok(api, "ToolItem", [{"name": "a"}, {"name": "b"}])
    client = await FeedClient.open(live.ws_url)
    try:
        await client.subscribe(start)
        replayed = await client.changes(2)
        assert [c["entityId"] for c in replayed] == before
        after = await create_ok(api, "ToolItem", [{"name": "c"}])
        await api.gql(
            "mutation($id: ID!) { deleteToolItems(input: [{id: $id}]) { successCount } }", {"id": before[0]}
        )
        live_changes = await client.changes(2)
        assert [(c["entityId"], c["operation"]) for c in live_changes] == [
            (after[0], "CREATED"),
            (before[0], "DELETED"),
        ]
        cursors = [c["cursor"] for c in replayed + live_changes]
        assert len(set(cursors)) == 4
        assert [m async for m in client.messages(timeout=1.5)] == []  # nothing more: no duplicates
    finally:
        await client.close()
