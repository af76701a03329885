"""Tenants, tags and machines through the front doors: reads, lists, counts, writes,
the change feed and subscriptions. A row out of reach looks exactly like a missing one."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from smooth_gql.changes import cursor
from support.auth import AuthApi, Creds, live_auth_server
from support.feed_client import CHANGES, FeedClient

MISSING = "00000000-0000-4000-8000-00000000dead"


async def _two_tenants(auth: AuthApi) -> tuple[Creds, Creds]:
    await auth.register("ann@shop.example")
    ann = await auth.login("ann@shop.example")
    await auth.create_user(ann, "bob@shop.example")
    await auth.create_user(ann, "cat@shop.example")
    return await auth.login("bob@shop.example"), await auth.login("cat@shop.example")


async def _create(auth: AuthApi, creds: Creds, mutation: str, fields: str) -> dict[str, Any]:
    data = await auth.ok(
        f"mutation {{ r: {mutation}(input: [{{{fields}}}]) {{ results {{ id }} errors {{ code message field }} }} }}",
        creds=creds,
    )
    return data["r"]  # type: ignore[no-any-return]


async def _create_ok(auth: AuthApi, creds: Creds, mutation: str, fields: str) -> str:
    result = await _create(auth, creds, mutation, fields)
    assert not result["errors"], result["errors"]
    return result["results"][0]["id"]  # type: ignore[no-any-return]


def _same_but_id(a: Any, b: Any, id_a: str, id_b: str) -> bool:
    """The two answers alike but for the id, and the caller's budget left, which each call lowers."""

    def shown(answer: Any, row_id: str) -> str:
        cost = answer.get("extensions", {}).get("cost", {})
        return json.dumps({**answer, "extensions": {"cost": {**cost, "remaining": None}}}).replace(
            row_id, "ID"
        )

    return shown(a, id_a) == shown(b, id_b)


async def test_another_tenant_cannot_tell_my_rows_from_missing_ones(auth: AuthApi) -> None:
    bob, cat = await _two_tenants(auth)
    item = await _create_ok(auth, bob, "createToolItems", 'name: "bob drill", category: CUTTING_TOOL')
    tool_set = await _create_ok(auth, bob, "createToolSets", 'name: "bob set", type: TEMPLATE')

    async def as_cat(query: str, row_id: str) -> Any:
        return await auth.raw(query.replace("$ID", row_id), creds=cat)

    doors = [
        '{ toolItem(id: "$ID") { id name } }',
        'mutation { updateToolItems(input: [{id: "$ID", expectedVersion: 1, name: "x"}]) '
        "{ successCount errors { code message field } } }",
        'mutation { deleteToolItems(input: [{id: "$ID"}]) { successCount errors { code message field } } }',
        'mutation { createToolItems(input: [{name: "child", category: HOLDER, parentToolId: "$ID"}]) '
        "{ successCount errors { code message field } } }",
    ]
    for door in doors:
        foreign, missing = await as_cat(door, item), await as_cat(door, MISSING)
        assert _same_but_id(foreign, missing, item, MISSING), (door, foreign, missing)
    for door in (
        '{ toolSetHistory(toolSetId: "$ID") { version } }',
        'mutation { restoreToolSetVersion(toolSetId: "$ID", version: 1) { id } }',
    ):
        foreign, missing = await as_cat(door, tool_set), await as_cat(door, MISSING)
        assert foreign["errors"][0]["extensions"]["code"] == "NOT_FOUND"
        assert _same_but_id(foreign, missing, tool_set, MISSING)

    listed = await auth.ok("{ toolItems { totalCount edges { node { id } } } }", creds=cat)
    assert listed["toolItems"] == {"totalCount": 0, "edges": []}
    feed = await auth.ok("{ changesSince { changes { entityId } } }", creds=cat)
    assert feed["changesSince"]["changes"] == []
    # Cat's audit log holds her own failed attempts (with the ids she sent), nothing of Bob's.
    # (Besides the record of her account's creation: test_account_audit.py.)
    audit = await auth.ok("{ auditLog { edges { node { ownerId entityType changes result } } } }", creds=cat)
    entries = [e["node"] for e in audit["auditLog"]["edges"] if e["node"]["entityType"] != "User"]
    bob_id = (await auth.ok("{ me { id } }", creds=bob))["me"]["id"]
    assert entries and all(e["ownerId"] != bob_id and e["result"] == "error" for e in entries)
    assert "bob drill" not in json.dumps(audit)
    # Nothing of Bob's changed.
    mine = await auth.ok(f'{{ toolItem(id: "{item}") {{ name version }} }}', creds=bob)
    assert mine["toolItem"] == {"name": "bob drill", "version": 1}


async def test_a_tagged_key_reaches_only_rows_sharing_a_tag(auth: AuthApi) -> None:
    bob, _ = await _two_tenants(auth)
    shared = await _create_ok(
        auth, bob, "createToolItems", 'name: "a", category: HOLDER, tags: ["mill-3", "x"]'
    )
    other = await _create_ok(auth, bob, "createToolItems", 'name: "b", category: HOLDER, tags: ["lathe-1"]')
    untagged = await _create_ok(auth, bob, "createToolItems", 'name: "c", category: HOLDER')
    _, key = await auth.key(bob, ["read", "write:items"], tags=["mill-3"])

    listed = await auth.ok("{ toolItems { totalCount edges { node { id } } } }", creds=key)
    assert listed["toolItems"]["totalCount"] == 1
    assert [e["node"]["id"] for e in listed["toolItems"]["edges"]] == [shared]
    for hidden in (other, untagged):
        assert (await auth.ok(f'{{ toolItem(id: "{hidden}") {{ id }} }}', creds=key))["toolItem"] is None
        update = await auth.ok(
            f'mutation {{ updateToolItems(input: [{{id: "{hidden}", expectedVersion: 1, name: "z"}}]) '
            "{ errors { code } } }",
            creds=key,
        )
        assert update["updateToolItems"]["errors"] == [{"code": "NOT_FOUND"}]
    changes = await auth.ok("{ changesSince { changes { entityId } } }", creds=key)
    assert [c["entityId"] for c in changes["changesSince"]["changes"]] == [shared]

    outside = await _create(
        auth, key, "createToolItems", 'name: "d", category: HOLDER, tags: ["mill-3", "lathe-1"]'
    )
    bare = await _create(auth, key, "createToolItems", 'name: "e", category: HOLDER')
    assert outside["errors"][0]["code"] == bare["errors"][0]["code"] == "FORBIDDEN"
    assert outside["errors"][0]["message"] == "tags: API key not authorized for tags: lathe-1"
    assert outside["errors"][0]["field"] == "tags"
    moved = await auth.ok(
        f'mutation {{ updateToolItems(input: [{{id: "{shared}", expectedVersion: 1, tags: ["lathe-1"]}}]) '
        "{ errors { code field } } }",
        creds=key,
    )
    assert moved["updateToolItems"]["errors"] == [{"code": "FORBIDDEN", "field": "tags"}]
    kept = await auth.ok(
        f'mutation {{ updateToolItems(input: [{{id: "{shared}", expectedVersion: 1, name: "renamed"}}]) '
        "{ successCount } }",
        creds=key,
    )
    assert kept["updateToolItems"]["successCount"] == 1
    assert await auth.api.scalar("SELECT count(*) FROM tool_items") == 3


async def test_a_machine_key_reaches_only_its_machines_presets(auth: AuthApi) -> None:
    bob, _ = await _two_tenants(auth)
    instance = await _create_ok(auth, bob, "createToolInstances", 'serialNumber: "S-1"')
    mine = await _create_ok(
        auth, bob, "createToolPresets", f'name: "T1", machineId: "m1", toolInstanceId: "{instance}"'
    )
    theirs = await _create_ok(auth, bob, "createToolPresets", 'name: "T2", machineId: "m2"')
    _, key = await auth.key(bob, ["read", "write:presets", "write:usage"], machineId="m1")

    presets = await auth.ok(
        "{ toolPresets { edges { node { id toolInstance { serialNumber } } } } }", creds=key
    )
    assert presets["toolPresets"]["edges"] == [
        {"node": {"id": mine, "toolInstance": {"serialNumber": "S-1"}}}
    ]
    assert (await auth.ok(f'{{ toolPreset(id: "{theirs}") {{ id }} }}', creds=key))["toolPreset"] is None
    elsewhere = await _create(auth, key, "createToolPresets", 'name: "T3", machineId: "m2"')
    assert elsewhere["errors"] == [
        {
            "code": "FORBIDDEN",
            "field": "machineId",
            "message": "machineId: this API key may only write rows of machine 'm1'",
        }
    ]
    moved = await auth.ok(
        f'mutation {{ updateToolPresets(input: [{{id: "{mine}", expectedVersion: 1, machineId: "m2"}}]) '
        "{ errors { code field } } }",
        creds=key,
    )
    assert moved["updateToolPresets"]["errors"] == [{"code": "FORBIDDEN", "field": "machineId"}]
    # Usage recorded against its own preset takes the machine from it.
    await _create_ok(auth, key, "createToolUsages", f'presetId: "{mine}", startTime: "2026-01-01T08:00:00Z"')
    via_other = await _create(
        auth, key, "createToolUsages", f'presetId: "{theirs}", startTime: "2026-01-01T08:00:00Z"'
    )
    assert via_other["errors"][0]["code"] == "NOT_FOUND"
    changes = await auth.ok(
        "{ changesSince(entityTypes: [TOOL_PRESET]) { changes { entityId } } }", creds=key
    )
    assert {c["entityId"] for c in changes["changesSince"]["changes"]} == {mine}


# --- WebSocket ----------------------------------------------------------------------------


async def _ws(port: int, payload: dict[str, Any] | None = None, **options: Any) -> FeedClient:
    connection = await connect(
        f"ws://127.0.0.1:{port}/graphql",
        subprotocols=["graphql-transport-ws"],
        **options,  # type: ignore[list-item]
    )
    await connection.send(json.dumps({"type": "connection_init", "payload": payload or {}}))
    ack = json.loads(await asyncio.wait_for(connection.recv(), 10))
    assert ack["type"] == "connection_ack", ack
    return FeedClient(connection)


async def _next_change(client: FeedClient) -> dict[str, Any]:
    async for message in client.messages(10):
        assert message["type"] == "next", message
        return message["payload"]["data"]["changes"]  # type: ignore[no-any-return]
    raise AssertionError("no change within 10 s")


async def test_subscribers_see_only_their_own_tenants_changes(engine: AsyncEngine, database_url: str) -> None:
    async with live_auth_server(engine, database_url) as (auth, port):
        bob, cat = await _two_tenants(auth)
        _, bob_key = await auth.key(bob, ["read"])
        assert bob.session is not None and bob_key.key is not None and cat.session is not None
        by_payload = await _ws(port, {"authorization": f"Bearer {bob_key.key}"})
        by_cookie = await _ws(port, additional_headers={"Cookie": f"session={cat.session}"})
        try:
            # From the start of the log, so it does not matter when each subscription starts.
            await by_payload.subscribe(cursor.encode(0))
            await by_cookie.subscribe(cursor.encode(0))
            bobs = await _create_ok(auth, bob, "createToolItems", 'name: "bob", category: HOLDER')
            cats = await _create_ok(auth, cat, "createToolItems", 'name: "cat", category: HOLDER')
            assert (await _next_change(by_payload))["entityId"] == bobs
            # Cat's first event is Cat's own write: Bob's, made earlier, never reached her.
            assert (await _next_change(by_cookie))["entityId"] == cats
        finally:
            await by_payload.connection.close()
            await by_cookie.connection.close()


async def test_websocket_credentials_and_origins(engine: AsyncEngine, database_url: str) -> None:
    async with live_auth_server(engine, database_url, cors_origins=("https://cam.example",)) as (
        auth,
        port,
    ):
        bob, _ = await _two_tenants(auth)
        url = f"ws://127.0.0.1:{port}/graphql"
        # A bad key in connection_init closes the connection instead of going on anonymously.
        connection = await connect(url, subprotocols=["graphql-transport-ws"])  # type: ignore[list-item]
        await connection.send(
            json.dumps({"type": "connection_init", "payload": {"authorization": "Bearer smk_nope"}})
        )
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(connection.recv(), 10)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403

        # No credentials: connected, but the subscription is refused.
        anonymous = await _ws(port)
        await anonymous.connection.send(
            json.dumps({"id": "1", "type": "subscribe", "payload": {"query": CHANGES, "variables": {}}})
        )
        async for message in anonymous.messages(10):
            errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
            assert errors[0]["extensions"]["code"] == "UNAUTHENTICATED"
            break
        await anonymous.connection.close()

        # A page from a foreign origin cannot open it with the user's cookie; listed and
        # same-origin pages can, and so can clients that send no Origin at all (bridges).
        assert bob.session is not None
        cookie = {"Cookie": f"session={bob.session}"}
        with pytest.raises(InvalidStatus) as refused:
            await connect(
                url,
                subprotocols=["graphql-transport-ws"],
                origin="https://evil.example",
                additional_headers=cookie,
            )  # type: ignore[list-item, arg-type]
        assert refused.value.response.status_code == 403
        for origin in ("https://cam.example", f"http://127.0.0.1:{port}"):
            client = await _ws(port, origin=origin, additional_headers=cookie)
            await client.connection.close()


async def test_an_unknown_credential_is_never_anonymous_over_http(auth: AuthApi) -> None:
    await auth.register("ann@shop.example")
    error = await auth.error("{ toolItems { totalCount } }", creds=Creds(session=str(uuid.uuid4())))
    assert error["extensions"]["code"] == "UNAUTHENTICATED" and "log in again" in error["message"]
    nobody = await auth.error("{ toolItems { totalCount } }")
    assert (
        nobody["extensions"]["code"] == "UNAUTHENTICATED" and "authentication required" in nobody["message"]
    )
