"""A key made by a key expires with its maker at the latest (issue 13 item 4).

Scopes, tags and machines were already capped by the making key; its expiry was
not, so an expiring key with `admin:users` could mint a key that never expires
and outlive its own revocation date. Asked for no expiry, the new key gets its
maker's; asked for a later one, it is refused (403 / FORBIDDEN naming
`expiresAt`), on GraphQL and REST alike. Keys made in a session are unchanged.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from support.auth import AuthApi, Creds
from support.rest import KEYS, call


def at(days: float) -> datetime:
    return (datetime.now(UTC) + timedelta(days=days)).replace(microsecond=0)


def moment(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text.replace("Z", "+00:00"))


async def _maker(auth: AuthApi, expires: datetime) -> tuple[Creds, Creds]:
    await auth.register("ann@shop.example")
    ann = await auth.login("ann@shop.example")
    _, maker = await auth.key(ann, ["read", "admin:users"], expiresAt=expires.isoformat())
    return ann, maker


async def test_graphql_key_made_by_an_expiring_key_expires_with_it(auth: AuthApi) -> None:
    limit = at(2)
    ann, maker = await _maker(auth, limit)

    made = await auth.ok(
        'mutation { createApiKey(name: "child", scopes: ["read"]) { apiKey { expiresAt } } }', creds=maker
    )
    assert moment(made["createApiKey"]["apiKey"]["expiresAt"]) == limit

    sooner = at(1)
    made = await auth.ok(
        'mutation($e: DateTime) { createApiKey(name: "c", scopes: ["read"], expiresAt: $e) { apiKey { expiresAt } } }',
        {"e": sooner.isoformat()},
        maker,
    )
    assert moment(made["createApiKey"]["apiKey"]["expiresAt"]) == sooner

    refused = await auth.error(
        'mutation($e: DateTime) { createApiKey(name: "c", scopes: ["read"], expiresAt: $e) { secret } }',
        {"e": at(3).isoformat()},
        maker,
    )
    assert refused["extensions"]["code"] == "FORBIDDEN", refused
    assert refused["extensions"]["field"] == "expiresAt" and "expire by" in refused["message"], refused

    # A session is not capped: its keys may still never expire.
    made = await auth.ok(
        'mutation { createApiKey(name: "s", scopes: ["read"]) { apiKey { expiresAt } } }', creds=ann
    )
    assert made["createApiKey"]["apiKey"]["expiresAt"] is None


async def test_rest_key_made_by_an_expiring_key_expires_with_it(auth: AuthApi) -> None:
    limit = at(2)
    _, maker = await _maker(auth, limit)

    answer = await call(auth, "POST", KEYS, maker, json={"name": "child", "scopes": ["read"]})
    assert answer.status == 201, answer.body
    assert moment(answer.body["expires_at"]) == limit

    answer = await call(
        auth, "POST", KEYS, maker, json={"name": "c", "scopes": ["read"], "expires_at": at(3).isoformat()}
    )
    assert answer.status == 403, answer.body
    assert "expires" in str(answer.body).lower(), answer.body


async def test_a_key_without_expiry_makes_keys_as_before(auth: AuthApi) -> None:
    await auth.register("ann@shop.example")
    ann = await auth.login("ann@shop.example")
    _, maker = await auth.key(ann, ["read", "admin:users"])
    made = await auth.ok(
        'mutation { createApiKey(name: "child", scopes: ["read"]) { apiKey { expiresAt } } }', creds=maker
    )
    assert made["createApiKey"]["apiKey"]["expiresAt"] is None
