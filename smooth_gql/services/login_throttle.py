"""Failed-login throttling, per account and per client address, shared by every worker.

The failures are rows of `login_failures`, so `serve --workers N` and several
servers on one PostgreSQL database count them together: an attacker gets one
budget, not one per worker. That turns an online guessing attack from
thousands of tries a second into a handful a minute. Keys are stored as
SHA-256 digests: what someone typed into the e-mail field is never kept.
"""

from __future__ import annotations

import hashlib
import math
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, select

from ..db import models
from ..db.types import utcnow
from ..runtime import Runtime
from .unit_of_work import UnitOfWork

# The address budget is larger: several people may log in from behind one NAT.
ADDRESS_FACTOR = 4
FAILURES = models.table_of(models.LoginFailure)


def key_of(kind: str, value: str) -> str:
    """The stored form of "account:<e-mail as typed>" or "address:<client address>"."""
    return hashlib.sha256(f"{kind}:{value}".encode("utf-8", "surrogatepass")).hexdigest()


class LoginThrottle:
    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime
        self._max = runtime.settings.login_max_failures
        self._window = timedelta(seconds=runtime.settings.login_window_seconds)

    async def retry_after(self, account: str, address: str | None) -> int:
        """Seconds until another attempt is allowed (0: go ahead)."""
        now = utcnow()
        waits = [await self._wait(key_of("account", account), self._max, now)]
        if address:
            waits.append(await self._wait(key_of("address", address), self._max * ADDRESS_FACTOR, now))
        return max(waits)

    async def failed(self, account: str, address: str | None) -> None:
        """Counts the failure and forgets every failure older than the window."""
        now = utcnow()
        rows = [{"key": key_of("account", account), "failed_at": now}]
        if address:
            rows.append({"key": key_of("address", address), "failed_at": now})
        async with UnitOfWork(self._runtime) as uow:
            await uow.session.execute(delete(FAILURES).where(FAILURES.c.failed_at <= now - self._window))
            await uow.session.execute(insert(FAILURES), rows)
            await uow.commit()

    async def succeeded(self, account: str) -> None:
        async with UnitOfWork(self._runtime) as uow:
            await uow.session.execute(delete(FAILURES).where(FAILURES.c.key == key_of("account", account)))
            await uow.commit()

    async def _wait(self, key: str, limit: int, now: datetime) -> int:
        """Blocked while `limit` failures lie inside the window; until the oldest of them leaves it."""
        async with self._runtime.sessions() as session:
            found = await session.execute(
                select(FAILURES.c.failed_at)
                .where(FAILURES.c.key == key, FAILURES.c.failed_at > now - self._window)
                .order_by(FAILURES.c.failed_at.desc())
                .limit(limit)
            )
            recent: list[datetime] = list(found.scalars())
        if len(recent) < limit:
            return 0
        return max(1, math.ceil((recent[-1] + self._window - now).total_seconds()))
