"""A worker trusts an API key it has checked for SMOOTH_API_KEY_CACHE_SECONDS, and no longer.

What ends a key in this worker (its revocation, its owner's deactivation, a
restore) ends it at once, cached or not; another worker's change is seen
once the entry is older than the setting; an expired key is refused on the
cache hit itself.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from smooth_gql.auth.principal import Principal, PrincipalKind
from smooth_gql.db.engine import session_factory
from smooth_gql.db.types import utcnow
from smooth_gql.runtime import Runtime
from smooth_gql.services import api_keys, key_cache
from smooth_gql.services.key_cache import KeyCache
from support.auth import ME, AuthApi, auth_settings
from support.times import timed_sql
from support.users import user_principal

REVOKE = "mutation($id: ID!) { revokeApiKey(id: $id) { isActive } }"
DEACTIVATE = "mutation($id: ID!) { updateUser(id: $id, isActive: false) { isActive } }"
KEY = Principal(user_id="u1", kind=PrincipalKind.API_KEY, scopes=frozenset({"read"}), api_key_id="k1")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_an_entry_is_trusted_for_the_setting_and_no_longer() -> None:
    clock = Clock()
    cache = KeyCache(5, clock)
    cache.put("d", KEY, cache.generation)
    now = datetime.now(UTC)
    clock.now += 4.9
    assert cache.get("d", now) is KEY
    clock.now += 0.1
    assert cache.get("d", now) is None and len(cache) == 0


def test_an_expired_key_is_refused_on_a_hit_and_nothing_is_kept_when_the_setting_is_zero() -> None:
    cache = KeyCache(5, Clock())
    expiring = replace(KEY, expires_at=datetime(2030, 1, 1, tzinfo=UTC))
    cache.put("d", expiring, cache.generation)
    assert cache.get("d", datetime(2029, 12, 31, tzinfo=UTC)) is expiring
    assert cache.get("d", datetime(2030, 1, 1, tzinfo=UTC)) is None
    off = KeyCache(0, Clock())
    off.put("d", KEY, off.generation)
    assert len(off) == 0


def test_a_key_read_before_a_revocation_is_not_kept_after_it() -> None:
    """A request that read the key, then saw `forget_all` happen before it put it back, would
    otherwise keep a revoked key alive for the whole setting."""
    cache = KeyCache(5, Clock())
    read_at = cache.generation
    cache.forget_all()  # a revocation committed while the request was reading
    cache.put("d", KEY, read_at)
    assert cache.get("d", datetime.now(UTC)) is None


@pytest.fixture
async def runtime(engine: AsyncEngine, database_url: str) -> AsyncIterator[Runtime]:
    yield Runtime(session_factory(engine), auth_settings(database_url))


async def test_another_workers_revocation_is_seen_once_the_entry_is_older_than_the_setting(
    runtime: Runtime, engine: AsyncEngine
) -> None:
    owner = await user_principal(engine)
    made = await api_keys.create(runtime, owner, api_keys.KeyRequest(name="bridge", scopes=["read"]))
    clock = Clock()
    cache = key_cache.cache_of(runtime)
    cache.clock = clock
    found = await api_keys.principal_for_secret(runtime, made.secret)
    assert isinstance(found, Principal) and found.api_key_id == made.key["id"]
    async with engine.begin() as conn:  # what another worker's revocation leaves behind
        await conn.execute(
            timed_sql("UPDATE api_keys SET revoked_at = :t WHERE id = :id", "t"),
            {"t": utcnow(), "id": made.key["id"]},
        )
    clock.now += runtime.settings.api_key_cache_seconds - 0.5
    assert await api_keys.principal_for_secret(runtime, made.secret) == found
    clock.now += 0.5
    assert await api_keys.principal_for_secret(runtime, made.secret) == "API key revoked"


def _key_reads(engine: AsyncEngine) -> list[str]:
    reads: list[str] = []

    def note(conn: object, cursor: object, statement: str, *args: object) -> None:
        if "FROM api_keys" in statement and statement.lstrip().upper().startswith("SELECT"):
            reads.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", note)
    return reads


async def test_a_checked_key_is_not_read_again_and_ends_at_once_when_revoked(
    auth: AuthApi, engine: AsyncEngine
) -> None:
    await auth.register("ann@shop.example")
    ann = await auth.login("ann@shop.example")
    key_id, key = await auth.key(ann, ["read"])
    reads = _key_reads(engine)
    for _ in range(3):
        await auth.ok(ME, creds=key)
    assert len(reads) == 1
    await auth.ok(REVOKE, {"id": key_id}, ann)
    refused = await auth.error(ME, creds=key)
    assert refused["extensions"]["code"] == "UNAUTHENTICATED" and "API key revoked" in refused["message"]


async def test_deactivating_the_owner_ends_a_cached_key_at_once(auth: AuthApi) -> None:
    await auth.register("ann@shop.example")
    ann = await auth.login("ann@shop.example")
    bob_id = await auth.create_user(ann, "bob@shop.example")
    bob = await auth.login("bob@shop.example")
    _, key = await auth.key(bob, ["read"])
    await auth.ok(ME, creds=key)  # cached now
    await auth.ok(DEACTIVATE, {"id": bob_id}, ann)
    refused = await auth.error(ME, creds=key)
    assert refused["extensions"]["code"] == "UNAUTHENTICATED" and "deactivated" in refused["message"]


@pytest.mark.settings(api_key_cache_seconds=0)
async def test_with_the_setting_at_zero_every_request_reads_its_key(
    auth: AuthApi, engine: AsyncEngine
) -> None:
    await auth.register("ann@shop.example")
    ann = await auth.login("ann@shop.example")
    _, key = await auth.key(ann, ["read"])
    reads = _key_reads(engine)
    for _ in range(3):
        await auth.ok(ME, creds=key)
    assert len(reads) == 3


def test_the_setting_is_read_from_the_environment() -> None:
    from smooth_gql.config import ConfigError, Settings

    assert Settings.from_env({}).api_key_cache_seconds == 5
    assert Settings.from_env({"SMOOTH_API_KEY_CACHE_SECONDS": "0"}).api_key_cache_seconds == 0
    with pytest.raises(ConfigError, match="SMOOTH_API_KEY_CACHE_SECONDS: must be at least 0"):
        Settings.from_env({"SMOOTH_API_KEY_CACHE_SECONDS": "-1"})
    assert timedelta(seconds=Settings().api_key_cache_seconds) < api_keys.LAST_USED_EVERY
