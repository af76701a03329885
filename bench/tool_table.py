"""`python -m bench.tool_table`: tool-table import and export against the plain GraphQL calls.

Issue 16's targets: importing a 1,000-tool LinuxCNC table takes at most 1.5×
`createToolPresets` of the same 1,000 rows, and exporting it at most 2×
reading the same rows with `toolPresets(first: 1000)`, in the same run. Both
sides go through the real app in process (httpx over ASGI), alternate call by
call, and each import or create writes into a machine of its own, so every
call really creates 1,000 presets. A benchmark, not a test: it reports (and
with --check exits 1 over a target).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import time
from collections.abc import Callable

from smooth_gql.db.engine import create_engine
from smooth_gql.db.migrate import upgrade
from smooth_gql.interchange import linuxcnc

from .database import DatabaseError, fresh_database
from .harness import BenchError, GraphQLClient, encode_request, parse_data, running_app

TOOLS = 1000
IMPORT = """mutation($m: String!, $c: String!) {
  importToolTable(machineId: $m, format: LINUXCNC, content: $c) { applied successCount errorCount }
}"""
CREATE = """mutation($input: [ToolPresetCreateInput!]!) {
  createToolPresets(input: $input, atomic: true) { successCount errorCount }
}"""
EXPORT = "query($m: String!) { toolTable(machineId: $m, format: LINUXCNC) }"
READ = """query($m: String!) { toolPresets(filter: {machineId: $m}, first: 1000) {
  edges { node { id toolNumber pocket description offsets parameters orientation version } } } }"""


def table_text() -> str:
    """1,000 mill and lathe tools with every kind of entry LinuxCNC writes."""
    lines = []
    for n in range(1, TOOLS + 1):
        lathe = f" X{n % 7 / 10:.4f} I{n % 90}.5 J{n % 180}.25 Q{n % 9 + 1}" if n % 3 == 0 else ""
        lines.append(f"T{n} P{n} Z{n / 7:.6f} D{n % 25 / 4 + 0.5:.4f}{lathe} ;tool {n} remark\n")
    return "".join(lines)


def create_inputs(machine: str, text: str) -> list[dict[str, object]]:
    """The same presets as `createToolPresets` input (the fields an import writes)."""
    inputs = []
    for order, tool in enumerate(linuxcnc.parse_table(text).tools):
        orientation = {
            "frontAngle": tool.front_angle,
            "backAngle": tool.back_angle,
            "orientation": tool.orientation,
        }
        inputs.append(
            {
                "name": f"T{tool.tool}",
                "machineId": machine,
                "toolNumber": tool.tool,
                "pocket": tool.pocket,
                "description": tool.remark,
                "offsets": {axis.lower(): value for axis, value in tool.offsets.items()},
                "parameters": {"diameter": tool.diameter, "tableOrder": order},
                "orientation": {k: v for k, v in orientation.items() if v} or None,
            }
        )
    return inputs


async def _timed(client: GraphQLClient, body: bytes, check: Callable[[bytes], None]) -> float:
    """One request, encoded beforehand so the stopwatch sees only the request itself."""
    start = time.perf_counter()
    answer = await client.post(body)
    elapsed = time.perf_counter() - start
    check(answer)
    return elapsed


def _expect(path: str, value: object) -> Callable[[bytes], None]:
    def check(body: bytes) -> None:
        data: object = parse_data(body)
        for key in path.split("."):
            data = data[key]  # type: ignore[index]
        if data != value:
            raise BenchError(f"{path}: expected {value!r}, got {data!r}")

    return check


def _expect_table(expected: str) -> Callable[[bytes], None]:
    """The export is the expected table after its first line, the export marker."""

    def check(body: bytes) -> None:
        marker, _, table = parse_data(body)["toolTable"].partition("\n")
        if not marker.startswith("; smooth-gql export ") or table != expected:
            raise BenchError("toolTable: not the expected table after an export marker")

    return check


def _edges(count: int) -> Callable[[bytes], None]:
    def check(body: bytes) -> None:
        if len(parse_data(body)["toolPresets"]["edges"]) != count:
            raise BenchError(f"toolPresets: expected {count} presets")

    return check


async def run(args: argparse.Namespace) -> bool:
    async with fresh_database(args.database_url) as db:
        engine = create_engine(db.url)
        try:
            await upgrade(engine)
            async with running_app(engine, db.url) as client:
                return await _measure(client, args, db.dialect)
        finally:
            await engine.dispose()


async def _measure(client: GraphQLClient, args: argparse.Namespace, dialect: str) -> bool:
    text = table_text()
    times: dict[str, list[float]] = {"import": [], "create": [], "export": [], "read": []}
    await client.data(IMPORT, {"m": "exported", "c": text})
    expected = linuxcnc.render_table(linuxcnc.parse_table(text).tools)
    for run in range(args.warmup + args.runs):
        keep = run >= args.warmup
        bodies = {
            "import": encode_request(IMPORT, {"m": f"import-{run}", "c": text}),
            "create": encode_request(CREATE, {"input": create_inputs(f"create-{run}", text)}),
            "export": encode_request(EXPORT, {"m": "exported"}),
            "read": encode_request(READ, {"m": "exported"}),
        }
        checks: dict[str, Callable[[bytes], None]] = {
            "import": _expect("importToolTable.successCount", TOOLS),
            "create": _expect("createToolPresets.successCount", TOOLS),
            "export": _expect_table(expected),
            "read": _edges(TOOLS),
        }
        measured = {key: await _timed(client, bodies[key], checks[key]) for key in bodies}
        if keep:
            for key, value in measured.items():
                times[key].append(value)
    rows = [
        ("importToolTable(1,000 tools)", "createToolPresets(1,000)", "import", "create", 1.5),
        ("toolTable(LINUXCNC), 1,000 tools", "toolPresets(first: 1000)", "export", "read", 2.0),
    ]
    print(
        f"{dialect}: {args.warmup} warm-up + {args.runs} measured calls per side, alternating; medians in ms\n"
    )
    print("| operation | median | baseline | median | ratio | target |")
    print("|---|---|---|---|---|---|")
    failed = False
    for title, base_title, key, base, target in rows:
        mine, theirs = statistics.median(times[key]) * 1000, statistics.median(times[base]) * 1000
        ratio = mine / theirs
        failed |= ratio > target
        mark = "ok" if ratio <= target else "OVER"
        print(f"| {title} | {mine:.0f} | {base_title} | {theirs:.0f} | {ratio:.2f}× | ≤ {target}× {mark} |")
    return failed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.tool_table", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url", metavar="URL", help="as for `python -m bench` (default: temporary SQLite)"
    )
    parser.add_argument(
        "--runs", type=int, default=5, metavar="N", help="measured calls per side (default: 5)"
    )
    parser.add_argument(
        "--warmup", type=int, default=1, metavar="N", help="unmeasured calls first (default: 1)"
    )
    parser.add_argument("--check", action="store_true", help="exit 1 when a ratio is over its target")
    args = parser.parse_args(argv)
    logging.getLogger("smooth_gql").setLevel(logging.ERROR)
    try:
        failed = asyncio.run(run(args))
    except (DatabaseError, BenchError) as error:
        print(f"bench: {error}", file=sys.stderr)
        return 2
    return 1 if args.check and failed else 0


if __name__ == "__main__":
    sys.exit(main())
