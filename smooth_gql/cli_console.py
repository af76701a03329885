"""What the console commands (`backup`, `restore`, `tool-table`, `tool-library`) share.

Each of them opens a runtime of its own on the configured database, refuses an
unmigrated one with the same one-line advice, reads and writes whole files (or
stdin / stdout for `-`) and reports a failure as one line. One place for each
of those rules keeps the commands' wording and their exit codes the same.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from .auth.principal import Principal
from .config import Settings
from .db.engine import create_engine, session_factory
from .db.migrate import current_revision, head_revision
from .errors import ServiceError
from .runtime import Runtime
from .services import accounts


class Refused(Exception):
    """A console command's refusal that is not a service error: its text is the whole message."""


@contextlib.asynccontextmanager
async def migrated_runtime(settings: Settings) -> AsyncIterator[Runtime]:
    """A runtime on a migrated database; the engine is disposed after.

    A database behind the newest revision is refused (not migrated: that is the
    operator's `smooth-gql migrate`), before any service touches a table that may
    not have its newest shape."""
    engine = create_engine(settings.database_url)
    try:
        current = await current_revision(engine)
        if current != head_revision():
            raise Refused(
                f"the database schema is at {current or 'nothing (empty)'}, the newest is "
                f"{head_revision()}: run `smooth-gql migrate` first"
            )
        yield Runtime(session_factory(engine), settings)
    finally:
        await engine.dispose()


@contextlib.asynccontextmanager
async def console_session(settings: Settings, user: str) -> AsyncIterator[tuple[Runtime, Principal]]:
    """A runtime on a migrated database and the principal of `user`; the engine is disposed after."""
    async with migrated_runtime(settings) as runtime:
        yield runtime, await accounts.console_principal(runtime, user)


def read_text(path: str) -> str:
    raw = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        raise Refused(f"{path}: line {line}: not UTF-8 (byte {error.start} of the file)") from None


def write_text(path: str, text: str) -> None:
    if path == "-":
        sys.stdout.write(text)
        return
    # Write beside the target, then rename: a failed command never leaves half a file.
    target = Path(path)
    partial = target.with_name(f".{target.name}.partial")
    partial.write_bytes(text.encode("utf-8"))
    os.replace(partial, target)


def describe(error: Exception) -> str:
    if isinstance(error, ServiceError):
        return error.message
    if isinstance(error, OSError):
        return f"{error.strerror or error}: {error.filename}" if error.filename else str(error)
    if isinstance(error, SQLAlchemyError):
        return f"database error: {type(error).__name__}: {str(error).splitlines()[0]}"
    return str(error)
