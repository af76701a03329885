"""PostgreSQL fan-out: one LISTEN connection per worker feeds its broadcaster.

Writers `NOTIFY` inside their transaction (delivered only if it commits), so a
follower on any worker wakes for a write made through any other. The log
stays the source of truth: after a reconnect the listener wakes everyone once,
in case a notification was lost while it was away.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url

from ..services.unit_of_work import CHANNEL
from .broadcaster import Broadcaster

log = logging.getLogger("smooth_gql.changes")


def asyncpg_dsn(database_url: str) -> str:
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


class PostgresListener:
    def __init__(
        self,
        database_url: str,
        broadcaster: Broadcaster,
        *,
        retry_seconds: float = 1.0,
        check_seconds: float = 5.0,
    ) -> None:
        self._dsn = asyncpg_dsn(database_url)
        self._broadcaster = broadcaster
        self._retry = retry_seconds
        self._check_seconds = check_seconds
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="smooth-gql change listener")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            try:
                connection = await asyncpg.connect(self._dsn)
            except (OSError, asyncpg.PostgresError) as error:
                log.warning("change listener cannot connect (%s); retrying", type(error).__name__)
                await asyncio.sleep(self._retry)
                continue
            lost = asyncio.Event()
            try:
                await connection.add_listener(CHANNEL, self._on_notify)
                connection.add_termination_listener(lambda _conn, lost=lost: lost.set())
                while not lost.is_set():
                    # On (re)connect and then every few seconds: one cheap read per worker
                    # stands in for any notification lost on the way, so followers never poll.
                    head = await connection.fetchval("SELECT coalesce(max(seq), 0) FROM change_log")
                    self._broadcaster.publish(int(head))
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(lost.wait(), self._check_seconds)
                log.warning("change listener lost its connection; reconnecting")
            except (OSError, asyncpg.PostgresError) as error:
                log.warning("change listener failed (%s); reconnecting", type(error).__name__)
                await asyncio.sleep(self._retry)
            finally:
                with contextlib.suppress(Exception):
                    await connection.close()

    def _on_notify(self, _connection: Any, _pid: int, _channel: str, payload: str) -> None:
        with contextlib.suppress(ValueError):
            self._broadcaster.publish(int(payload))
