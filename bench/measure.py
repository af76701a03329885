"""Timing: warm-up, interleaved GraphQL/floor runs, medians, and a one-time equivalence check.

The two sides of a workload are measured alternately (GraphQL then floor, then
floor then GraphQL, ...) so that a noisy neighbour on the shared machine hits
both about equally; the ratio of their medians is then more stable than
either median alone. Garbage from the previous call is collected before each
timed call, outside the stopwatch.
"""

from __future__ import annotations

import asyncio
import gc
import statistics
import time
from dataclasses import dataclass, field

from .dataset import row_counts
from .harness import BenchError, StatementCounter
from .workloads import Timed, Workload


@dataclass
class Series:
    """The measured (non-warm-up) calls of one side of a workload."""

    times_ms: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)  # this process, all threads (not a database server's)
    statements: list[int] = field(default_factory=list)
    checkouts: list[int] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.times_ms)

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu_ms)

    @property
    def min(self) -> float:
        return min(self.times_ms)

    @property
    def max(self) -> float:
        return max(self.times_ms)


@dataclass
class Result:
    workload: Workload
    graphql: Series = field(default_factory=Series)
    floor: Series = field(default_factory=Series)
    error: str | None = None

    @property
    def complete(self) -> bool:
        return self.error is None and bool(self.graphql.times_ms) and bool(self.floor.times_ms)

    @property
    def ratio(self) -> float | None:
        return self.graphql.median / self.floor.median if self.complete else None

    @property
    def cpu_ratio(self) -> float | None:
        """The same ratio in CPU time of this process, which other jobs on a shared machine
        disturb far less than wall time (on PostgreSQL the server's own CPU is not in it)."""
        return self.graphql.cpu_median / self.floor.cpu_median if self.complete else None

    @property
    def within_target(self) -> bool | None:
        ratio = self.ratio
        return None if ratio is None else ratio <= self.workload.target


@dataclass(frozen=True)
class Call:
    body: bytes
    ms: float
    cpu_ms: float
    statements: int
    checkouts: int


async def timed_call(call: Timed, counter: StatementCounter, timeout: float) -> Call:
    gc.collect()
    counter.start()
    started, cpu_started = time.perf_counter(), time.process_time()
    try:
        async with asyncio.timeout(timeout):
            body = await call()
    except TimeoutError:
        raise BenchError(f"a call took longer than --timeout {timeout:g} s") from None
    finally:
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        statements = counter.stop()
    return Call(body, elapsed * 1000, cpu * 1000, statements, counter.checkouts)


async def measure(
    workload: Workload, counter: StatementCounter, *, runs: int, warmup: int, timeout: float
) -> Result:
    """`warmup` + `runs` calls of each side; only the last `runs` are kept."""
    result = Result(workload)
    try:
        for n in range(warmup + runs):
            label = f"warm-up {n + 1}" if n < warmup else f"run {n - warmup + 1}"
            first_call = n == 0
            before = await row_counts(workload.engine) if first_call else {}
            outcomes: dict[bool, tuple[Call, dict[str, int]]] = {}
            for from_floor in (False, True) if n % 2 == 0 else (True, False):
                call = workload.floor(label) if from_floor else workload.graphql(label)
                outcome = await timed_call(call, counter, timeout)
                after = await row_counts(workload.engine) if first_call else {}
                outcomes[from_floor] = (outcome, {t: after[t] - before[t] for t in after})
                before = after
                series = result.floor if from_floor else result.graphql
                if n >= warmup:
                    series.times_ms.append(outcome.ms)
                    series.cpu_ms.append(outcome.cpu_ms)
                    series.statements.append(outcome.statements)
                    series.checkouts.append(outcome.checkouts)
            graphql_view = workload.check(outcomes[False][0].body, from_floor=False)
            floor_view = workload.check(outcomes[True][0].body, from_floor=True)
            if first_call:
                _check_equivalent(workload, graphql_view, floor_view, outcomes[False][1], outcomes[True][1])
    except BenchError as exc:
        result.error = str(exc)
    return result


def _check_equivalent(
    workload: Workload,
    graphql_view: object,
    floor_view: object,
    graphql_growth: dict[str, int],
    floor_growth: dict[str, int],
) -> None:
    """A floor only means something if it produced the same answer and wrote the same rows."""
    if graphql_view != floor_view:
        raise BenchError(f"{workload.title}: the floor's JSON differs from the GraphQL answer")
    expected = {table: workload.expected_growth.get(table, 0) for table in graphql_growth}
    if graphql_growth != expected:
        raise BenchError(
            f"{workload.title}: the GraphQL call changed row counts by {_nonzero(graphql_growth)}, expected {_nonzero(expected)}"
        )
    if floor_growth != expected:
        raise BenchError(
            f"{workload.title}: the floor changed row counts by {_nonzero(floor_growth)}, expected {_nonzero(expected)}"
        )


def _nonzero(growth: dict[str, int]) -> dict[str, int]:
    return {table: n for table, n in growth.items() if n}
