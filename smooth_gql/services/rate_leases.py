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

A budget that is off (UNLIMITED_*) is not leased: only the other is counted. A worker sends one
lease statement at a time per caller (requests that need one meanwhile wait for it and then
spend from it), so it holds at most about one chunk of each budget; and its windows only move
forward (a request read before a newer one uses the newer one's second and minute).

`Spent.points` is the caller's points of the minute as this worker knows them: the row's total at
its latest statement (every worker's reservations included) less what this worker holds unused.
With one worker that is exactly what the caller spent.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, Row, and_, case, cast
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql.dml import ReturningInsert

from ..runtime import Runtime
from .rate_windows import (
    UNLIMITED_POINTS,
    UNLIMITED_REQUESTS,
    WINDOWS,
    DatabaseWindows,
    Limits,
    MemoryWindows,
    Spent,
    Windows,
)

LEASE_SHARE = 16  # a lease is this fraction of a budget: at most this many leases fill a window
MIN_CHUNK = 2  # a smaller chunk saves no statement: decide each request exactly


@dataclass(frozen=True)
class _Chunks:
    """What one lease reserves of each budget; None for a budget that is off (nothing to count)."""

    points: int | None
    requests: int | None

    @classmethod
    def of(cls, limits: Limits) -> _Chunks:
        return cls(
            None if limits.points >= UNLIMITED_POINTS else limits.points // LEASE_SHARE,
            None if limits.requests >= UNLIMITED_REQUESTS else limits.requests // LEASE_SHARE,
        )

    @property
    def worth_it(self) -> bool:
        return all(chunk is None or chunk >= MIN_CHUNK for chunk in (self.points, self.requests))

    def fit(self, points: int) -> bool:
        return self.points is None or points <= self.points

    def cost(self, points: int) -> tuple[int, int]:
        """A request's points and its one request, each 0 where that budget is off."""
        return (0 if self.points is None else points, 0 if self.requests is None else 1)


@dataclass(frozen=True)
class _Ask:
    """One lease attempt: the chunks it asks the row for, and what the request holds of the
    worker's lease meanwhile (given back when the attempt fails)."""

    minute: int
    second: int
    cost: tuple[int, int]  # the request's points and requests (_Chunks.cost)
    points: int  # reserved in the row for the minute (0: the worker's lease covers the cost)
    requests: int  # reserved in the row for the second (0: the worker's lease covers the request)
    held: tuple[int, int]


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
    lock: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False, compare=False)

    def enter(self, second: int) -> None:
        """A later second of the same minute: what was reserved for the last one is over."""
        if second > self.second:
            self.second, self.requests, self.row_requests, self.requests_tight = second, 0, 0, False

    def covers(self, cost: tuple[int, int]) -> bool:
        return self.points >= cost[0] and self.requests >= cost[1]

    def take(self, cost: tuple[int, int]) -> Spent:
        """Admit a request from what this worker holds (`covers` said it may)."""
        self.points -= cost[0]
        self.requests -= cost[1]
        return self.spent()

    def spent(self) -> Spent:
        return Spent(self.row_points - self.points, self.row_requests - self.requests, False)

    def ask(self, cost: tuple[int, int], chunks: _Chunks) -> _Ask | None:
        """The chunks a request needs, and what it holds of this lease while it asks for them
        (taken now, so that requests admitted meanwhile can't spend it too); None when a chunk
        it needs no longer fits (decide exactly)."""
        more_points, more_requests = self.points < cost[0], self.requests < cost[1]
        if (more_points and self.points_tight) or (more_requests and self.requests_tight):
            return None
        held = (0 if more_points else cost[0], 0 if more_requests else cost[1])
        self.points, self.requests = self.points - held[0], self.requests - held[1]
        return _Ask(
            self.minute,
            self.second,
            cost,
            points=(chunks.points or 0) if more_points else 0,  # more_*: that budget is on
            requests=(chunks.requests or 0) if more_requests else 0,
            held=held,
        )

    def release(self, ask: _Ask) -> None:
        """The lease did not fit: give back what the request held."""
        self.points += ask.held[0]
        if self.second == ask.second:
            self.requests += ask.held[1]

    def grant(self, ask: _Ask, row: Row[Any]) -> Spent:
        """The lease fit: the request spends the new chunks where it held nothing, and the rest
        joins this lease (a request chunk only while this lease is still in its second)."""
        self.points += ask.points - (ask.cost[0] - ask.held[0])
        if self.second == ask.second:
            self.requests += ask.requests - (ask.cost[1] - ask.held[1])
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

    A lease is per caller and per worker; the requests of one caller on the event loop share it.
    It changes only between awaits, and a request takes what it needs of it before it sends a
    statement, so two requests never spend the same reservation."""

    def __init__(self, runtime: Runtime) -> None:
        self._exact = DatabaseWindows(runtime)
        self._leases: dict[str, _Lease] = {}
        self._minute = 0

    async def spend(self, caller: str, now: float, points: int, limits: Limits) -> Spent:
        chunks = _Chunks.of(limits)
        if not chunks.worth_it:
            return await self._exact.spend(caller, now, points, limits)
        lease, cost = self._lease(caller, int(now // 60), int(now)), chunks.cost(points)
        if lease.covers(cost):
            return lease.take(cost)
        if chunks.fit(points):
            async with lease.lock:  # one lease statement at a time per caller; then spend from it
                if lease.covers(cost):
                    return lease.take(cost)
                ask = lease.ask(cost, chunks) if self._leases.get(caller) is lease else None
                if ask is not None:
                    row = await self._exact.run(ask.minute, _reserve(caller, ask, limits))
                    if row is not None:
                        return lease.grant(ask, row)
                    lease.release(ask)  # it didn't fit, and changed nothing
        return await self._decide_exactly(lease, caller, now, points, limits, chunks)

    def _lease(self, caller: str, minute: int, second: int) -> _Lease:
        """The caller's lease, moved on to this minute and second; a new minute ends every lease.
        Windows only move forward: a request read before a newer one stays in the newer one's."""
        if minute > self._minute:
            self._leases = {c: lease for c, lease in self._leases.items() if lease.minute >= minute}
            self._minute = minute
        lease = self._leases.get(caller)
        if lease is None or lease.minute < minute:
            lease = self._leases[caller] = _Lease(minute, second)
        lease.enter(second)
        return lease

    async def _decide_exactly(
        self, lease: _Lease, caller: str, now: float, points: int, limits: Limits, chunks: _Chunks
    ) -> Spent:
        """Today's exact statement, and what it tells about the windows: when a chunk no longer
        fits, the rest of the second or minute is decided exactly without asking for a lease."""
        now = max(now, lease.second)
        spent = await self._exact.spend(caller, now, points, limits)
        lease.saw(int(now), spent.points, spent.requests)
        if chunks.points is not None and spent.points + chunks.points > limits.points:
            lease.points_tight = True
        same_second = lease.second == int(now)
        if same_second and chunks.requests is not None and spent.requests + chunks.requests > limits.requests:
            lease.requests_tight = True
        if spent.refused:
            return spent  # the row's totals: they are what refused it
        return Spent(spent.points - lease.points, spent.requests - lease.requests, False)


def _reserve(caller: str, ask: _Ask, limits: Limits) -> ReturningInsert[Any]:
    """The lease statement: the chunks `ask` names are added to the caller's row only when the
    row then stays within both budgets; otherwise it changes nothing and returns no row."""
    old = WINDOWS.c  # in ON CONFLICT DO UPDATE, the row's values before this statement
    insert = postgresql.insert(WINDOWS).values(
        caller=caller,
        minute=ask.minute,
        points=ask.points,
        second=ask.second,
        requests=ask.requests,
        refused=False,
    )
    fits: ColumnElement[bool] = old.points + ask.points <= limits.points
    set_: dict[str, Any] = {"points": old.points + ask.points}
    if ask.requests:  # the second is touched only by a lease of requests, which is for this second
        # In BIGINT: a chunk of a budget as large as the INTEGER column, added to a full second,
        # would overflow INTEGER, where it must simply not fit.
        added = cast(old.requests, BigInteger) + ask.requests
        requests = case((old.second == ask.second, added), else_=ask.requests)
        set_ |= {"second": ask.second, "requests": requests}
        fits = and_(fits, requests <= limits.requests)
    return insert.on_conflict_do_update(
        index_elements=[old.caller, old.minute], set_=set_, where=fits
    ).returning(old.points, old.requests)


def windows_for(runtime: Runtime) -> Windows:
    """Shared by the workers on PostgreSQL, spent through this worker's leases; this process's
    own on SQLite."""
    return MemoryWindows() if runtime.settings.is_sqlite else LeasedWindows(runtime)
