"""`smooth-gql tool-library import|export`: a tool set as a FreeCAD tool library, from the console.

PATH is a directory laid out as FreeCAD keeps its tools (`~/.local/share/FreeCAD/Tools`,
FreeCAD's `Tools/` folder): `Library/*.fctl` and `Bit/*.fctb`. `import` reads every library
under `Library/` (or only `--library NAME.fctl`), each with the bits of `Bit/` that it names,
and imports each as one atomic `importToolLibrary`. `export --tool-set ID` writes
`Library/<set name>.fctl` and the bits beside it in `Bit/`, each file written whole or not at
all. FreeCAD files carry no export marker, so an import that would change an existing item or
set is refused unless `--since CURSOR` (the change-feed cursor taken before the export) or
`--overwrite` (the files win) says what it may change, as for a `tool.tbl` without marker.
The console acts as the account named by `--user`, like `tool-table`; progress (each
phase of each library as it ends, with counts) and the plan go to stderr. Exit codes: 0 done,
1 refused (a bad file, unknown account or tool set, unmigrated database), 2 bad configuration.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from pathlib import Path
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from .cli_console import Refused, console_session, describe, read_text, write_text
from .config import Settings
from .errors import ServiceError
from .interchange import freecad, tool_library
from .interchange.freecad_files import ToolFile
from .interchange.plans import PlanAction, Progress, counts
from .interchange.tool_library import ToolLibraryFormat

PROG = "smooth-gql tool-library"
FORMATS = {"freecad": ToolLibraryFormat.FREECAD}


def add_commands(commands: Any) -> None:
    library = commands.add_parser("tool-library", help="import or export a CAM tool library (FreeCAD)")
    actions = library.add_subparsers(dest="action", required=True)
    for name, text in (
        ("import", "read PATH/Library and PATH/Bit"),
        ("export", "write PATH/Library, PATH/Bit"),
    ):
        action = actions.add_parser(name, help=text)
        action.add_argument("path", metavar="PATH", help="a directory holding Library/*.fctl and Bit/*.fctb")
        action.add_argument("--format", required=True, choices=sorted(FORMATS))
        action.add_argument("--user", required=True, help="the account (email) to act as")
        if name == "import":
            action.add_argument("--library", help="only this library file of Library/ (e.g. Default.fctl)")
            action.add_argument("--machine", help="the machine the tool set is for")
            action.add_argument("--dry-run", action="store_true", help="print the plan, write nothing")
            action.add_argument(
                "--overwrite",
                action="store_true",
                help="let the files win over edits made to the items and set (FreeCAD files "
                "carry no export marker: without this or --since, only new ones are written)",
            )
            action.add_argument(
                "--since",
                metavar="CURSOR",
                help="the change-feed cursor taken before the export the files came from",
            )
        else:
            action.add_argument("--tool-set", required=True, help="the tool set id")


def _files(root: Path, only: str | None) -> list[tuple[ToolFile, list[ToolFile]]]:
    """Each library with the bits it names that Bit/ holds (a missing one is reported by the import)."""
    libraries = sorted((root / "Library").glob("*.fctl")) if only is None else [root / "Library" / only]
    if not libraries:
        raise Refused(f"{root / 'Library'}: no .fctl file")
    found: list[tuple[ToolFile, list[ToolFile]]] = []
    for path in libraries:
        library = ToolFile(path.name, read_text(str(path)))
        names: list[str] = []
        with contextlib.suppress(ValueError):  # the import reports a bad library, naming it
            names = [
                tool.path.rsplit("/", 1)[-1]
                for tool in freecad.parse_library(library.name, library.content).tools
            ]
        bits = [
            ToolFile(name, read_text(str(root / "Bit" / name)))
            for name in dict.fromkeys(names)
            if (root / "Bit" / name).is_file()
        ]
        found.append((library, bits))
    return found


async def _progress(step: Progress) -> None:
    """Each phase of an import on stderr as it ends, so a big library does not look stuck."""
    print(f"{PROG}: {step.phase}: {step.count} {step.detail}", file=sys.stderr, flush=True)


async def _import(settings: Settings, args: argparse.Namespace) -> int:
    failed = 0
    async with console_session(settings, args.user) as (runtime, principal):
        for library, bits in _files(Path(args.path), args.library):
            print(f"{PROG}: {library.name}: {len(bits)} bits", file=sys.stderr, flush=True)
            result = await tool_library.import_library(
                runtime,
                principal,
                FORMATS[args.format],
                library,
                bits,
                machine_id=args.machine,
                dry_run=args.dry_run,
                since=args.since,
                overwrite=args.overwrite,
                report=_progress,
            )
            failed += _report(args, library.name, result)
    return 1 if failed else 0


def _report(args: argparse.Namespace, library: str, result: tool_library.LibraryImportResult) -> int:
    """One library's changes and errors on stderr, its outcome on stdout; 1 if it failed."""
    steps = [*result.bits, *([result.library] if result.library else [])]
    for step in steps:
        for change in step.changes if step.action is PlanAction.UPDATE else []:
            print(f"  {step.file}: {change.field}: {change.before} -> {change.after}", file=sys.stderr)
    for error in result.errors:
        print(f"{PROG} import: {error.message}", file=sys.stderr)
    summary = counts([step.action for step in steps])
    if result.errors:
        print(f"{library}: nothing written: {len(result.errors)} errors", file=sys.stderr)
        return 1
    if args.dry_run:
        print(f"{library}: dry run, nothing written: {summary}")
    else:
        set_id = result.tool_set["id"] if result.tool_set else None
        print(f"{library}: imported into tool set {set_id}: {summary}")
    return 0


async def _export(settings: Settings, args: argparse.Namespace) -> int:
    async with console_session(settings, args.user) as (runtime, principal):
        exported = await tool_library.export_library(runtime, principal, args.tool_set, FORMATS[args.format])
    root = Path(args.path)
    (root / "Library").mkdir(parents=True, exist_ok=True)
    (root / "Bit").mkdir(exist_ok=True)
    for bit in exported.bits:
        write_text(str(root / "Bit" / bit.name), bit.content)
    write_text(str(root / "Library" / exported.library.name), exported.library.content)
    print(f"wrote {root / 'Library' / exported.library.name} and {len(exported.bits)} bits in {root / 'Bit'}")
    return 0


def tool_library_command(args: argparse.Namespace, settings: Settings) -> int:
    try:
        return asyncio.run(_import(settings, args) if args.action == "import" else _export(settings, args))
    except (Refused, ServiceError, OSError, SQLAlchemyError) as error:
        print(f"{PROG} {args.action}: {describe(error)}", file=sys.stderr)
        return 1
