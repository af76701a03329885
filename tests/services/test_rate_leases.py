"""Leases of a caller's budget on PostgreSQL (services/rate_leases.py, issue 15).

Two LeasedWindows on one database, each with its own engine (its own pool, as two server
processes have), stand for two workers. Time is a number the tests step, never slept through.
What must hold: together the workers never admit more than the budget and admit at least the
budget less one chunk per worker; a worker sends about one statement per chunk, not one per
request; a lease that doesn't fit changes nothing and the request is decided exactly, just as
DatabaseWindows decides it; a new second or minute gets a new lease.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine

from conftest import make_settings
from smooth_gql.db.engine import create_engine, session_factory
from smooth_gql.runtime import Runtime
from smooth_gql.services.rate_leases import LEASE_SHARE, LeasedWindows
from smooth_gql.services.rate_windows import (
    UNLIMITED_POINTS,
    UNLIMITED_REQUESTS,
    DatabaseWindows,
    Limits,
    Spent,
    Windows,
)

pytestmark = pytest.mark.parametrize(
    "database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
START = 1_800_000_000  # a minute's first second
MINUTE = START // 60
PER_SECOND = Limits(16_000_000, 320)  # chunks of 20 requests and a million points
PER_MINUTE = Limits(1600, UNLIMITED_REQUESTS)  # a points chunk of 100


class Statements:
    """The budget statements an engine sends (the conftest StatementCounter leaves them out)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.sent: list[str] = []
        event.listen(engine.sync_engine, "before_cursor_execute", self._on_execute)

    def _on_execute(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        verb = statement.split()[0]  # INSERT: a lease or an exact decision; DELETE: the sweep
        if "rate_windows" in statement and verb in ("INSERT", "DELETE"):  # not the tests' SELECTs
            self.sent.append(verb)

    def take(self) -> list[str]:
        sent, self.sent = self.sent, []
        return sent


@pytest.fixture
async def workers(engine: AsyncEngine, database_url: str) -> AsyncIterator[list[LeasedWindows]]:
    other = create_engine(database_url)
    settings = make_settings(database_url)
    yield [LeasedWindows(Runtime(session_factory(e), settings)) for e in (engine, other)]
    await other.dispose()


async def _row(engine: AsyncEngine, caller: str, minute: int = MINUTE) -> tuple[int, int, int] | None:
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                text("SELECT points, second, requests FROM rate_windows WHERE caller = :c AND minute = :m"),
                {"c": caller, "m": minute},
            )
        ).one_or_none()
    return None if row is None else (row.points, row.second, row.requests)


async def _burst(
    workers: list[LeasedWindows], times: list[float], points: int, limits: Limits
) -> list[Spent]:
    """One caller's requests at `times`, spread over the workers, eight at once (four each), so
    statements of both workers and of one worker overlap."""
    spent: list[Spent] = []
    for start in range(0, len(times), 8):
        batch = times[start : start + 8]
        spent += await asyncio.gather(
            *(workers[i % 2].spend("key:1", now, points, limits) for i, now in enumerate(batch))
        )
    return spent


async def test_two_workers_admit_at_most_the_request_budget_and_nearly_all_of_it(
    workers: list[LeasedWindows], engine: AsyncEngine
) -> None:
    chunk = PER_SECOND.requests // LEASE_SHARE
    for second in (START, START + 1):  # the next second is a budget of its own again
        spent = await _burst(workers, [second + i / 1000 for i in range(400)], 3, PER_SECOND)
        admitted = [s for s in spent if not s.refused]
        assert PER_SECOND.requests - 2 * chunk <= len(admitted) <= PER_SECOND.requests
        # A refusal is for the second's requests (what RATE_LIMITED then says), never for points.
        assert all(s.requests > PER_SECOND.requests for s in spent if s.refused)
        row = await _row(engine, "key:1")
        assert row is not None and row[1] == second
        assert len(admitted) <= row[2] <= PER_SECOND.requests + len(spent) - len(admitted)


async def test_two_workers_admit_at_most_the_points_budget_and_nearly_all_of_it(
    workers: list[LeasedWindows], engine: AsyncEngine
) -> None:
    chunk, cost = PER_MINUTE.points // LEASE_SHARE, 7
    for minute in (MINUTE, MINUTE + 1):  # the next minute: new leases on a new row
        times = [minute * 60 + i / 10 for i in range(300)]  # across the minute's seconds
        spent = await _burst(workers, times, cost, PER_MINUTE)
        admitted = cost * sum(not s.refused for s in spent)
        assert PER_MINUTE.points - 2 * chunk <= admitted <= PER_MINUTE.points
        row = await _row(engine, "key:1", minute)
        assert row is not None and admitted <= row[0] <= PER_MINUTE.points
    assert await _row(engine, "key:1", MINUTE) is None  # the past minute's row was swept


async def test_a_worker_sends_one_statement_per_chunk_and_a_new_one_each_second_and_minute(
    workers: list[LeasedWindows], engine: AsyncEngine
) -> None:
    worker, statements = workers[0], Statements(engine)
    chunk = PER_SECOND.requests // LEASE_SHARE
    spent = [await worker.spend("key:1", START + i / 1000, 3, PER_SECOND) for i in range(300)]

    assert not any(s.refused for s in spent)
    assert [s.points for s in spent] == [3 * n for n in range(1, 301)]  # as one worker knows them
    assert statements.take() == ["DELETE"] + ["INSERT"] * (300 // chunk)
    assert await _row(engine, "key:1") == (1_000_000, START, 300)

    await worker.spend("key:1", START + 1, 3, PER_SECOND)  # a new second: a lease of requests only
    assert statements.take() == ["INSERT"]
    assert await _row(engine, "key:1") == (1_000_000, START + 1, chunk)

    await worker.spend("key:1", START + 60, 3, PER_SECOND)  # a new minute: a new row, both chunks
    assert statements.take() == ["DELETE", "INSERT"]
    assert await _row(engine, "key:1", MINUTE + 1) == (1_000_000, START + 60, chunk)


async def _near_the_limit(engine: AsyncEngine, callers: tuple[str, ...], points: int, requests: int) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO rate_windows (caller, minute, points, second, requests, refused) "
                "VALUES (:c, :m, :p, :s, :r, false)"
            ),
            [{"c": c, "m": MINUTE, "p": points, "s": START, "r": requests} for c in callers],
        )


async def _spend_each(
    windows: Windows, caller: str, requests: list[tuple[int, int]], limits: Limits
) -> list[Spent]:
    """(second, points) requests one after another."""
    return [await windows.spend(caller, START + second, points, limits) for second, points in requests]


NEAR = Limits(1600, 320)  # chunks of 100 points and 20 requests


@pytest.fixture
async def exact(engine: AsyncEngine, database_url: str) -> DatabaseWindows:
    return DatabaseWindows(Runtime(session_factory(engine), make_settings(database_url)))


async def test_a_points_lease_that_does_not_fit_changes_nothing_and_each_request_is_decided_exactly(
    workers: list[LeasedWindows], exact: DatabaseWindows, engine: AsyncEngine
) -> None:
    """Two callers 50 points short of their budget: one spends through a worker's leases, the
    other through DatabaseWindows alone. No points chunk fits (1550 + 100 > 1600): the same
    answers and the same rows, after one refused lease that left the row as it was."""
    await _near_the_limit(engine, ("key:leased", "key:exact"), 1550, 305)
    statements = Statements(engine)
    requests = [(0, 7), (0, 7), (0, 40), (0, 7)] + [(0, 1)] * 12 + [(1, 7), (1, 30), (1, 7)]
    leased = await _spend_each(workers[0], "key:leased", requests, NEAR)
    sent = statements.take()
    by_exact = await _spend_each(exact, "key:exact", requests, NEAR)

    assert leased == by_exact
    assert leased[0] == Spent(1557, 306, False)  # the lease's 100 points and 20 requests: not added
    assert [s.refused for s in leased[:4]] == [False, False, True, False]  # 40 points don't fit
    assert leased[15] == Spent(1582, 321, True)  # the second's request budget, exactly
    assert await _row(engine, "key:leased") == await _row(engine, "key:exact") == (1596, START + 1, 3)
    # One lease tried (the first request), then exact decisions only, in the next second too: the
    # worker knows that no points chunk fits this minute any more.
    assert sent == ["DELETE", "INSERT"] + ["INSERT"] * len(requests)


async def test_a_request_lease_that_does_not_fit_is_decided_exactly_until_the_next_second(
    workers: list[LeasedWindows], exact: DatabaseWindows, engine: AsyncEngine
) -> None:
    await _near_the_limit(engine, ("key:leased", "key:exact"), 0, 305)  # 305 + 20 > 320
    statements = Statements(engine)
    requests = [(0, 1)] * 16
    leased = await _spend_each(workers[0], "key:leased", requests, NEAR)
    assert statements.take() == ["DELETE", "INSERT"] + ["INSERT"] * 16  # one lease tried, then exact
    assert leased == await _spend_each(exact, "key:exact", requests, NEAR)
    assert [s.refused for s in leased] == [False] * 15 + [True]
    assert await _row(engine, "key:leased") == await _row(engine, "key:exact") == (15, START, 321)
    statements.take()

    spent = await _spend_each(workers[0], "key:leased", [(1, 1)] * 20, NEAR)  # a new second
    assert not any(s.refused for s in spent)
    assert statements.take() == ["INSERT"]  # one lease of both chunks covers all 20
    assert await _row(engine, "key:leased") == (15 + 100, START + 1, 20)
    assert [s.points for s in spent] == list(range(16, 36))  # one worker: exactly what was spent


async def test_two_requests_at_once_on_one_worker_never_spend_the_same_reservation(
    workers: list[LeasedWindows], engine: AsyncEngine
) -> None:
    """The worker holds 5 points and the second's last request when a request of 7 points and
    one of 1 arrive at once: the first keeps that request while it leases more points, so the
    second finds none, and its lease of 2 more requests doesn't fit (30 + 2 + 2 > 32): it is
    refused exactly. Had both spent the one request, 33 would have been admitted."""
    limits = Limits(1600, 32)  # chunks of 100 points and 2 requests
    await _near_the_limit(engine, ("key:1",), 0, 30)
    assert await workers[0].spend("key:1", START, 95, limits) == Spent(95, 31, False)
    first, second = await asyncio.gather(
        workers[0].spend("key:1", START, 7, limits), workers[0].spend("key:1", START, 1, limits)
    )
    assert (first, second) == (Spent(102, 32, False), Spent(200, 33, True))
    assert await _row(engine, "key:1") == (200, START, 33)


async def test_small_budgets_and_big_requests_are_decided_exactly(
    workers: list[LeasedWindows], exact: DatabaseWindows, engine: AsyncEngine
) -> None:
    """A chunk under two requests (a budget under 32 a second) or points that don't fit a chunk:
    one exact statement per request, the same answers as DatabaseWindows."""
    statements = Statements(engine)
    cases = [(Limits(UNLIMITED_POINTS, 31), 1), (Limits(1600, 320), 101), (Limits(31, 320), 1)]
    for n, (limits, points) in enumerate(cases):
        requests = [(0, points)] * 40
        leased = await _spend_each(workers[0], f"key:leased{n}", requests, limits)
        assert [s for s in statements.take() if s != "DELETE"] == ["INSERT"] * 40
        assert leased == await _spend_each(exact, f"key:exact{n}", requests, limits)
        assert any(s.refused for s in leased)
        statements.take()


async def test_a_request_lease_past_the_column_is_refused_not_an_error(
    workers: list[LeasedWindows], engine: AsyncEngine
) -> None:
    """A request budget as large as the INTEGER column: once the second's row is near it, another
    chunk (2**27) would overflow the column. The lease must not fit (and the request be decided
    exactly), not fail."""
    limits = Limits(1600, UNLIMITED_REQUESTS - 1)
    await _near_the_limit(engine, ("key:1",), 0, UNLIMITED_REQUESTS - 5)
    assert await workers[0].spend("key:1", START, 1, limits) == Spent(1, UNLIMITED_REQUESTS - 4, False)
    assert await _row(engine, "key:1") == (1, START, UNLIMITED_REQUESTS - 4)


async def test_a_budget_that_is_off_is_not_leased(workers: list[LeasedWindows], engine: AsyncEngine) -> None:
    """Points only (the request budget off): a lease reserves no requests, whatever the row holds;
    requests only: no points."""
    await _near_the_limit(engine, ("key:points",), 0, UNLIMITED_REQUESTS - 5)
    statements = Statements(engine)
    for n in range(40):
        await workers[0].spend("key:points", START + n / 1000, 5, PER_MINUTE)
        await workers[0].spend("key:requests", START + n / 1000, 5, Limits(UNLIMITED_POINTS, 320))
    assert await _row(engine, "key:points") == (2 * 100, START, UNLIMITED_REQUESTS - 5)
    assert await _row(engine, "key:requests") == (0, START, 2 * 20)
    assert statements.take() == ["DELETE"] + ["INSERT"] * 4


async def test_requests_at_once_on_one_worker_wait_for_one_lease(
    workers: list[LeasedWindows], engine: AsyncEngine
) -> None:
    """Sixteen requests of a caller arrive at once on a worker with no lease: one lease statement,
    which they all spend from (leasing one chunk each would hold the whole second's budget in one
    worker)."""
    statements = Statements(engine)
    spent = await asyncio.gather(*(workers[0].spend("key:1", START, 1, PER_SECOND) for _ in range(16)))
    assert not any(s.refused for s in spent)
    assert statements.take() == ["DELETE", "INSERT"]
    assert await _row(engine, "key:1") == (1_000_000, START, PER_SECOND.requests // LEASE_SHARE)


# (worker, second, points) requests; each inner list arrives at once, the lists one after another.
BATCHES = st.lists(
    st.lists(st.tuples(st.integers(0, 1), st.integers(0, 2), st.integers(0, 9)), min_size=1, max_size=6),
    min_size=1,
    max_size=12,
)


async def test_any_interleaving_of_two_workers_stays_within_both_budgets(
    workers: list[LeasedWindows],
) -> None:
    """Small chunks (4 points, 2 requests), costs up to two chunks, two workers, requests at once
    and one after another over three seconds: what is admitted never exceeds either budget."""
    limits, loop, examples = Limits(64, 32), asyncio.get_running_loop(), [0]

    async def run(batches: list[list[tuple[int, int, int]]]) -> list[tuple[int, int, Spent]]:
        examples[0] += 1
        caller, spent = f"key:{examples[0]}", []
        for batch in batches:
            answers = await asyncio.gather(
                *(workers[w].spend(caller, START + second, points, limits) for w, second, points in batch)
            )
            spent += [
                (second, points, answer) for (_, second, points), answer in zip(batch, answers, strict=True)
            ]
        return spent

    @settings(max_examples=15, derandomize=True, deadline=None, database=None)
    @given(batches=BATCHES)
    def check(batches: list[list[tuple[int, int, int]]]) -> None:
        admitted = [
            (second, points)
            for second, points, s in asyncio.run_coroutine_threadsafe(run(batches), loop).result(60)
            if not s.refused
        ]
        assert sum(points for _, points in admitted) <= limits.points
        for second in range(3):
            assert sum(1 for s, _ in admitted if s == second) <= limits.requests

    await asyncio.to_thread(check)
