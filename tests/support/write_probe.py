"""Whether a server process holds an open write transaction on the test database right now,
seen from outside it (tests that cut a request or kill a worker mid-write)."""

from __future__ import annotations

import asyncio
import sqlite3

from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import AsyncEngine


async def write_transaction_open(engine: AsyncEngine, database_url: str) -> bool:
    """Another connection holds an open write transaction on the database."""
    if engine.dialect.name == "postgresql":
        async with engine.connect() as conn:
            found = await conn.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL"
                )
            )
            return bool(found.scalar_one())
    return await asyncio.to_thread(_sqlite_write_locked, make_url(database_url).database or "")


def _sqlite_write_locked(path: str) -> bool:
    """The server's writes begin IMMEDIATE, so while one is open nobody else can."""
    probe = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError as error:
        if "locked" not in str(error):
            raise
        return True
    finally:
        probe.close()
