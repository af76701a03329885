"""The REST routes with authentication on: the legacy 401, enforced scopes (403), tenancy and tags.

Contract §0.1 items 1–3 and §2.4: protected routes answer 401
`{"detail": "Authentication required"}` without valid credentials — also
when the body is wrongly shaped, but not when it is not JSON at all (422
first); a key without the scope a route needs gets 403 naming it; keys act
for their owner only, and tags narrow them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from support.auth import AuthApi, Creds, auth_app

ITEMS = "/api/v1/tool-items"
DENIED = {"detail": "Authentication required"}


@pytest.fixture
async def auth(engine: AsyncEngine, database_url: str) -> AsyncIterator[AuthApi]:
    async with auth_app(engine, database_url) as api:
        yield api


async def _request(
    auth: AuthApi,
    method: str,
    path: str,
    creds: Creds,
    *,
    headers: dict[str, str] | None = None,
    **kwargs: Any,
) -> tuple[int, Any]:
    try:
        response = await auth.client.request(
            method, path, headers={**creds.as_headers(), **(headers or {})}, **kwargs
        )
    finally:
        auth.client.cookies.clear()
    return response.status_code, response.json()


async def test_without_valid_credentials_every_collection_route_is_401(auth: AuthApi) -> None:
    admin = await auth.register("owner@shop.example")
    assert admin["isAdmin"]
    expired = Creds(key="smk_" + "0" * 32 + "_nonsense")
    for creds in (Creds(), expired, Creds(session="not-a-session")):
        for method, path, body in [
            ("GET", ITEMS, None),
            ("GET", f"{ITEMS}/00000000-0000-4000-8000-000000000009", None),
            ("POST", ITEMS, {"items": [{"type": "cutting_tool", "description": "x"}]}),
            ("PUT", ITEMS, {"items": [{"id": "x", "version": 1}]}),
            ("DELETE", ITEMS, {"ids": ["x"]}),
            ("GET", "/api/v1/tool-sets/00000000-0000-4000-8000-000000000009/history", None),
        ]:
            assert await _request(auth, method, path, creds, json=body) == (401, DENIED), (
                creds,
                method,
                path,
            )
    # A wrongly shaped body is still 401 for a stranger; a body that is not JSON is 422 first.
    assert await _request(auth, "POST", ITEMS, Creds(), json=[1, 2]) == (401, DENIED)
    status, body = await _request(
        auth, "POST", ITEMS, Creds(), content=b"{not json", headers={"content-type": "application/json"}
    )
    assert status == 422 and body["detail"][0]["type"] == "json_invalid"
    # The health check needs nothing.
    assert (await auth.client.get("/api/health")).status_code == 200
    assert await auth.api.scalar("SELECT count(*) FROM tool_items") == 0


async def test_a_key_needs_the_scope_of_the_route(auth: AuthApi) -> None:
    await auth.register("owner@shop.example")
    owner = await auth.login("owner@shop.example")
    _, reader = await auth.key(owner, ["read"])
    _, writer = await auth.key(owner, ["read", "write:items"])

    status, body = await _request(
        auth, "POST", ITEMS, reader, json={"items": [{"type": "holder", "description": "h"}]}
    )
    assert (status, body) == (403, {"detail": "Permission denied: required scope 'write:items' not granted"})
    assert await auth.api.scalar("SELECT count(*) FROM tool_items") == 0

    status, body = await _request(
        auth, "POST", ITEMS, writer, json={"items": [{"type": "holder", "description": "h"}]}
    )
    assert status == 200 and body["success_count"] == 1
    status, body = await _request(auth, "GET", ITEMS, reader)
    assert status == 200 and [i["description"] for i in body["items"]] == ["h"]
    status, body = await _request(
        auth, "POST", "/api/v1/tool-presets", writer, json={"items": [{"machine_id": "m1", "tool_number": 1}]}
    )
    assert (status, body) == (
        403,
        {"detail": "Permission denied: required scope 'write:presets' not granted"},
    )


async def test_rest_rows_are_the_callers_own_and_a_tagged_key_sees_only_its_tags(auth: AuthApi) -> None:
    await auth.register("first@shop.example")  # the admin
    admin = await auth.login("first@shop.example")
    alice_id = await auth.create_user(admin, "alice@shop.example")
    await auth.create_user(admin, "bob@shop.example")
    alice, bob = await auth.login("alice@shop.example"), await auth.login("bob@shop.example")

    status, body = await _request(
        auth,
        "POST",
        ITEMS,
        alice,
        json={
            "items": [
                {"type": "holder", "description": "lathe", "tags": ["lathe"]},
                {"type": "holder", "description": "mill", "tags": ["mill"]},
            ]
        },
    )
    assert status == 200 and body["success_count"] == 2
    lathe_id = body["results"][0]["id"]
    assert body["results"][0]["user_id"] == alice_id

    # Bob cannot tell Alice's row from a missing one, by id or in lists.
    assert await _request(auth, "GET", f"{ITEMS}/{lathe_id}", bob) == (404, {"detail": "Not Found"})
    status, body = await _request(auth, "GET", ITEMS, bob)
    assert body == {"items": [], "total": 0, "limit": 100, "offset": 0}
    status, body = await _request(
        auth, "PUT", ITEMS, bob, json={"items": [{"id": lathe_id, "version": 1, "description": "x"}]}
    )
    assert body["errors"] == [{"index": 0, "id": lathe_id, "message": "Item not found or access denied"}]

    # A key of Alice's tagged "lathe" reaches only the lathe row.
    _, lathe_key = await auth.key(alice, ["read"], tags=["lathe"])
    status, body = await _request(auth, "GET", ITEMS, lathe_key)
    assert [i["description"] for i in body["items"]] == ["lathe"]
