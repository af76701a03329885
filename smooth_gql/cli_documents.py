"""`smooth-gql documents add|list|remove`: trusted documents from the console.

The console is trusted like `backup`: it acts as the local admin, through the
same service and the same compiler (parse, limits, validation against the
schema) as `registerTrustedDocuments`. Each FILE holds one document; its hash
(what clients send as `extensions.persistedQuery.sha256Hash`) is printed with
its operation names. Exit codes: 0 done, 1 refused (an invalid document, in
which case none is registered; an unknown hash; unreachable or unmigrated
database), 2 bad configuration (from `main`).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from .auth.principal import local_admin
from .cli_console import Refused, describe, migrated_runtime, read_text
from .config import Settings
from .errors import ServiceError
from .services import trusted_documents
from .trusted_gate import compiler

PROG = "smooth-gql documents"


def add_commands(commands: Any) -> None:
    documents = commands.add_parser("documents", help="register, list or remove trusted GraphQL documents")
    actions = documents.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="register each FILE as one trusted document")
    add.add_argument("files", nargs="+", metavar="FILE", help="a .graphql file ('-' for stdin)")
    actions.add_parser("list", help="print every registered document's hash and operation names")
    remove = actions.add_parser("remove", help="remove a registered document")
    remove.add_argument("sha256", metavar="HASH", help="the document's SHA-256 (hex)")


async def _run(settings: Settings, args: argparse.Namespace, texts: list[str]) -> list[dict[str, Any]]:
    async with migrated_runtime(settings) as runtime:
        if args.action == "add":
            # Imported here: the schema brings prometheus-client, which must not be imported
            # before `serve` has set or cleared its multiprocess variable (cli.py imports us).
            from .schema import schema

            compile_document = compiler(schema._schema, settings)
            return await trusted_documents.register(runtime, local_admin(), texts, compile_document)
        if args.action == "list":
            return await trusted_documents.list_documents(runtime, local_admin())
        return [await trusted_documents.remove(runtime, local_admin(), args.sha256)]


def documents_command(args: argparse.Namespace, settings: Settings) -> int:
    try:
        texts = [read_text(path) for path in args.files] if args.action == "add" else []
        rows = asyncio.run(_run(settings, args, texts))
    except (Refused, ServiceError, OSError, SQLAlchemyError) as error:
        message = describe(error)
        if args.action == "add" and isinstance(error, ServiceError) and error.field:
            message = _name_the_file(message, args.files)
        print(f"{PROG} {args.action}: {message}", file=sys.stderr)
        return 1
    verb = {"add": "registered", "list": "", "remove": "removed"}[args.action]
    for row in rows:
        names = ", ".join(row["operation_names"]) or "(anonymous)"
        print(f"{verb + ' ' if verb else ''}{row['sha256']}  {names}")
    return 0


def _name_the_file(message: str, files: list[str]) -> str:
    """`documents[i]: …` becomes `FILE: …`: the console user named files, not list positions."""
    for index, path in enumerate(files):
        prefix = f"documents[{index}]: "
        if message.startswith(prefix):
            return f"{path}: {message.removeprefix(prefix)}"
    return message
