"""`smooth-gql backup` and `smooth-gql restore`: the backup service from the console.

The console is trusted like `create-user`: it acts as the local admin, so a
backup is always the full ("admin") one, password and key hashes included,
and a restore may replace everything. Progress goes to stderr, the result to
stdout; exit codes: 0 done, 1 refused (bad document, unreachable or
unmigrated database, unwritable file), 2 bad configuration (from `main`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from .auth.principal import local_admin
from .backup import service
from .backup.document import parse_json
from .cli_console import Refused, describe, migrated_runtime, write_text
from .config import Settings
from .errors import ServiceError

PROG = "smooth-gql"


def add_commands(commands: Any) -> None:
    """Register both commands on the `smooth-gql` sub-parser."""
    save = commands.add_parser(
        "backup", help="write a full backup (every account, hashes included) to a JSON file"
    )
    save.add_argument("--output", required=True, help="file to write ('-' for stdout)")
    load = commands.add_parser(
        "restore",
        help="replace the database's contents with a backup file, in one transaction "
        "(the SQLite -> PostgreSQL migration path)",
    )
    load.add_argument("--input", required=True, help="backup file to read ('-' for stdin)")


def _progress(message: str) -> None:
    print(f"{PROG}: {message}", file=sys.stderr, flush=True)


async def _runtime_call(settings: Settings, command: str, document: Any = None) -> Any:
    async with migrated_runtime(settings) as runtime:
        if command == "backup":
            return await service.export_backup(runtime, local_admin(), full=True, progress=_progress)
        return await service.import_backup(runtime, local_admin(), document, progress=_progress)


def backup_command(args: argparse.Namespace, settings: Settings) -> int:
    try:
        document = asyncio.run(_runtime_call(settings, "backup"))
        write_text(args.output, json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    except (Refused, ServiceError, OSError, SQLAlchemyError) as error:
        print(f"{PROG} backup: {describe(error)}", file=sys.stderr)
        return 1
    counts = document["metadata"]["counts"]
    if args.output != "-":
        print(f"wrote {args.output}: {sum(counts.values())} rows ({_summary(counts)})")
    return 0


def restore_command(args: argparse.Namespace, settings: Settings) -> int:
    try:
        raw = sys.stdin.buffer.read() if args.input == "-" else Path(args.input).read_bytes()
        _progress(f"read {len(raw)} bytes")
        document = parse_json(raw)
        meta = document.get("metadata") if isinstance(document, dict) else None
        if isinstance(meta, dict) and meta.get("backup_type") == "user":
            # The console has no account of its own to restore a user's rows into.
            raise Refused(
                f"this is a user backup (of account {meta.get('user_id')}): restore it as that user "
                "through POST /api/v1/backup/import or the importBackup mutation"
            )
        outcome = asyncio.run(_runtime_call(settings, "restore", document))
    except (Refused, ServiceError, OSError, SQLAlchemyError) as error:
        print(f"{PROG} restore: {describe(error)}; nothing was changed", file=sys.stderr)
        return 1
    print(
        f"restored {outcome.restored_count} rows from a {outcome.backup_type} backup "
        f"({outcome.removed_count} tool rows not in it were removed; "
        f"change log at {outcome.change_log_position})"
    )
    return 0


def _summary(counts: dict[str, int]) -> str:
    return ", ".join(f"{key} {n}" for key, n in counts.items() if n)
