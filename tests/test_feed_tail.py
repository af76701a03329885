"""The worker's log tail finds commits that nobody announced to it.

On SQLite with several workers a commit in one process does not wake the
others; the tail's idle check must still bring the change to followers there.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from conftest import make_settings
from smooth_gql.auth.principal import LOCAL_ADMIN_ID, local_admin
from smooth_gql.changes import feed
from smooth_gql.changes.broadcaster import Broadcaster
from smooth_gql.changes.tail import LogTail, log_head
from smooth_gql.db import models
from smooth_gql.db.engine import session_factory
from smooth_gql.enums import EntityType
from smooth_gql.services.unit_of_work import Runtime


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
