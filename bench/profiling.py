"""Optional cProfile of the GraphQL side of each workload, after (never during) the timings.

Profiling slows Python code several-fold and unevenly, so it runs as a separate
pass; its output says where the app's time goes, not how long things take.
Only the event-loop thread is profiled: work the SQLite driver does in its own
thread (db/sqlite_driver.py) does not appear, work in PostgreSQL's server never does.
"""

from __future__ import annotations

import cProfile
import io
import pstats
from pathlib import Path

from .workloads import Timed, Workload


async def _profiled_call(profiler: cProfile.Profile, call: Timed) -> None:
    """Profile one call.

    The profiler is switched on inside this coroutine, so cProfile books the
    time the event loop spends between its resumptions (waiting for the
    database thread or socket) as this function's own time: read its tottime
    as "waiting", not as benchmark overhead.
    """
    profiler.enable()
    try:
        await call()
    finally:
        profiler.disable()


async def profile(workloads: list[Workload], directory: Path, *, calls: int, top: int) -> str:
    """Write <directory>/<workload>.prof for each workload; return the hottest app functions."""
    directory.mkdir(parents=True, exist_ok=True)
    out = io.StringIO()
    for workload in workloads:
        profiler = cProfile.Profile()
        for n in range(calls):
            await _profiled_call(profiler, workload.graphql(f"profile {n + 1}"))
        path = directory / f"{workload.key}.prof"
        profiler.dump_stats(path)
        stats = pstats.Stats(profiler, stream=out)
        out.write(f"\n=== {workload.title}: {calls} call(s), profile in {path}\n")
        out.write("--- smooth_gql functions by cumulative time\n")
        stats.sort_stats(pstats.SortKey.CUMULATIVE).print_stats(r"smooth_gql/", top)
        out.write("--- all functions by own (tottime) time\n")
        stats.sort_stats(pstats.SortKey.TIME).print_stats(top)
    return out.getvalue()
