"""API keys: shown once, stored as a digest, scoped, expiring, revocable."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from smooth_gql.auth import tokens
from support.auth import CREATE_KEY, ME, AuthApi, Creds
from support.times import timed_sql

LIST = "{ apiKeys { id name prefix scopes isActive revokedAt lastUsedAt } }"
REVOKE = "mutation($id: ID!) { revokeApiKey(id: $id) { id isActive revokedAt } }"
ITEMS = "{ toolItems { totalCount } }"
CREATE_ITEM = (
    'mutation { createToolItems(input: [{name: "drill", category: CUTTING_TOOL}]) { successCount } }'
)


async def _admin(auth: AuthApi) -> Creds:
    await auth.register("ann@shop.example")
    return await auth.login("ann@shop.example")


async def test_the_secret_is_shown_once_and_only_its_digest_is_stored(auth: AuthApi) -> None:
    ann = await _admin(auth)
    made = (await auth.ok(CREATE_KEY, {"name": "mill-3 bridge", "scopes": ["read"]}, ann))["createApiKey"]
    secret, key = made["secret"], made["apiKey"]
    assert secret.startswith("smk_") and key["prefix"] == secret[:12] and key["isActive"] is True
    assert tokens.api_key_id(secret) == key["id"]
    stored = await auth.api.scalar("SELECT secret_hash FROM api_keys")
    assert stored == tokens.digest(secret) and secret not in stored
    listed = await auth.raw(LIST, creds=ann)
    assert secret not in str(listed) and stored not in str(listed)
    assert listed["data"]["apiKeys"][0]["name"] == "mill-3 bridge"
    me = (await auth.ok(ME, creds=Creds(key=secret)))["me"]
    assert me["email"] == "ann@shop.example"


async def test_scopes_decide_what_a_key_may_do(auth: AuthApi) -> None:
    ann = await _admin(auth)
    _, reader = await auth.key(ann, ["read"])
    _, writer = await auth.key(ann, ["write:items"])
    await auth.ok(ITEMS, creds=reader)
    denied = await auth.error(CREATE_ITEM, creds=reader)
    assert denied["extensions"]["code"] == "FORBIDDEN" and "write:items" in denied["message"]
    assert (await auth.ok(CREATE_ITEM, creds=writer))["createToolItems"]["successCount"] == 1
    no_read = await auth.error(ITEMS, creds=writer)
    assert no_read["extensions"]["code"] == "FORBIDDEN" and "'read'" in no_read["message"]


@pytest.mark.parametrize(
    ("variables", "field", "message"),
    [
        ({"name": "k", "scopes": ["read", "write:everything"]}, "scopes", "unknown scope 'write:everything'"),
        ({"name": "k", "scopes": []}, "scopes", "at least one scope"),
        ({"name": " ", "scopes": ["read"]}, "name", "non-empty"),
        ({"name": "k", "scopes": ["read"], "tags": [""]}, "tags", "non-empty"),
        ({"name": "k", "scopes": ["read"], "machineId": ""}, "machineId", "non-empty"),
    ],
)
async def test_create_api_key_refuses_bad_input_naming_the_field(
    auth: AuthApi, variables: dict[str, object], field: str, message: str
) -> None:
    ann = await _admin(auth)
    error = await auth.error(CREATE_KEY, variables, ann)
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": field}
    assert message in error["message"]
    assert await auth.api.scalar("SELECT count(*) FROM api_keys") == 0


async def test_expired_revoked_and_made_up_keys_are_errors_not_anonymous(auth: AuthApi) -> None:
    ann = await _admin(auth)
    soon = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    expiring_id, expiring = await auth.key(ann, ["read"], expiresAt=soon)
    revoked_id, revoked = await auth.key(ann, ["read"])
    await auth.ok(REVOKE, {"id": revoked_id}, ann)
    async with auth.api.engine.begin() as conn:
        past = datetime.now(UTC) - timedelta(seconds=1)
        await conn.execute(
            timed_sql("UPDATE api_keys SET expires_at = :t WHERE id = :id", "t"),
            {"t": past, "id": expiring_id},
        )
    assert expiring.key is not None
    tampered = Creds(key=expiring.key[:-4] + "AAAA")
    cases = {
        "API key expired": expiring,
        "API key revoked": revoked,
        "unknown API key": tampered,
        "not an API key of this server": Creds(key="legacy-opaque-key"),
        "expected 'Authorization: Bearer": Creds(headers={"Authorization": "Basic YW5uOnB3"}),
    }
    for problem, creds in cases.items():
        error = await auth.error(ITEMS, creds=creds)
        assert error["extensions"]["code"] == "UNAUTHENTICATED", (problem, error)
        assert problem in error["message"]
    listed = (await auth.ok(LIST, creds=ann))["apiKeys"]
    assert sorted(k["isActive"] for k in listed) == [False, False]  # still listed, both inactive


async def test_only_the_owner_or_an_admin_revokes_and_others_see_not_found(auth: AuthApi) -> None:
    ann = await _admin(auth)
    await auth.create_user(ann, "bob@shop.example")
    await auth.create_user(ann, "eve@shop.example")
    bob, eve = await auth.login("bob@shop.example"), await auth.login("eve@shop.example")
    bob_key_id, bob_key = await auth.key(bob, ["read"])
    foreign = await auth.error(REVOKE, {"id": bob_key_id}, eve)
    missing = await auth.error(REVOKE, {"id": "00000000-0000-4000-8000-0000000000ff"}, eve)
    assert foreign["extensions"] == missing["extensions"] == {"code": "NOT_FOUND", "field": "id"}
    assert foreign["message"].replace(bob_key_id, "X") == missing["message"].replace(
        "00000000-0000-4000-8000-0000000000ff", "X"
    )
    await auth.ok(ME, creds=bob_key)  # still works
    assert (await auth.ok(REVOKE, {"id": bob_key_id}, ann))["revokeApiKey"]["isActive"] is False
    assert (await auth.error(ME, creds=bob_key))["extensions"]["code"] == "UNAUTHENTICATED"
    again = await auth.ok(REVOKE, {"id": bob_key_id}, bob)  # harmless twice
    assert again["revokeApiKey"]["revokedAt"] is not None
    bad = await auth.error(REVOKE, {"id": "nope"}, bob)
    assert bad["extensions"] == {"code": "BAD_USER_INPUT", "field": "id"}


# Every request reads its key here (no cache), so only the minute holds the writes back.
@pytest.mark.settings(api_key_cache_seconds=0)
async def test_last_used_is_written_at_most_once_a_minute(auth: AuthApi) -> None:
    ann = await _admin(auth)
    key_id, key = await auth.key(ann, ["read"])
    assert await auth.api.scalar("SELECT last_used_at FROM api_keys") is None
    await auth.ok(ITEMS, creds=key)
    first = await auth.api.scalar("SELECT last_used_at FROM api_keys")
    await auth.ok(ITEMS, creds=key)
    assert await auth.api.scalar("SELECT last_used_at FROM api_keys") == first  # no second write
    async with auth.api.engine.begin() as conn:
        old = datetime.now(UTC) - timedelta(minutes=2)
        await conn.execute(
            timed_sql("UPDATE api_keys SET last_used_at = :t WHERE id = :id", "t"), {"t": old, "id": key_id}
        )
    await auth.ok(ITEMS, creds=key)
    assert await auth.api.scalar("SELECT last_used_at FROM api_keys") not in (first, None)


async def test_keys_manage_keys_only_with_admin_users_and_never_beyond_themselves(auth: AuthApi) -> None:
    ann = await _admin(auth)
    _, reader = await auth.key(ann, ["read"])
    _, manager = await auth.key(ann, ["admin:users", "read"], tags=["mill-3"])
    denied = await auth.error(LIST, creds=reader)
    assert denied["extensions"]["code"] == "FORBIDDEN" and "admin:users" in denied["message"]
    await auth.ok(LIST, creds=manager)
    wider = await auth.error(CREATE_KEY, {"name": "x", "scopes": ["write:*"], "tags": ["mill-3"]}, manager)
    assert wider["extensions"]["code"] == "FORBIDDEN" and "write:*" in wider["message"]
    untagged = await auth.error(CREATE_KEY, {"name": "x", "scopes": ["read"]}, manager)
    assert untagged["extensions"]["code"] == "FORBIDDEN" and "tags" in untagged["message"]
    await auth.ok(CREATE_KEY, {"name": "x", "scopes": ["read"], "tags": ["mill-3"]}, manager)


async def test_key_holders_of_an_admin_act_for_that_admin_only(auth: AuthApi) -> None:
    ann = await _admin(auth)
    await auth.create_user(ann, "bob@shop.example")
    bob = await auth.login("bob@shop.example")
    await auth.ok(CREATE_ITEM, creds=bob)
    _, everything = await auth.key(ann, ["admin:*"])
    assert (await auth.ok("{ toolItems(allTenants: true) { totalCount } }", creds=everything))["toolItems"][
        "totalCount"
    ] == 0
    assert (await auth.ok("{ toolItems(allTenants: true) { totalCount } }", creds=ann))["toolItems"][
        "totalCount"
    ] == 1
    denied = await auth.error("{ users { id } }", creds=everything)
    assert denied["extensions"]["code"] == "FORBIDDEN"
