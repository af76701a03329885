"""`python -m bench`: build the data set, time the workloads, print (and optionally save) the table."""

from __future__ import annotations

import argparse
import asyncio
import logging
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from smooth_gql.db.engine import create_engine
from smooth_gql.db.migrate import upgrade

from . import dataset as dataset_module
from . import feed as feed_module
from . import feed_load as feed_load_module
from . import load as load_module
from . import pricing as pricing_module
from . import rest as rest_module
from . import small_operation as small_module
from .database import DatabaseError, fresh_database
from .harness import BenchError, GraphQLClient, StatementCounter, running_app
from .measure import Result, measure, timed_call
from .profiling import profile
from .report import Environment, as_json, table, write_json
from .workloads import (
    ChangesPage,
    CreateAgainstCore,
    CreateToolItems,
    CreateToolItemsKeyed,
    MachineView,
    PlanAgainstCore,
    ToolItemsPage,
    TrustedDocument,
    WithBudgets,
    Workload,
)

WORKLOADS = ("create", "items", "machine")
# Only when named with --only: issue 15's features against the same calls without them, and
# issue 18's plan executor against graphql-core's.
OPTIONAL_WORKLOADS = ("create-keyed", "items-trusted", "machine-trusted", "executors")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=(
            "Benchmark the smooth_gql GraphQL server in process against the raw-SQL floor of the same work. "
            "Builds 50 assemblies (100 items), 200 instances, 400 presets on 4 machines and 1,000 more items "
            "through the GraphQL API on a fresh database, then times createToolItems(1,000), toolItems(first: 1000) "
            "and one machine's view (100 presets with instance, assembly, components and items)."
        ),
        epilog="Figures from a shared machine are noisy: compare the ratios, and rerun before trusting small differences.",
    )
    parser.add_argument(
        "--database-url",
        metavar="URL",
        help="PostgreSQL server to use, e.g. postgresql+asyncpg://postgres@127.0.0.1/somedb: a throw-away database is "
        "created next to the named one and dropped afterwards. A SQLite URL must name a file that does not exist yet "
        "(it is kept). Default: a temporary SQLite file, deleted afterwards.",
    )
    parser.add_argument(
        "--runs",
        type=_positive,
        default=7,
        metavar="N",
        help="measured calls per workload and side (default: 7)",
    )
    parser.add_argument(
        "--warmup", type=_non_negative, default=1, metavar="N", help="unmeasured calls first (default: 1)"
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="give up on a workload when one call takes longer (default: 60)",
    )
    parser.add_argument(
        "--only",
        action="append",
        choices=WORKLOADS + OPTIONAL_WORKLOADS,
        help="run only this workload (repeatable; default: all three; create-keyed: the create with an "
        "idempotency key; items-trusted, machine-trusted: the read sent as a registered document's hash; "
        "executors: createToolItems(1,000), toolItems, the machine view and changesSince(1000) under both "
        "SMOOTH_EXECUTOR values, and createToolItems(1,000) against the same rows through REST)",
    )
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the results as JSON to FILE")
    parser.add_argument(
        "--show-sql", action="store_true", help="print the SQL one GraphQL call of each workload sends"
    )
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="DIR",
        help="after timing, cProfile the GraphQL side of each workload into DIR/<workload>.prof and print the hot spots",
    )
    parser.add_argument(
        "--profile-calls",
        type=_positive,
        default=3,
        metavar="N",
        help="calls per workload under --profile (default: 3)",
    )
    parser.add_argument(
        "--check", action="store_true", help="exit with status 1 when a workload misses its target or fails"
    )
    parser.add_argument(
        "--budgets",
        action="store_true",
        help="time each chosen workload through the app with its default budgets on against the same "
        "workload through an app with them off (SMOOTH_POINTS_PER_MINUTE=0, SMOOTH_REQUESTS_PER_SECOND=0), "
        "alternating call by call; target 1.05x",
    )
    feed_module.add_arguments(parser)
    feed_load_module.add_arguments(parser)
    load_module.add_arguments(parser)
    rest_module.add_arguments(parser)
    small_module.add_arguments(parser)
    args = parser.parse_args(argv)
    if args.feed:
        for name in ("subscribers", "writes", "idle_subscriptions"):
            if getattr(args, name) < 1:
                parser.error(f"--{name.replace('_', '-')}: must be at least 1")
        if args.interval_ms < 0 or args.idle_window <= 0:
            parser.error("--interval-ms must not be negative and --idle-window must be positive")
    if args.feed_load:
        feed_load_module.check_arguments(parser, args)
    return args


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _non_negative(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must not be negative")
    return value


def _say(message: str) -> None:
    """Progress goes to stderr so stdout holds only the report."""
    print(message, file=sys.stderr, flush=True)


@dataclass
class Outcome:
    results: list[Result]
    failed: bool


async def run(args: argparse.Namespace) -> Outcome:
    async with fresh_database(args.database_url) as db:
        engine = create_engine(db.url)
        try:
            _say(f"migrating a fresh {db.dialect} database ...")
            await upgrade(engine)
            environment = Environment.current(engine.dialect.name, engine.dialect.driver, db.where)
            print("\n".join(environment.lines()))
            async with (
                running_app(engine, db.url) as client,
                running_app(engine, db.url, points_per_minute=0, requests_per_second=0) as unlimited,
                running_app(engine, db.url, "graphql-core") as core,
            ):
                _say("building the data set through the GraphQL API ...")
                data = await dataset_module.build(client, engine)
                counts = ", ".join(f"{table} {n}" for table, n in data.row_counts.items())
                print(f"data set: built through GraphQL in {data.build_seconds:.1f} s; rows: {counts}")
                print(
                    f"runs: {args.warmup} warm-up + {args.runs} measured per side (GraphQL and floor alternate); medians in ms\n"
                )
                chosen = [] if args.rest else args.only or list(WORKLOADS)
                workloads: list[Workload] = []
                if args.rest:
                    workloads += [
                        rest_module.RestCreateItems(client, engine),
                        rest_module.RestListItems(client, engine),
                    ]
                if "create" in chosen:
                    workloads.append(CreateToolItems(client, engine))
                if "create-keyed" in chosen:
                    workloads.append(CreateToolItemsKeyed(client, engine))
                if "items" in chosen:
                    workloads.append(ToolItemsPage(client, engine))
                if "machine" in chosen:
                    workloads.append(MachineView(client, engine, data.machines[0]))
                if "executors" in chosen:  # issue 18: both executors, the same floors, one run
                    workloads += [
                        CreateAgainstCore(client, engine, core),
                        rest_module.CreateAgainstRest(client, engine),
                        PlanAgainstCore(ToolItemsPage(client, engine), core),
                        PlanAgainstCore(MachineView(client, engine, data.machines[0]), core),
                        PlanAgainstCore(ChangesPage(client, engine), core),
                    ]
                if "items-trusted" in chosen:
                    workloads.append(TrustedDocument(ToolItemsPage(client, engine)))
                if "machine-trusted" in chosen:
                    workloads.append(TrustedDocument(MachineView(client, engine, data.machines[0])))
                for workload in workloads:
                    if isinstance(workload, TrustedDocument):
                        await workload.register()
                if args.budgets:
                    workloads = [budgeted(w, unlimited, data.machines[0]) for w in workloads]
                counter = StatementCounter(engine)
                results: list[Result] = []
                for workload in workloads:
                    _say(f"measuring {workload.title} ...")
                    results.append(
                        await measure(
                            workload, counter, runs=args.runs, warmup=args.warmup, timeout=args.timeout
                        )
                    )
                print(table(results))
                print("\n" + pricing_module.report(results))
                if args.show_sql:
                    for workload in workloads:
                        call = await timed_call(workload.graphql("show-sql"), counter, args.timeout)
                        print(f"\nSQL of one {workload.title} call ({call.statements} statements):")
                        for statement in counter.statements:
                            print("  " + re.sub(r"\s+", " ", statement)[:200])
                if args.profile:
                    _say("profiling the GraphQL side ...")
                    print(await profile(workloads, args.profile, calls=args.profile_calls, top=25))
                if args.json:
                    settings = {"runs": args.runs, "warmup": args.warmup, "timeout_s": args.timeout}
                    write_json(args.json, as_json(environment, data, results, settings))
                    print(f"\nresults written to {args.json}")
                counter.close()
            concurrent_failed = False
            if args.rest:
                _say(f"measuring {args.rest_clients} concurrent clients listing through a served worker ...")
                concurrent = await rest_module.concurrent_list(
                    db.url, clients=args.rest_clients, seconds=args.rest_seconds
                )
                print(concurrent.line())
                concurrent_failed = not concurrent.within_target
        finally:
            await engine.dispose()
    failed = concurrent_failed or any(not r.complete or not r.within_target for r in results)
    return Outcome(results, failed)


def budgeted(workload: Workload, unlimited: GraphQLClient, machine: str) -> Workload:
    """`workload` with the budgets on, against its twin through the app with them off."""
    if isinstance(workload, MachineView):
        return WithBudgets(workload, MachineView(unlimited, workload.engine, machine))
    return WithBudgets(workload, type(workload)(unlimited, workload.engine))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # The app warns that auth is off on every start; that is expected here.
    logging.getLogger("smooth_gql").setLevel(logging.ERROR)
    try:
        if args.load:
            failed = asyncio.run(load_module.run_load_bench(args))
        elif args.small:
            failed = asyncio.run(small_module.run_small_bench(args))
        elif args.feed_load:
            failed = asyncio.run(feed_load_module.run_feed_load(args))
        elif args.feed:
            failed = asyncio.run(feed_module.run_feed(args)).failed
        else:
            failed = asyncio.run(run(args)).failed
    except (DatabaseError, BenchError) as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 1 if args.check and failed else 0


if __name__ == "__main__":
    sys.exit(main())
