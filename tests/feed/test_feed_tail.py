"""The worker's log tail finds commits that nobody announced to it.

On SQLite with several workers a commit in one process does not wake the
others; the tail's idle check must still bring the change to followers there.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from conftest import Api, make_settings
from smooth_gql.auth.principal import LOCAL_ADMIN_ID, local_admin
from smooth_gql.changes import feed
from smooth_gql.changes.broadcaster import Broadcaster
from smooth_gql.changes.tail import LogTail, log_head
from smooth_gql.db import models
from smooth_gql.db.engine import session_factory
from smooth_gql.enums import EntityType
from smooth_gql.runtime import Runtime


async def test_a_commit_no_one_announced_reaches_a_follower_after_the_idle_wait(
    engine: AsyncEngine, database_url: str
) -> None:
    runtime = Runtime(session_factory(engine), make_settings(database_url))  # no notify: nothing announces
    tail = LogTail(runtime, Broadcaster(), idle_seconds=0.2)
    await tail.start()
    try:
        start = await log_head(runtime)
        changes = feed.follow(runtime, tail, local_admin(), start, None, idle_seconds=0.2)
        entity_id = str(uuid.uuid4())
        async with engine.begin() as conn:  # as another worker's commit would land
            await conn.execute(
                insert(models.table_of(models.ChangeLog)).values(
                    entity_type=EntityType.TOOL_ITEM.value,
                    entity_id=entity_id,
                    operation="CREATED",
                    version=1,
                    owner_id=LOCAL_ADMIN_ID,
                    tags=[],
                    machine_id=None,
                    changed_at=datetime.now(UTC),
                    changed_by=LOCAL_ADMIN_ID,
                )
            )
        row = await asyncio.wait_for(anext(changes), 10)
        assert (row["entity_id"], row["seq"]) == (entity_id, start + 1)
        await changes.aclose()
    finally:
        await tail.stop()


async def test_a_follower_reading_the_log_when_a_full_restore_replaces_it_is_expired(
    api: Api, engine: AsyncEngine, database_url: str
) -> None:
    """A follower behind the tail's buffer pages through the log itself. A full restore between
    two of its pages takes away the rest of what it had to read: it must be told to
    resynchronize, not go on silently from the rows the restore wrote."""
    created = await api.gql(
        "mutation($i: [ToolItemCreateInput!]!) { createToolItems(input: $i) { successCount } }",
        {"i": [{"name": f"drill {n}"} for n in range(5)]},
    )
    assert created["createToolItems"]["successCount"] == 5
    document = (await api.gql("{ exportBackup(scope: ALL) }"))["exportBackup"]
    runtime = Runtime(session_factory(engine), make_settings(database_url))
    tail = LogTail(runtime, Broadcaster(), idle_seconds=0.2)
    await tail.start()  # at the end of the log: a follower from the start is behind it
    try:
        changes = feed.follow(runtime, tail, local_admin(), 0, None, page_size=2, idle_seconds=0.2)
        first = await asyncio.wait_for(anext(changes), 10)  # one page of two rows read
        restored = await api.gql(
            "mutation($d: JSON!) { importBackup(document: $d) { success } }", {"d": document}
        )
        assert restored["importBackup"]["success"]
        second = await asyncio.wait_for(anext(changes), 10)  # already read before the restore
        with pytest.raises(feed.CursorExpired):
            await asyncio.wait_for(anext(changes), 10)
        assert [first["seq"], second["seq"]] == [1, 2]
    finally:
        await tail.stop()
