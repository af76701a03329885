"""Retention of the change log: old rows go, the newest always stays.

Keeping the newest row means the oldest retained `seq` always tells whether
a cursor can still be continued (feed.py answers CURSOR_EXPIRED otherwise).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

from sqlalchemy import delete, func, select

from ..db import models
from ..db.types import utcnow
from ..runtime import Runtime
from ..services.unit_of_work import UnitOfWork

CHANGES = models.table_of(models.ChangeLog)
log = logging.getLogger("smooth_gql.changes")


async def prune(runtime: Runtime, keep: timedelta) -> int:
    """Delete change rows older than `keep`, except the newest; return how many went."""
    async with UnitOfWork(runtime) as uow:
        newest = (await uow.session.execute(select(func.max(CHANGES.c.seq)))).scalar()
        if newest is None:
            return 0
        result = await uow.session.execute(
            delete(CHANGES).where(CHANGES.c.changed_at < utcnow() - keep, CHANGES.c.seq < newest)
        )
        await uow.commit()
    removed = int(result.rowcount or 0)  # type: ignore[attr-defined]
    if removed:
        log.info("pruned %d change-log rows older than %s", removed, keep)
    return removed


class RetentionTask:
    """Prunes periodically in the background of one worker (several pruning is harmless)."""

    def __init__(self, runtime: Runtime, keep: timedelta, every: timedelta) -> None:
        self._runtime, self._keep, self._every = runtime, keep, every
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="smooth-gql change-log retention")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            try:
                await prune(self._runtime, self._keep)
            except Exception:  # a failed prune must not end the loop; it is retried next round
                log.exception("change-log retention failed")
            await asyncio.sleep(self._every.total_seconds())
