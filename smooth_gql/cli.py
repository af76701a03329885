"""The `smooth-gql` command."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import make_url, text
from sqlalchemy.exc import SQLAlchemyError

from . import cli_backup, cli_documents, cli_tool_library, cli_tool_table
from .config import ConfigError, Settings
from .db.engine import create_engine
from .db.migrate import current_revision, head_revision, is_empty, upgrade
from .observability import MULTIPROC_ENV
from .observability.logging import configure_logging

log = logging.getLogger("smooth_gql")


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    """Several workers share their metrics through a private directory that lives as long as
    this process (prometheus-client's multiprocess mode); one worker keeps them in memory."""
    os.environ.pop(MULTIPROC_ENV, None)
    if args.workers > 1 and not args.reload:
        with tempfile.TemporaryDirectory(prefix="smooth-gql-metrics-") as metrics_dir:
            os.environ[MULTIPROC_ENV] = metrics_dir  # set before any worker imports prometheus-client
            try:
                return _run_uvicorn(args, settings)
            finally:
                del os.environ[MULTIPROC_ENV]
    return _run_uvicorn(args, settings)


def _run_uvicorn(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    # Checked (and an empty SQLite database migrated) here, once, before any worker starts:
    # workers must not race on DDL, and a worker failing its start-up prints a traceback
    # where the operator needs one sentence.
    if not asyncio.run(_database_ready(settings)):
        return 1
    if settings.is_sqlite and args.workers > 1:
        log.warning(
            "SQLite with --workers %d: subscribers are woken only by writes through their own "
            "worker; use PostgreSQL for several workers",
            args.workers,
        )
    log.info(
        "serving %s at %s; database %s",
        "GraphiQL and the GraphQL API" if settings.graphiql else "the GraphQL API",
        _graphql_url(args.host, args.port),
        _describe_database(settings.database_url),
    )
    uvicorn.run(
        "smooth_gql.app:app_from_env",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        reload=args.reload,
        # uvicorn waits for open responses before the app's shutdown runs; a subscription
        # stream never finishes by itself, so after the grace period it is closed (clients
        # resume from their cursor).
        timeout_graceful_shutdown=settings.shutdown_grace_seconds,
        log_level=settings.log_level.lower(),
        # Feed messages are small JSON sent to many subscribers at once; compressing each
        # one for each connection was about 5% of a feed delivery's CPU in a profile.
        ws_per_message_deflate=False,
        log_config=None,  # uvicorn's records go to our JSON handler (configured in each worker)
    )
    return 0


def _graphql_url(host: str, port: int) -> str:
    """The address to open in a browser: a wildcard host is reachable as 127.0.0.1 here."""
    if host in ("0.0.0.0", "", "::"):
        host = "127.0.0.1"
    elif ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}/graphql"


def _describe_database(database_url: str) -> str:
    """The URL without its password; a SQLite file also by its absolute path (`./smooth.db`
    depends on the directory serve was started in)."""
    url = make_url(database_url)
    shown = url.render_as_string(hide_password=True)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return f"{shown} (file {Path(url.database).resolve()})"
    return shown


async def _database_ready(settings: Settings) -> bool:
    """Whether `serve` may start: the database answers and its schema is the newest revision.
    An empty SQLite database is migrated first (DESIGN §7); anything else is the operator's
    `smooth-gql migrate` to run, said in one line instead of a worker's traceback."""
    where = make_url(settings.database_url).render_as_string(hide_password=True)
    engine = create_engine(settings.database_url)
    try:
        if settings.is_sqlite and await is_empty(engine):
            log.info("empty SQLite database: creating the schema")
            await upgrade(engine)
        current, head = await current_revision(engine), head_revision()
    except (OSError, SQLAlchemyError) as error:
        log.error("cannot start: the database %s is unreachable: %s: %s", where, type(error).__name__, error)
        return False
    finally:
        await engine.dispose()
    if current != head:
        state = "has no schema (it is empty)" if current is None else f"is at schema revision {current}"
        log.error(
            "cannot start: the database %s %s and this smooth-gql needs %s: run `smooth-gql migrate` "
            "with the same SMOOTH_DATABASE_URL first",
            where,
            state,
            head,
        )
        return False
    return True


async def _migrate(settings: Settings) -> None:
    engine = create_engine(settings.database_url)
    try:
        before = await current_revision(engine)
        await upgrade(engine)
        print(f"database at revision {await current_revision(engine)} (was {before or 'empty'})")
    finally:
        await engine.dispose()


async def _check(settings: Settings) -> int:
    """Configuration, database reachability and schema revision: 0 when all three are fine."""
    url = make_url(settings.database_url)
    print(f"configuration: ok (database {url.render_as_string(hide_password=True)})")
    if settings.is_sqlite and url.database and not Path(url.database).exists():
        # Connecting would create it; a check must not change anything.
        print(f"database: no file at {url.database} (`smooth-gql serve` creates one)", file=sys.stderr)
        return 1
    engine = create_engine(settings.database_url)
    try:
        try:
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except (OSError, SQLAlchemyError) as error:
            print(f"database: unreachable: {type(error).__name__}: {error}", file=sys.stderr)
            return 1
        current, head = await current_revision(engine), head_revision()
        if current != head:
            print(
                f"database: reachable, but its schema is at {current or 'nothing (empty)'} and the newest "
                f"is {head}: run `smooth-gql migrate`",
                file=sys.stderr,
            )
            return 1
        print(f"database: reachable, schema current ({head})")
        return 0
    finally:
        await engine.dispose()


def _read_password(stdin: TextIO) -> str:
    """From a prompt (typed twice) on a terminal, else the first line of stdin; never argv,
    where it would show in `ps` and shell history."""
    if stdin.isatty():
        first = getpass.getpass("Password: ")
        if getpass.getpass("Password again: ") != first:
            raise ValueError("the two passwords differ")
        return first
    return stdin.readline().rstrip("\r\n")


async def _create_user(settings: Settings, email: str, password: str, is_admin: bool) -> dict[str, Any]:
    from .cli_console import migrated_runtime
    from .services import accounts

    async with migrated_runtime(settings) as runtime:
        return await accounts.create_user_from_console(runtime, email, password, is_admin=is_admin)


def _create_user_command(args: argparse.Namespace, settings: Settings, stdin: TextIO) -> int:
    from .cli_console import Refused
    from .errors import ServiceError

    try:
        password = _read_password(stdin)
        user = asyncio.run(_create_user(settings, args.email, password, args.admin))
    except (ValueError, ServiceError, Refused) as error:
        print(f"smooth-gql create-user: {error}", file=sys.stderr)
        return 1
    role = "admin" if user["is_admin"] else "user"
    print(f"created {role} {user['email']} ({user['id']})")
    return 0


async def _create_api_key(settings: Settings, args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    from .cli_console import migrated_runtime
    from .services import api_keys

    async with migrated_runtime(settings) as runtime:
        request = api_keys.KeyRequest(
            name=args.name,
            scopes=args.scope,
            tags=args.tag,
            machine_id=args.machine,
            expires_at=args.expires,
            trusted_documents_only=args.trusted_documents_only,
        )
        made = await api_keys.create_from_console(runtime, args.email, request)
        return made.key, made.secret


def _create_api_key_command(args: argparse.Namespace, settings: Settings) -> int:
    """The secret alone goes to stdout (once; only its digest is stored), the rest to stderr."""
    from .cli_console import Refused
    from .errors import ServiceError

    try:
        key, secret = asyncio.run(_create_api_key(settings, args))
    except (ServiceError, Refused) as error:
        print(f"smooth-gql create-api-key: {error}", file=sys.stderr)
        return 1
    restriction = f", machine {key['machine_id']}" if key["machine_id"] else ""
    print(
        f"created API key {key['id']} ({key['name']}) for {args.email}: scopes {', '.join(key['scopes'])}"
        f"{restriction}; the secret below is shown only now",
        file=sys.stderr,
    )
    print(secret)
    return 0


def _export_schema() -> int:
    from .schema import schema

    sys.stdout.write(schema.as_str() + "\n")
    return 0


def _version() -> str:
    """The installed distribution's version: pyproject.toml is the one place it is written."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("smooth-gql")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown (not installed)"


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="smooth-gql", description="Tool-data GraphQL server.")
    root.add_argument("--version", action="version", version=f"smooth-gql {_version()}")
    commands = root.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the API (migrates an empty SQLite database first)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--reload", action="store_true", help="restart on code changes (development)")
    commands.add_parser("migrate", help="upgrade the database schema to the newest revision")
    commands.add_parser("export-schema", help="print the GraphQL schema (SDL)")
    commands.add_parser(
        "check", help="check the configuration, that the database answers and that its schema is current"
    )
    create_user = commands.add_parser(
        "create-user", help="create an account; the password is prompted for (or read from stdin)"
    )
    create_user.add_argument("--email", required=True)
    create_user.add_argument("--admin", action="store_true", help="make the account an admin")
    key = commands.add_parser(
        "create-api-key",
        help="create an API key for an account and print its secret once (e.g. a CNC bridge)",
    )
    key.add_argument("--email", required=True, help="the account the key acts for")
    key.add_argument("--name", required=True)
    key.add_argument(
        "--scope", action="append", required=True, help="repeat for each scope, e.g. --scope read"
    )
    key.add_argument(
        "--tag", action="append", default=[], help="restrict the key to rows with this tag (repeatable)"
    )
    key.add_argument("--machine", help="restrict the key to the presets, usage and sets of this machine")
    key.add_argument("--expires", help="expiry, ISO 8601 with an offset (e.g. 2027-06-30T00:00:00Z)")
    key.add_argument(
        "--trusted-documents-only", action="store_true", help="the key may run registered documents only"
    )
    cli_backup.add_commands(commands)
    cli_documents.add_commands(commands)
    cli_tool_table.add_commands(commands)
    cli_tool_library.add_commands(commands)
    return root


def main(argv: Sequence[str] | None = None, stdin: TextIO | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        settings = Settings.from_env()
    except ConfigError as error:
        print(f"smooth-gql: {error}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level)
    if args.command == "serve":
        return _serve(args, settings)
    if args.command == "migrate":
        asyncio.run(_migrate(settings))
        return 0
    if args.command == "check":
        return asyncio.run(_check(settings))
    if args.command in ("backup", "restore"):
        run = cli_backup.backup_command if args.command == "backup" else cli_backup.restore_command
        return run(args, settings)
    if args.command == "documents":
        return cli_documents.documents_command(args, settings)
    if args.command == "tool-table":
        return cli_tool_table.tool_table_command(args, settings)
    if args.command == "tool-library":
        return cli_tool_library.tool_library_command(args, settings)
    if args.command == "create-user":
        return _create_user_command(args, settings, sys.stdin if stdin is None else stdin)
    if args.command == "create-api-key":
        return _create_api_key_command(args, settings)
    return _export_schema()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
