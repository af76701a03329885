"""A SQLite connection never goes back to the pool with a transaction open.

The pool's unconditional rollback-on-return is replaced by one that asks
SQLite whether a transaction is open (db/engine.py): a session that already
rolled back costs no second trip to the driver's thread, and one that did not
is still rolled back, so the next user of the connection neither reads an
old snapshot nor holds the write lock.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.util import greenlet_spawn

from smooth_gql.db.engine import IMMEDIATE

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


async def test_a_connection_returned_inside_a_transaction_is_rolled_back(engine: AsyncEngine) -> None:
    raw = await engine.raw_connection()
    driver = raw.driver_connection
    assert driver is not None
    await driver.execute("BEGIN IMMEDIATE")  # the write lock, as a failed unit of work might leave it
    assert driver.in_transaction
    await greenlet_spawn(raw.close)  # back to the pool without a rollback of its own
    assert not driver.in_transaction
    async with engine.connect() as conn:  # so another writer gets the lock (held, it would time out)
        writer = await conn.execution_options(**{IMMEDIATE: True})
        async with writer.begin():
            await writer.execute(text("SELECT 1"))


async def test_a_session_that_rolled_back_is_not_rolled_back_again(engine: AsyncEngine) -> None:
    statements: list[str] = []
    raw = await engine.raw_connection()
    driver = raw.driver_connection
    assert driver is not None
    original = driver.rollback

    async def counted() -> None:
        statements.append("ROLLBACK")
        await original()

    driver.rollback = counted  # type: ignore[method-assign]
    try:
        await greenlet_spawn(raw.close)  # nothing open: nothing to roll back
        assert statements == []
    finally:
        driver.rollback = original  # type: ignore[method-assign]
