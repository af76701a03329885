"""Change detection with authentication on: 401, scopes, tenancy, tags and machines.

Another tenant's writes are neither listed nor move a user's max_version;
admins see every tenant; API keys see what their tags and machine allow.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from support.auth import AuthApi, Creds, auth_app

CHANGES = "/api/v1/changes"
ROUTES = ("since-version?since_version=0", "since-timestamp?since_timestamp=0", "max-version")


@pytest.fixture
async def auth(engine: AsyncEngine, database_url: str) -> AsyncIterator[AuthApi]:
    async with auth_app(engine, database_url) as api:
        yield api


async def call(auth: AuthApi, method: str, path: str, creds: Creds, **kwargs: Any) -> tuple[int, Any]:
    try:
        response = await auth.client.request(method, path, headers=creds.as_headers(), **kwargs)
    finally:
        auth.client.cookies.clear()
    return response.status_code, response.json()


async def post(auth: AuthApi, path: str, creds: Creds, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    status, body = await call(auth, "POST", f"/api/v1/{path}", creds, json={"items": items})
    assert status == 200 and body["error_count"] == 0, body
    return body["results"]  # type: ignore[no-any-return]


async def feed(
    auth: AuthApi, creds: Creds, entity: str = "tool_items", after: int = 0
) -> tuple[list[str], int]:
    status, body = await call(auth, "GET", f"{CHANGES}/{entity}/since-version?since_version={after}", creds)
    assert status == 200, body
    return [c["id"] for c in body["changes"]], body["max_version"]


async def head(auth: AuthApi, creds: Creds, entity: str = "tool_items") -> int:
    status, body = await call(auth, "GET", f"{CHANGES}/{entity}/max-version", creds)
    assert status == 200, body
    return int(body["max_version"])


async def test_without_credentials_every_change_route_is_401(auth: AuthApi) -> None:
    await auth.register("admin@shop.example")
    for creds in (Creds(), Creds(key="smk_" + "0" * 32 + "_x"), Creds(session="nope")):
        for route in ROUTES:
            assert await call(auth, "GET", f"{CHANGES}/tool_items/{route}", creds) == (
                401,
                {"detail": "Authentication required"},
            )


async def test_another_tenant_s_writes_are_invisible_and_do_not_move_max_version(auth: AuthApi) -> None:
    await auth.register("admin@shop.example")
    admin = await auth.login("admin@shop.example")
    await auth.create_user(admin, "a@shop.example")
    await auth.create_user(admin, "b@shop.example")
    a, b = await auth.login("a@shop.example"), await auth.login("b@shop.example")
    [mine] = await post(auth, "tool-items", a, [{"type": "cutting_tool", "description": "A's"}])
    ids, cursor = await feed(auth, a)
    assert ids == [mine["id"]] and cursor == await head(auth, a)
    [theirs] = await post(auth, "tool-items", b, [{"type": "cutting_tool", "description": "B's"}])
    await call(auth, "PUT", "/api/v1/tool-items", b, json={"items": [{"id": theirs["id"], "version": 1}]})
    assert await head(auth, a) == cursor
    assert await feed(auth, a, after=cursor) == ([], cursor)
    status, body = await call(auth, "GET", f"{CHANGES}/tool_items/since-timestamp?since_timestamp=0", a)
    assert status == 200
    assert [c["user_id"] for c in body["changes"]] == [mine["user_id"]]
    # Admins follow every tenant (contract §0.1 item 3).
    ids, admin_head = await feed(auth, admin)
    assert set(ids) == {mine["id"], theirs["id"]} and admin_head == await head(auth, admin) > cursor


async def test_keys_see_what_their_scopes_tags_and_machine_allow(auth: AuthApi) -> None:
    await auth.register("owner@shop.example")
    owner = await auth.login("owner@shop.example")
    tagged, untagged = await post(
        auth,
        "tool-items",
        owner,
        [{"type": "holder", "tags": ["mill-3"]}, {"type": "holder", "tags": []}],
    )
    p1, p2 = await post(
        auth,
        "tool-presets",
        owner,
        [{"machine_id": "mill-3", "tool_number": 1}, {"machine_id": "lathe", "tool_number": 1}],
    )
    _, by_tag = await auth.key(owner, ["read"], tags=["mill-3"])
    assert (await feed(auth, by_tag))[0] == [tagged["id"]]
    _, by_machine = await auth.key(owner, ["read"], machineId="mill-3")
    assert (await feed(auth, by_machine, "tool_presets"))[0] == [p1["id"]]
    assert await head(auth, by_machine, "tool_presets") < await head(auth, owner, "tool_presets")
    _, no_read = await auth.key(owner, ["write:items"])
    for route in ROUTES:
        assert await call(auth, "GET", f"{CHANGES}/tool_items/{route}", no_read) == (
            403,
            {"detail": "Permission denied: required scope 'read' not granted"},
        )
    assert (
        untagged["id"] in (await feed(auth, owner))[0]
        and p2["id"] in (await feed(auth, owner, "tool_presets"))[0]
    )
