"""`python -m bench.linuxcnc_bridge`: the LinuxCNC bridge's two figures (issue 17).

1. `g` for 1,000 tools from the cache: from writing `g` to reading `FINI`, on pipes, the way
   LinuxCNC asks (target ≤ 50 ms).
2. A server-side edit reaching the cache: 100 edits through GraphQL, one after another; for
   each, the time from sending the mutation until a `g` shows the new value (target: p99 ≤ 1 s).
   Measured through `g`, so each figure includes the mutation's own time and up to one `g`.

Against a real `smooth-gql serve` (authentication off: the bridge's key is not checked, and
only the one machine has presets) and the installed bridge as its own process. A benchmark,
not a test: it reports, and with --check exits 1 over a target.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

from smooth_gql.db.engine import create_engine
from smooth_gql.db.migrate import upgrade

from .database import fresh_database
from .feed import percentile, serving
from .harness import BenchError

TOOLS = 1000
EDITS = 100
G_TARGET_MS = 50.0
EDIT_TARGET_P99_MS = 1000.0
CREATE = """mutation($input: [ToolPresetCreateInput!]!) {
  createToolPresets(input: $input, atomic: true) { results { id } errors { message } } }"""
UPDATE = """mutation($input: [ToolPresetUpdateInput!]!) {
  updateToolPresets(input: $input) { results { version } errors { message } } }"""


class Bridge:
    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    async def line(self) -> bytes:
        assert self.process.stdout is not None
        line = await asyncio.wait_for(self.process.stdout.readline(), 30)
        if not line:
            raise BenchError("the bridge closed its stdout")
        return line

    async def g(self) -> list[bytes]:
        assert self.process.stdin is not None
        self.process.stdin.write(b"g\n")
        await self.process.stdin.drain()
        lines = [await self.line()]
        while lines[-1] != b"FINI\n":
            lines.append(await self.line())
        return lines


async def _seed(client: httpx.AsyncClient, url: str) -> str:
    presets = [
        {"name": f"T{n}", "machineId": "mill-1", "toolNumber": n, "pocket": n, "offsets": {"z": n / 7}}
        for n in range(1, TOOLS + 1)
    ]
    body = (
        await client.post(f"{url}/graphql", json={"query": CREATE, "variables": {"input": presets}})
    ).json()
    return str(body["data"]["createToolPresets"]["results"][0]["id"])


async def _bridge(url: str, cache: Path) -> Bridge:
    (cache.parent / "key").write_text("bench\n")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "smooth_gql_linuxcnc", "--url", url, "--machine", "mill-1",
        "--key-file", str(cache.parent / "key"), "--cache", str(cache),
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    bridge = Bridge(process)
    if await bridge.line() != b"v2.1\n":
        raise BenchError("the bridge did not start with v2.1")
    return bridge


async def _g_times(bridge: Bridge, runs: int) -> list[float]:
    times = []
    for _ in range(runs + 1):  # the first is a warm-up
        start = time.perf_counter()
        lines = await bridge.g()
        times.append((time.perf_counter() - start) * 1000)
        if len(lines) != TOOLS + 1:
            raise BenchError(f"g answered {len(lines) - 1} tools, not {TOOLS}")
    return times[1:]


async def _edit_times(client: httpx.AsyncClient, url: str, bridge: Bridge, preset_id: str) -> list[float]:
    times = []
    for version in range(1, EDITS + 1):
        z = 1000 + version / 1000
        element = {"id": preset_id, "expectedVersion": version, "offsets": {"z": z}}
        start = time.perf_counter()
        await client.post(f"{url}/graphql", json={"query": UPDATE, "variables": {"input": [element]}})
        want = f"Z+{z:f}".encode()
        while want not in (await bridge.g())[0]:
            if time.perf_counter() - start > 10:
                raise BenchError(f"edit {version} did not reach the bridge within 10 s")
        times.append((time.perf_counter() - start) * 1000)
    return times


async def run(args: argparse.Namespace) -> bool:
    async with fresh_database(args.database_url) as db:
        engine = create_engine(db.url)
        await upgrade(engine)
        await engine.dispose()
        with serving(db.url, "bridge-bench") as server, tempfile.TemporaryDirectory() as scratch:
            async with httpx.AsyncClient(timeout=60) as client:
                await server.wait_ready(client)
                preset_id = await _seed(client, server.base_url)
                bridge = await _bridge(server.base_url, Path(scratch) / "cache")
                g_times = await _g_times(bridge, args.runs)
                edit_times = await _edit_times(client, server.base_url, bridge, preset_id)
                assert bridge.process.stdin is not None
                bridge.process.stdin.close()
                await bridge.process.wait()
        return _report(db.where, g_times, edit_times, args.check)


def _report(where: str, g_times: list[float], edit_times: list[float], check: bool) -> bool:
    g_median, g_worst = statistics.median(g_times), max(g_times)
    p50, p99 = percentile(edit_times, 50), percentile(edit_times, 99)
    print(f"LinuxCNC bridge, {where}")
    print(
        f"  g, {TOOLS} tools from the cache ({len(g_times)} runs): median {g_median:.1f} ms, max {g_worst:.1f} ms (target ≤ {G_TARGET_MS:g} ms)"
    )
    print(
        f"  server edit → g ({len(edit_times)} edits): p50 {p50:.0f} ms, p99 {p99:.0f} ms, max {max(edit_times):.0f} ms (target p99 ≤ {EDIT_TARGET_P99_MS:g} ms)"
    )
    ok = g_median <= G_TARGET_MS and p99 <= EDIT_TARGET_P99_MS
    return ok or not check


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.linuxcnc_bridge", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--database-url", default=None, help="PostgreSQL server URL (default: temporary SQLite)"
    )
    parser.add_argument("--runs", type=int, default=20, help="measured `g` requests (after 1 warm-up)")
    parser.add_argument("--check", action="store_true", help="exit 1 when a figure is over its target")
    args = parser.parse_args(argv)
    return 0 if asyncio.run(run(args)) else 1


if __name__ == "__main__":
    sys.exit(main())
