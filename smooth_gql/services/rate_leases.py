"""Leases of a caller's budget on PostgreSQL: each worker reserves a chunk of the caller's shared
window and admits requests against it in memory, so most requests send no statement at all.

Why: deciding every request in the database (DatabaseWindows) costs a pool checkout and a round
trip per request, and issue 15 allows the budgets at most 5 % on the benchmark workloads. A lease
is one statement that reserves 1/LEASE_SHARE of the points-per-minute budget for the current
minute, 1/LEASE_SHARE of the requests-per-second budget for the current second, or both, in the
caller's `rate_windows` row. The worker counts requests against what it holds and goes to the
database only when that can't cover a request: a new second, a new minute, its points used up.

Never more than the budget: the row holds every worker's reservations plus every request decided
exactly, and a lease is all-or-nothing (INSERT … ON CONFLICT DO UPDATE … WHERE it fits: when it
doesn't, the row is left as it was and no row comes back), so all workers together admit at most
the budget. The price: a worker may hold reserved points or requests it has not used, so a caller
may be refused a little early, by at most one chunk per worker (1/16 of each budget per worker;
with the default 1,500 requests a second, 93 requests a second per worker).

Exact as before: when the chunks are too small to be worth it (a chunk of fewer than MIN_CHUNK
points or requests, i.e. a request budget under 32 a second) or the request's points don't fit a
chunk, and when a lease doesn't fit because the row is near the limit, the request goes through
DatabaseWindows' exact statement, which counts a refused request too and decides exactly. Small
budgets therefore behave exactly as without leases, and a caller near its limit is decided one
request at a time: a worker whose lease did not fit goes straight to the exact statement for the
rest of that second (requests) or minute (points).

`Spent.points` is the caller's points of the minute as this worker knows them: the row's total at
its latest statement (every worker's reservations included) less what this worker holds unused.
With one worker that is exactly what the caller spent.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Row, and_, case
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql.dml import ReturningInsert

from ..runtime import Runtime
from .rate_windows import WINDOWS, DatabaseWindows, Limits, MemoryWindows, Spent, Windows

LEASE_SHARE = 16  # a lease is this fraction of a budget: at most this many leases fill a window
MIN_CHUNK = 2  # a smaller chunk saves no statement: decide each request exactly


@dataclass(frozen=True)
class _Ask:
    """One request's lease attempt: the chunks it asks the row for, and what it holds of the
    worker's lease meanwhile (given back when the attempt fails)."""

    second: int
    cost: int  # the request's points
    points: int  # reserved in the row for the minute (0: the worker's lease covers the cost)
    requests: int  # reserved in the row for the second (0: the worker's lease covers the request)
    held_points: int
    held_requests: int


@dataclass
class _Lease:
    """What this worker holds of one caller's windows, and what the row said last."""

    minute: int
    second: int
    points: int = 0  # reserved in the minute, not yet spent
    requests: int = 0  # reserved in the second, not yet used
    row_points: int = 0  # the row's points at this worker's latest statement
    row_requests: int = 0  # the row's requests of `second` at this worker's latest statement
    points_tight: bool = False  # a points chunk no longer fits the minute: decide exactly
    requests_tight: bool = False  # a request chunk no longer fits the second: decide exactly

    def enter(self, second: int) -> None:
        """A new second of the same minute: what was reserved for the last one is over."""
        if second != self.second:
            self.second, self.requests, self.row_requests, self.requests_tight = second, 0, 0, False

    def covers(self, points: int) -> bool:
        return self.requests >= 1 and self.points >= points

    def take(self, points: int) -> Spent:
        """Admit a request from what this worker holds (`covers` said it may)."""
        self.points -= points
        self.requests -= 1
        return self.spent()

    def spent(self) -> Spent:
        return Spent(self.row_points - self.points, self.row_requests - self.requests, False)

    def ask(self, points: int, chunk_points: int, chunk_requests: int) -> _Ask | None:
        """The chunks a request needs, and what it holds of this lease while it asks for them
        (taken now, so another request of the caller meanwhile can't spend it too); None when a
        chunk it needs no longer fits (decide exactly)."""
        more_points, more_requests = self.points < points, self.requests < 1
        if (more_points and self.points_tight) or (more_requests and self.requests_tight):
            return None
        ask = _Ask(
            self.second,
            points,
            points=chunk_points if more_points else 0,
            requests=chunk_requests if more_requests else 0,
            held_points=0 if more_points else points,
            held_requests=0 if more_requests else 1,
        )
        self.points -= ask.held_points
        self.requests -= ask.held_requests
        return ask

    def release(self, ask: _Ask) -> None:
        """The lease did not fit: give back what the request held."""
        self.points += ask.held_points
        if self.second == ask.second:
            self.requests += ask.held_requests

    def grant(self, ask: _Ask, row: Row[Any]) -> Spent:
        """The lease fit: the request spends the new chunks where it held nothing, and the rest
        joins this lease (a request chunk only while this lease is still in its second)."""
        self.points += ask.points - (ask.cost - ask.held_points)
        if self.second == ask.second:
            self.requests += ask.requests - (1 - ask.held_requests)
        self.saw(ask.second, row.points, row.requests if ask.requests else None)
        return self.spent()

    def saw(self, second: int, row_points: int, row_requests: int | None) -> None:
        """The row's totals as a statement returned them (statements may finish out of order: the
        row only grows within a minute and a second, so the larger is the newer)."""
        self.row_points = max(self.row_points, row_points)
        if row_requests is not None and second == self.second:
            self.row_requests = max(self.row_requests, row_requests)


class LeasedWindows:
    """The windows every worker shares (PostgreSQL), spent mostly from this worker's leases.

    A lease is per caller and per worker; requests of one caller that run at once on the event
    loop share it. The lease changes only between awaits, and what a request needs of it is taken
    before its statement is sent, so two such requests never spend the same reservation."""

    def __init__(self, runtime: Runtime) -> None:
        self._exact = DatabaseWindows(runtime)
        self._leases: dict[str, _Lease] = {}
        self._minute = 0

    async def spend(self, caller: str, now: float, points: int, limits: Limits) -> Spent:
        chunk_points, chunk_requests = limits.points // LEASE_SHARE, limits.requests // LEASE_SHARE
        if min(chunk_points, chunk_requests) < MIN_CHUNK:
            return await self._exact.spend(caller, now, points, limits)
        minute, second = int(now // 60), int(now)
        lease = self._lease(caller, minute, second)
        if lease.covers(points):
            return lease.take(points)
        ask = lease.ask(points, chunk_points, chunk_requests) if points <= chunk_points else None
        if ask is None:
            return await self._decide_exactly(lease, caller, now, points, limits)
        row = await self._exact.run(minute, _reserve(caller, minute, ask, limits))
        if row is None:  # it didn't fit, and changed nothing
            lease.release(ask)
            return await self._decide_exactly(lease, caller, now, points, limits)
        return lease.grant(ask, row)

    def _lease(self, caller: str, minute: int, second: int) -> _Lease:
        """The caller's lease in this minute and second; a new minute ends every lease."""
        if minute != self._minute:
            self._leases = {c: lease for c, lease in self._leases.items() if lease.minute >= minute}
            self._minute = minute
        lease = self._leases.get(caller)
        if lease is None or lease.minute != minute:
            lease = self._leases[caller] = _Lease(minute, second)
        lease.enter(second)
        return lease

    async def _decide_exactly(
        self, lease: _Lease, caller: str, now: float, points: int, limits: Limits
    ) -> Spent:
        """Today's exact statement, and what it tells about the windows: when a chunk no longer
        fits, the rest of the second or minute is decided exactly without asking for a lease."""
        spent = await self._exact.spend(caller, now, points, limits)
        second = int(now)
        lease.saw(second, spent.points, spent.requests)
        if spent.points + limits.points // LEASE_SHARE > limits.points:
            lease.points_tight = True
        if lease.second == second and spent.requests + limits.requests // LEASE_SHARE > limits.requests:
            lease.requests_tight = True
        if spent.refused:
            return spent  # the row's totals: they are what refused it
        return Spent(spent.points - lease.points, spent.requests - lease.requests, False)


def _reserve(caller: str, minute: int, ask: _Ask, limits: Limits) -> ReturningInsert[Any]:
    """The lease statement: the chunks `ask` names are added to the caller's row only when the
    row then stays within both budgets; otherwise it changes nothing and returns no row."""
    old = WINDOWS.c  # in ON CONFLICT DO UPDATE, the row's values before this statement
    insert = postgresql.insert(WINDOWS).values(
        caller=caller,
        minute=minute,
        points=ask.points,
        second=ask.second,
        requests=ask.requests,
        refused=False,
    )
    fits: ColumnElement[bool] = old.points + ask.points <= limits.points
    set_: dict[str, Any] = {"points": old.points + ask.points}
    if ask.requests:  # the second is touched only by a lease of requests, which is for this second
        requests = case((old.second == ask.second, old.requests + ask.requests), else_=ask.requests)
        set_ |= {"second": ask.second, "requests": requests}
        fits = and_(fits, requests <= limits.requests)
    return insert.on_conflict_do_update(
        index_elements=[old.caller, old.minute], set_=set_, where=fits
    ).returning(old.points, old.requests)


def windows_for(runtime: Runtime) -> Windows:
    """Shared by the workers on PostgreSQL, spent through this worker's leases; this process's
    own on SQLite."""
    return MemoryWindows() if runtime.settings.is_sqlite else LeasedWindows(runtime)
