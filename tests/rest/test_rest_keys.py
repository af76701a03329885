"""Legacy API-key routes and the documented alias (contract §3.4, §3.5, §0.1 items 1 and 2).

Shapes, status codes and message strings; bad input refused with nothing
stored; the secret only ever in the creation response; owner-only revocation;
and a client written the legacy way: register, log in, make a key, use it,
revoke it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from support.auth import PASSWORD, AuthApi, Creds, auth_app
from support.rest import ITEMS, KEYS, KEYS_ALIAS, LOGIN, ME, REGISTER, call, rest_key, rest_login
from support.times import timed_sql

REQUIRED = (401, {"detail": "Authentication required"})
NEEDS_ADMIN_USERS = (403, {"detail": "Permission denied: required scope 'admin:users' not granted"})
LISTED = {"id", "name", "scopes", "tags", "expires_at", "is_active", "created_at"}


async def _owner(auth: AuthApi, email: str = "a@shop.example") -> Creds:
    """The first account (the admin) when none exists yet, else one the admin makes."""
    if not await auth.api.scalar("SELECT count(*) FROM users"):
        answer = await call(auth, "POST", REGISTER, json={"email": email, "password": PASSWORD})
        assert answer.status == 201
    return await rest_login(auth, email)


async def _keys(auth: AuthApi) -> int:
    return int(await auth.api.scalar("SELECT count(*) FROM api_keys"))


@pytest.mark.parametrize("base", [KEYS, KEYS_ALIAS])
async def test_create_list_revoke_in_the_legacy_shapes(auth: AuthApi, base: str) -> None:
    owner = await _owner(auth)
    expires = (datetime.now(UTC) + timedelta(days=30)).replace(microsecond=0)
    made = await call(
        auth,
        "POST",
        base,
        owner,
        json={
            "name": "bridge",
            "scopes": ["read", "write:presets"],
            "tags": ["mill-3"],
            "expires_at": expires.isoformat(),
        },
    )
    assert made.status == 201
    assert set(made.body) == LISTED | {"key"}
    assert made.body["name"] == "bridge" and made.body["scopes"] == ["read", "write:presets"]
    assert made.body["tags"] == ["mill-3"] and made.body["is_active"] is True
    assert datetime.fromisoformat(made.body["expires_at"]) == expires
    secret = made.body["key"]
    assert secret.startswith("smk_")
    plain = await call(auth, "POST", base, owner, json={"name": "plain", "scopes": ["read"]})
    assert plain.body["expires_at"] is None and plain.body["tags"] == []

    listed = await call(auth, "GET", base, owner)
    assert listed.status == 200
    assert [k["name"] for k in listed.body] == ["plain", "bridge"]  # newest first
    assert all(set(k) == LISTED for k in listed.body)
    assert secret not in listed.response.text

    revoked = await call(auth, "DELETE", f"{base}/{made.body['id']}", owner)
    assert (revoked.status, revoked.response.content) == (204, b"")
    assert revoked.response.headers["content-type"] == "application/json"
    again = await call(auth, "DELETE", f"{base}/{made.body['id']}", owner)
    assert again.status == 204  # revoking twice is harmless
    listed = await call(auth, "GET", base, owner)
    assert [(k["name"], k["is_active"]) for k in listed.body] == [("plain", True), ("bridge", False)]
    assert (await call(auth, "GET", ME, Creds(key=secret))).status == 401


async def test_an_expired_key_is_still_listed_active_but_authenticates_nobody(auth: AuthApi) -> None:
    owner = await _owner(auth)
    key_id, key = await rest_key(auth, owner, ["read"])
    async with auth.api.engine.begin() as conn:
        await conn.execute(
            timed_sql("UPDATE api_keys SET expires_at = :t WHERE id = :id", "t"),
            {"t": datetime.now(UTC) - timedelta(minutes=1), "id": key_id},
        )
    assert (await call(auth, "GET", ITEMS, key)).pair == REQUIRED
    [listed] = (await call(auth, "GET", KEYS, owner)).body
    assert listed["is_active"] is True  # the legacy meaning: not revoked


@pytest.mark.parametrize(
    ("body", "loc", "kind"),
    [
        ({"scopes": ["read"]}, ["body", "name"], "missing"),
        ({"name": "k"}, ["body", "scopes"], "missing"),
        ({"name": "k", "scopes": "read"}, ["body", "scopes"], "list_type"),
        ({"name": 7, "scopes": ["read"]}, ["body", "name"], "string_type"),
        (
            {"name": "k", "scopes": ["read"], "expires_at": "tomorrow"},
            ["body", "expires_at"],
            "datetime_parsing",
        ),
        ({"name": "k", "scopes": ["read"], "tags": "mill"}, ["body", "tags"], "list_type"),
    ],
)
async def test_create_refuses_malformed_bodies_with_the_legacy_422(
    auth: AuthApi, body: dict[str, Any], loc: list[Any], kind: str
) -> None:
    owner = await _owner(auth)
    answer = await call(auth, "POST", KEYS, owner, json=body)
    assert answer.status == 422
    [error] = answer.body["detail"]
    assert (error["loc"], error["type"]) == (loc, kind)
    assert await _keys(auth) == 0


async def test_create_refuses_broken_json_before_looking_at_credentials(auth: AuthApi) -> None:
    answer = await call(auth, "POST", KEYS, content=b"{nope", headers={"content-type": "application/json"})
    assert answer.status == 422 and answer.body["detail"][0]["type"] == "json_invalid"
    # A well-formed but wrongly shaped body from a stranger is 401, not 422 (contract §2.4).
    assert (await call(auth, "POST", KEYS, json={"scopes": "x"})).pair == REQUIRED


@pytest.mark.parametrize(
    ("fields", "detail"),
    [
        ({"scopes": []}, "scopes: give at least one scope"),
        (
            {"scopes": ["read", "write:everything"]},
            "scopes: unknown scope 'write:everything'; known scopes are read, write:items, write:presets, "
            "write:usage, write:sets, write:*, delete:items, delete:assemblies, delete:instances, "
            "delete:presets, delete:usage, delete:sets, delete:*, admin:users, admin:backup, admin:*",
        ),
        ({"scopes": ["read"], "name": "  "}, "name: expected a non-empty string"),
    ],
)
async def test_create_refuses_what_the_service_refuses_with_a_400(
    auth: AuthApi, fields: dict[str, Any], detail: str
) -> None:
    owner = await _owner(auth)
    answer = await call(auth, "POST", KEYS, owner, json={"name": "k", **fields})
    assert answer.pair == (400, {"detail": detail})
    assert await _keys(auth) == 0


async def test_machine_id_sent_on_creation_is_ignored(auth: AuthApi) -> None:
    owner = await _owner(auth)
    _, key = await rest_key(auth, owner, ["read"], machine_id="mill-3")
    assert await auth.api.scalar("SELECT machine_id FROM api_keys") is None
    assert (await call(auth, "GET", ITEMS, key)).status == 200


@pytest.mark.parametrize("base", [KEYS, KEYS_ALIAS])
async def test_every_key_route_needs_credentials_and_a_key_needs_admin_users(
    auth: AuthApi, base: str
) -> None:
    owner = await _owner(auth)
    key_id, reader = await rest_key(auth, owner, ["read", "write:*"])
    _, manager = await rest_key(auth, owner, ["read", "admin:users"])
    for creds in (Creds(), Creds(session="forged"), Creds(key="smk_" + "0" * 32 + "_x")):
        assert (
            await call(auth, "POST", base, creds, json={"name": "k", "scopes": ["read"]})
        ).pair == REQUIRED
        assert (await call(auth, "GET", base, creds)).pair == REQUIRED
        assert (await call(auth, "DELETE", f"{base}/{key_id}", creds)).pair == REQUIRED
    assert (
        await call(auth, "POST", base, reader, json={"name": "k", "scopes": ["read"]})
    ).pair == NEEDS_ADMIN_USERS
    assert (await call(auth, "GET", base, reader)).pair == NEEDS_ADMIN_USERS
    assert (await call(auth, "DELETE", f"{base}/{key_id}", reader)).pair == NEEDS_ADMIN_USERS
    assert await _keys(auth) == 2
    # A key with admin:users manages its owner's keys, but cannot hand out more than it holds.
    assert (await call(auth, "GET", base, manager)).status == 200
    too_much = await call(auth, "POST", base, manager, json={"name": "k", "scopes": ["admin:*"]})
    assert too_much.pair == (
        403,
        {"detail": "scopes: this API key cannot grant scope 'admin:*', which it does not hold"},
    )
    assert (await call(auth, "DELETE", f"{base}/{key_id}", manager)).status == 204
    assert (await call(auth, "GET", ITEMS, reader)).pair == REQUIRED


async def test_only_the_owner_or_an_admin_revokes_a_key(auth: AuthApi) -> None:
    admin = await _owner(auth, "admin@shop.example")
    for name in ("bob", "cat"):
        await auth.create_user(admin, f"{name}@shop.example")
    bob, cat = await rest_login(auth, "bob@shop.example"), await rest_login(auth, "cat@shop.example")
    bob_key_id, bob_key = await rest_key(auth, bob, ["read"])

    # Cat cannot tell Bob's key from a missing one, and it keeps working.
    assert (await call(auth, "DELETE", f"{KEYS}/{bob_key_id}", cat)).pair == (
        404,
        {"detail": f"API key {bob_key_id} not found"},
    )
    assert bob_key_id not in (await call(auth, "GET", KEYS, cat)).response.text
    assert (await call(auth, "GET", ITEMS, bob_key)).status == 200
    for unknown in ("00000000-0000-4000-8000-00000000abcd", "not-a-uuid"):
        answer = await call(auth, "DELETE", f"{KEYS}/{unknown}", bob)
        assert answer.pair == (404, {"detail": f"API key {unknown} not found"})

    # An admin lists everyone's keys when asked, and may revoke any of them.
    assert bob_key_id not in (await call(auth, "GET", KEYS, admin)).response.text
    assert bob_key_id in (await call(auth, "GET", f"{KEYS}?all_users=true", admin)).response.text
    assert (await call(auth, "GET", f"{KEYS}?all_users=true", bob)).pair == (
        403,
        {"detail": "allUsers: only admins may list every user's keys"},
    )
    assert (await call(auth, "DELETE", f"{KEYS}/{bob_key_id}", admin)).status == 204
    assert (await call(auth, "GET", ITEMS, bob_key)).pair == REQUIRED


async def test_secrets_appear_only_in_the_creation_response(auth: AuthApi) -> None:
    owner = await _owner(auth)
    made = await call(auth, "POST", KEYS, owner, json={"name": "k", "scopes": ["read"]})
    secret = made.body["key"]
    key = Creds(key=secret)
    answers = [
        await call(auth, "GET", KEYS, owner),
        await call(auth, "GET", KEYS_ALIAS, owner),
        await call(auth, "GET", ME, key),
        await call(auth, "GET", ME, owner),
        await call(auth, "GET", ITEMS, key),
        await call(auth, "POST", LOGIN, json={"email": "a@shop.example", "password": PASSWORD}),
    ]
    for answer in answers:
        assert answer.status == 200
        assert secret not in answer.response.text and secret[-43:] not in answer.response.text
        assert PASSWORD not in answer.response.text and "$2" not in answer.response.text
    stored = await auth.api.scalar("SELECT secret_hash FROM api_keys")
    assert secret not in stored and secret[-43:] not in stored


async def test_a_legacy_client_registers_logs_in_makes_a_key_uses_it_and_revokes_it(auth: AuthApi) -> None:
    assert (
        await call(auth, "POST", REGISTER, json={"email": "shop@shop.example", "password": PASSWORD})
    ).status == 201
    # The workbench keeps the cookie jar between calls, as a browser or requests.Session would.
    login = await auth.client.post(LOGIN, json={"email": "shop@shop.example", "password": PASSWORD})
    assert login.status_code == 200 and auth.client.cookies.get("session")
    made = await auth.client.post(KEYS, json={"name": "FreeCAD", "scopes": ["read", "write:items"]})
    assert made.status_code == 201
    auth.client.cookies.clear()
    bearer = {"Authorization": f"Bearer {made.json()['key']}"}

    created = await auth.client.post(
        ITEMS, json={"items": [{"type": "cutting_tool", "description": "6 mm end mill"}]}, headers=bearer
    )
    assert created.status_code == 200 and created.json()["success_count"] == 1
    listed = await auth.client.get(ITEMS, headers=bearer)
    assert [i["description"] for i in listed.json()["items"]] == ["6 mm end mill"]

    session = await rest_login(auth, "shop@shop.example")
    assert (await call(auth, "DELETE", f"{KEYS}/{made.json()['id']}", session)).status == 204
    assert (await call(auth, "GET", ITEMS, Creds(key=made.json()["key"]))).pair == REQUIRED
    assert await auth.api.scalar("SELECT count(*) FROM tool_items") == 1


async def test_with_authentication_off_the_key_routes_act_as_the_local_admin(
    engine: AsyncEngine, database_url: str
) -> None:
    async with auth_app(engine, database_url, auth_enabled=False) as auth:
        made = await call(auth, "POST", KEYS, json={"name": "dev", "scopes": ["read"]})
        assert made.status == 201
        assert [k["name"] for k in (await call(auth, "GET", KEYS)).body] == ["dev"]
        me = await call(auth, "GET", ME)
        assert me.status == 200 and me.body["email"] == "admin@localhost" and me.body["role"] == "admin"
