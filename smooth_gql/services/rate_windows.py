"""Where a caller's spending is counted: in this process (SQLite), or in the database, shared by
every worker (PostgreSQL).

Fixed windows: a caller's points in the current minute (Unix time // 60) and its
requests in the current second. A request always counts as a request; its points
are added only when it is admitted, so a refused operation costs nothing but its
place in the second. Both stores apply exactly this rule; `spend` is the one call.

On PostgreSQL one row per caller and minute holds both windows, and one
statement (an INSERT … ON CONFLICT DO UPDATE … RETURNING) counts a request,
decides it exactly and reports the totals, atomically, whichever worker runs
it, outside any transaction. The server sends it only for the requests its
leases don't cover (rate_leases.py: a lease reserves a chunk of the row's
budget with one such statement, and the worker then counts in memory). The
table is UNLOGGED (migration 0009), so a statement waits for no flush to disk.
Rows of past minutes are deleted by each worker once per minute, a single
DELETE of a few rows (the table holds one row per caller active in the last
minute or two).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Executable, Row, case, delete, or_
from sqlalchemy.dialects import postgresql

from ..db import models
from ..runtime import Runtime

WINDOWS = models.table_of(models.RateWindow)
# A budget that is off, as a number the comparisons can use (and the columns hold: points are
# BIGINT, requests INTEGER); a request budget above the latter is as good as off.
UNLIMITED_POINTS = 2**62
UNLIMITED_REQUESTS = 2**31 - 1


@dataclass(frozen=True)
class Limits:
    """A caller's budget as the stores compare it: UNLIMITED_* for a budget that is off."""

    points: int  # per minute
    requests: int  # per second


@dataclass(frozen=True)
class Spent:
    """A caller's windows after a request: the points of the minute (this request's included when
    it was admitted) and the requests of the second (this one included)."""

    points: int
    requests: int
    refused: bool


class Windows(Protocol):
    async def spend(self, caller: str, now: float, points: int, limits: Limits) -> Spent:
        """Count one request of `caller` costing `points` at time `now` (Unix seconds)."""
        ...


@dataclass
class _Window:
    minute: int
    points: int
    second: int
    requests: int


class MemoryWindows:
    """This process's count (SQLite: one server process; `--workers N` on SQLite would give each
    worker its own budget, as the README says). No await inside `spend`: it is atomic on the
    event loop."""

    def __init__(self) -> None:
        self._windows: dict[str, _Window] = {}
        self._minute = 0

    async def spend(self, caller: str, now: float, points: int, limits: Limits) -> Spent:
        minute, second = int(now // 60), int(now)
        if minute != self._minute:  # a new minute: the old windows are over
            self._windows = {c: w for c, w in self._windows.items() if w.minute >= minute}
            self._minute = minute
        window = self._windows.get(caller)
        if window is None or window.minute != minute:
            window = self._windows[caller] = _Window(minute, 0, second, 0)
        window.requests = window.requests + 1 if window.second == second else 1
        window.second = second
        refused = window.requests > limits.requests or window.points + points > limits.points
        if not refused:
            window.points += points
        return Spent(window.points, window.requests, refused)


class DatabaseWindows:
    """The count every worker shares (PostgreSQL): one upsert per request, deciding it exactly. On
    its own for tests; the server puts LeasedWindows (rate_leases.py) in front of it."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime
        self._swept = 0  # the minute whose predecessors this worker deleted last

    async def spend(self, caller: str, now: float, points: int, limits: Limits) -> Spent:
        minute, second = int(now // 60), int(now)
        fits = points <= limits.points  # a first request of the minute is within any request budget
        insert = postgresql.insert(WINDOWS).values(
            caller=caller,
            minute=minute,
            points=points if fits else 0,
            second=second,
            requests=1,
            refused=not fits,
        )
        old = WINDOWS.c  # in ON CONFLICT DO UPDATE, the row's values before this request
        requests = case((old.second == second, old.requests + 1), else_=1)
        refused = or_(requests > limits.requests, old.points + points > limits.points)
        upsert = insert.on_conflict_do_update(
            index_elements=[old.caller, old.minute],
            set_={
                "requests": requests,
                "second": second,
                "refused": refused,
                "points": case((refused, old.points), else_=old.points + points),
            },
        ).returning(old.points, old.requests, old.refused)
        row = await self.run(minute, upsert)
        assert row is not None  # an upsert without a WHERE always returns its row
        return Spent(row.points, row.requests, row.refused)

    async def run(self, minute: int, statement: Executable) -> Row[Any] | None:
        """One statement on the windows, in a minute: its row (None when it returned none). The
        leases (rate_leases.py) send theirs here too, so the sweep stays once per minute."""
        async with self._runtime.sessions() as session:
            # Each statement is atomic on its own: no BEGIN and COMMIT around it, one round trip.
            connection = await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
            if minute != self._swept:
                self._swept = minute
                await connection.execute(delete(WINDOWS).where(WINDOWS.c.minute < minute))
            return (await connection.execute(statement)).one_or_none()
