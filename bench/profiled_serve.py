"""`python -m bench.profiled_serve OUT.prof serve ...`: `smooth-gql` under cProfile (for `--feed-profile`).

Profiling is off at start-up. SIGUSR1 switches it on and SIGUSR2 switches it off
and writes OUT.prof, so the profile covers just the measured part of a run
(the benchmark sends them around its measured writes). Only the event-loop
thread is profiled: the SQLite connections' threads and the database server are not.
uvicorn re-raises the SIGTERM it caught once it has shut down; the no-op
handler installed here is the one it restores, so the process exits normally.
"""

from __future__ import annotations

import cProfile
import os
import signal
import sys
import time
from types import FrameType

from smooth_gql import cli


def main() -> int:
    out, argv = sys.argv[1], sys.argv[2:]
    # BENCH_PROFILE_CLOCK=cpu: the thread's CPU time, not wall time (on a loaded machine a
    # wall-clock profile charges other processes' turns to whatever function was running).
    cpu = os.environ.get("BENCH_PROFILE_CLOCK") == "cpu"
    profiler = cProfile.Profile(time.thread_time) if cpu else cProfile.Profile()

    def start(signum: int, frame: FrameType | None) -> None:
        profiler.enable()

    def stop(signum: int, frame: FrameType | None) -> None:
        profiler.disable()
        profiler.dump_stats(out)

    signal.signal(signal.SIGUSR1, start)
    signal.signal(signal.SIGUSR2, stop)
    signal.signal(signal.SIGTERM, lambda signum, frame: None)
    return cli.main(argv)


if __name__ == "__main__":
    sys.exit(main())
