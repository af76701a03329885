"""`smooth-gql tool-table import|export`: a machine's presets as a file, from the console.

The console acts as the account named by `--user` (trusted like `create-user`)
and goes through the same service as the GraphQL `toolTable` /
`importToolTable`. Progress (each phase as it ends: parse, read, plan, each
written batch, with counts) and the plan go to stderr; `export` writes the file
(or stdout for `-`), opening with its export marker. `--overwrite` lets a file
win over edits made since its export, or when it has no marker. Exit codes:
0 done, 1 refused (bad file, a line that failed, unknown account, unreachable
or unmigrated database), 2 bad configuration (from `main`).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from .cli_console import Refused, console_session, describe, read_text, write_text
from .config import Settings
from .errors import ServiceError
from .interchange import tool_table
from .interchange.plans import PlanAction, Progress, counts
from .interchange.preset_entries import LengthUnits

PROG = "smooth-gql tool-table"
FORMATS = {"linuxcnc": tool_table.ToolTableFormat.LINUXCNC, "csv": tool_table.ToolTableFormat.CSV}


def add_commands(commands: Any) -> None:
    table = commands.add_parser("tool-table", help="import or export a machine's tool table (LinuxCNC, CSV)")
    actions = table.add_subparsers(dest="action", required=True)
    for name, text in (("import", "read PATH into the machine's presets"), ("export", "write PATH")):
        action = actions.add_parser(name, help=text)
        action.add_argument("path", metavar="PATH", help="the file ('-' for stdin / stdout)")
        action.add_argument("--machine", required=True, help="the machine id")
        action.add_argument("--format", required=True, choices=sorted(FORMATS))
        action.add_argument("--user", required=True, help="the account (email) to act as")
        if name == "import":
            _import_options(action)


def _import_options(action: argparse.ArgumentParser) -> None:
    action.add_argument("--mode", choices=["merge", "replace"], default="merge")
    action.add_argument("--dry-run", action="store_true", help="print the plan, write nothing")
    action.add_argument("--units", choices=["mm", "inch"], help="record the machine's units")
    action.add_argument(
        "--partial", action="store_true", help="write the good lines even if some fail (not atomic)"
    )
    action.add_argument(
        "--overwrite",
        action="store_true",
        help="let the file win over edits made since its export, or when it has no export marker "
        "(a table LinuxCNC rewrote, or one written by hand)",
    )
    action.add_argument(
        "--since",
        metavar="CURSOR",
        help="the change-feed cursor the file was made at, for a file without marker",
    )


async def _progress(step: Progress) -> None:
    """Each phase of an import on stderr as it ends, so a big file does not look stuck."""
    print(f"{PROG}: {step.phase}: {step.count} {step.detail}", file=sys.stderr, flush=True)


async def _run(settings: Settings, args: argparse.Namespace, content: str | None) -> Any:
    async with console_session(settings, args.user) as (runtime, principal):
        fmt = FORMATS[args.format]
        if content is None:
            return await tool_table.export_table(runtime, principal, args.machine, fmt)
        return await tool_table.import_table(
            runtime,
            principal,
            args.machine,
            fmt,
            content,
            mode=tool_table.ImportMode(args.mode.upper()),
            dry_run=args.dry_run,
            atomic=not args.partial,
            units=LengthUnits(args.units.upper()) if args.units else None,
            since=args.since,
            overwrite=args.overwrite,
            report=_progress,
        )


def tool_table_command(args: argparse.Namespace, settings: Settings) -> int:
    try:
        if args.action == "export":
            text = asyncio.run(_run(settings, args, None))
            write_text(args.path, text)
            if args.path != "-":  # stdout is the data then: no word of ours on it
                print(f"wrote {args.path}: {text.count(chr(10)) - 1} tools")  # less the marker or header
            return 0
        content = read_text(args.path)
        print(f"{PROG}: read {len(content)} characters from {args.path}", file=sys.stderr, flush=True)
        result = asyncio.run(_run(settings, args, content))
    except (Refused, ServiceError, OSError, SQLAlchemyError) as error:
        print(f"{PROG} {args.action}: {describe(error)}", file=sys.stderr)
        return 1
    return _report(args, result)


def _report(args: argparse.Namespace, result: tool_table.ImportResult) -> int:
    """The plan's changes and the errors on stderr, the outcome on stdout; the exit code."""
    for step in result.plan:
        for change in step.changes if step.action is not PlanAction.CREATE else []:
            print(
                f"  T{step.tool_number}: {change.field}: {change.before} -> {change.after}", file=sys.stderr
            )
    for failed in result.errors:
        print(f"{PROG} import: {failed.message}", file=sys.stderr)
    summary = counts([step.action for step in result.plan]) or "no tools"
    if args.dry_run:
        print(f"dry run, nothing written: {summary}")
    elif result.errors and not result.applied:
        print(f"nothing written: {len(result.errors)} errors", file=sys.stderr)
    else:
        print(f"imported into {args.machine}: {summary}")
    return 1 if result.errors else 0
