"""The journal's idempotency keys against a real server: a key still in progress, a key reused.

The server's key row is set by hand through the test's database access, so the answers a
replay can meet (IDEMPOTENCY_IN_PROGRESS, IDEMPOTENCY_KEY_REUSED) come every time, on both
databases, without racing two requests.
"""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from smooth_gql_linuxcnc import api
from smooth_gql_linuxcnc.outbox import key_for, send
from support.auth import live_auth_server
from support.bridge import MACHINE, Shop, eventually, make_shop, started

USAGES = """query($preset: ID!) { toolUsages(filter: {presetId: $preset}) { edges { node { id } } } }"""


def _load_entry(shop: Shop) -> dict[str, Any]:
    """A tool load as the bridge journals it, with its key."""
    at = datetime.now(UTC).isoformat()
    entry = {"id": str(uuid.uuid4()), "key": str(uuid.uuid4()), "kind": "load", "presetId": shop.presets[10]}
    return entry | {
        "machine": MACHINE,
        "usageId": str(uuid.uuid4()),
        "tool": 10,
        "at": at,
        "since": time.time(),
    }


async def _set_key(engine: AsyncEngine, key: str, **values: str) -> None:
    assignments = ", ".join(f"{name} = :{name}" for name in values)
    async with engine.begin() as connection:
        result = await connection.execute(
            text(f"UPDATE idempotency_keys SET {assignments} WHERE key = :key"), {"key": key, **values}
        )
    assert result.rowcount == 1


async def _sent_first(port: int, shop: Shop, cache: Path) -> dict[str, Any]:
    """The load sent once (its reply lost, say) and still in the journal for the bridge to replay."""
    entry = _load_entry(shop)
    client = api.Api(f"http://127.0.0.1:{port}", shop.key)
    try:
        assert await send(client, entry) == "usage started"
    finally:
        await client.close()
    cache.mkdir()
    (cache / "journal.jsonl").write_text(json.dumps(entry) + "\n")
    return entry


async def _usage_count(shop: Shop) -> int:
    data = await shop.auth.ok(USAGES, {"preset": shop.presets[10]}, shop.admin)
    return len(data["toolUsages"]["edges"])


def test_a_conflict_round_has_a_key_of_its_own_and_a_keyless_entry_none() -> None:
    entry = {"key": "k1"}
    assert key_for(entry, 1, 1) == "k1"
    assert key_for(entry, 3, 1) == "k1@v3"  # the same round replayed: the same key
    assert key_for({}, 3, 1) is None  # journaled by the bridge before keys


async def test_a_key_still_in_progress_keeps_the_entry_for_later(
    engine: AsyncEngine, database_url: str, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    async with live_auth_server(engine, database_url) as (auth, port):
        shop = await make_shop(auth)
        entry = await _sent_first(port, shop, cache)
        await _set_key(engine, entry["key"], state="in_progress")  # as while the first send runs
        bridge = await started(f"http://127.0.0.1:{port}", shop.key, cache)

        async def waiting() -> bool:
            return "its key is still in progress: kept, retried" in (cache / "bridge.log").read_text()

        await eventually(waiting, "the in-progress answer")
        assert '"done"' not in (cache / "journal.jsonl").read_text()  # the entry is kept
        await _set_key(engine, entry["key"], state="done")  # the first send finished

        async def drained() -> bool:
            return (cache / "journal.jsonl").read_text() == ""

        await eventually(drained, "the entry replayed")
        assert await bridge.close() == 0
        assert f"journal entry {entry['id']} (load): usage started" in (cache / "bridge.log").read_text()
        assert await _usage_count(shop) == 1


async def test_a_key_reused_for_another_request_is_settled_as_a_failure(
    engine: AsyncEngine, database_url: str, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    async with live_auth_server(engine, database_url) as (auth, port):
        shop = await make_shop(auth)
        entry = await _sent_first(port, shop, cache)
        await _set_key(engine, entry["key"], request_digest="0" * 64)  # the key held another request
        bridge = await started(f"http://127.0.0.1:{port}", shop.key, cache)

        async def settled() -> bool:
            return (cache / "journal.jsonl").read_text() == ""

        await eventually(settled, "the entry settled")
        assert await bridge.close() == 0
        stderr = await bridge.stderr()
        assert f"journal entry {entry['id']} (load) refused by the server: BUG:" in stderr
        assert f"two different requests under key {entry['key']}" in stderr
        assert await _usage_count(shop) == 1
