"""`smooth-gql-linuxcnc`: the entry point LinuxCNC runs as `[EMCIO] DB_PROGRAM`.

Start-up order matters to LinuxCNC, which waits for the `v2.1` line: the cache and journal
are read, the presets are refreshed with a bounded wait (`--start-wait`, 2 s), and only then
is `v2.1` written. A server that does not answer in time is no error (the cache serves);
a server that answers no (bad key, key without access, unknown machine) is: exit code 2,
the reason on stderr, before LinuxCNC is told anything.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys
from pathlib import Path

from . import api, protocol
from .bridge import Bridge, serve_stdin
from .feed import Feed
from .outbox import Outbox
from .store import Journal
from .table import Table

log = logging.getLogger("smooth_gql_linuxcnc")

EXIT_REFUSED = 2


class StartError(Exception):
    """A reason not to start at all (stderr, exit code 2)."""


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="smooth-gql-linuxcnc", description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="the server, e.g. http://tools.shop:8000")
    parser.add_argument("--machine", required=True, help="the machine id of this controller's presets")
    parser.add_argument("--key-file", required=True, type=Path, help="a file holding the API key")
    parser.add_argument("--cache", required=True, type=Path, help="directory for cache, journal and log")
    parser.add_argument(
        "--start-wait", type=float, default=2.0, help="seconds to wait for the server at start"
    )
    parser.add_argument("--retry", type=float, default=1.0, help="seconds between reconnects and retries")
    return parser.parse_args(argv)


def _logging(cache: Path) -> None:
    """Diagnostics on stderr and in `<cache>/bridge.log`; stdout belongs to LinuxCNC."""
    handlers: list[logging.Handler] = [
        logging.StreamHandler(sys.stderr),
        logging.FileHandler(cache / "bridge.log"),
    ]
    fmt = logging.Formatter("%(asctime)s smooth-gql-linuxcnc %(levelname)s %(message)s")
    for handler in handlers:
        handler.setFormatter(fmt)
        log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False


async def refresh(client: api.Api, table: Table, timeout: float | None = None) -> bool:
    """Every preset of the machine read anew, and the cursor to follow the feed from; False when
    the server did not answer."""
    try:
        marker = await client.marker(table.machine, timeout)
        presets = await client.presets(table.machine, timeout)
    except api.Unreachable as error:
        log.warning("server unreachable (%s): serving %d cached preset(s)", error, len(table.presets))
        return False
    if not presets:
        raise StartError(
            f"machine {table.machine!r}: no presets visible to this key "
            "(an unknown machine, or a key restricted to another machine)"
        )
    table.replace(presets)
    table.cursor = marker
    table.save()
    log.info("read %d preset(s) of machine %s", len(table.presets), table.machine)
    return True


async def _start(args: argparse.Namespace, client: api.Api, table: Table) -> None:
    try:
        async with asyncio.timeout(args.start_wait):
            await refresh(client, table, args.start_wait)
    except TimeoutError:
        log.warning(
            "server did not answer within %g s: serving %d cached preset(s)",
            args.start_wait,
            len(table.presets),
        )
    except api.Refused as error:
        raise StartError(f"the server refused the key: {error}") from None


async def run(args: argparse.Namespace, key: str) -> None:
    table = Table(args.cache / "presets.json", args.machine)
    journal = Journal(args.cache / "journal.jsonl")
    client = api.Api(args.url, key)
    try:
        await _start(args, client, table)
        replies = protocol.Replies(sys.stdout.fileno())
        replies.line(protocol.VERSION)
        outbox = Outbox(client, journal, args.retry)
        feed = Feed(args.url, key, table, lambda: _quiet_refresh(client, table), args.retry)
        tasks = [asyncio.create_task(outbox.run()), asyncio.create_task(feed.run())]
        outbox.wake.set()
        await serve_stdin(Bridge(table, journal, outbox, replies))
        await _drain(outbox, args.start_wait)
        await _stop(tasks, feed, outbox)
    finally:
        journal.close()
        await client.close()


async def _stop(tasks: list[asyncio.Task[None]], feed: Feed, outbox: Outbox) -> None:
    """End the feed and the outbox: flagged, then cancelled, then awaited within a bound (a
    loop that missed its cancellation sees its flag on its next turn)."""
    feed.stopping = outbox.stopping = True
    outbox.wake.set()
    for task in tasks:
        task.cancel()
    done, pending = await asyncio.wait(tasks, timeout=5)
    for task in pending:
        log.warning("%s did not stop within 5 s", task.get_coro())
    for task in done:
        if not task.cancelled() and task.exception() is not None:
            log.error("%s had failed", task.get_coro(), exc_info=task.exception())


async def _drain(outbox: Outbox, seconds: float) -> None:
    """At LinuxCNC's shutdown, a bounded wait for the journal to reach the server (it keeps, if not)."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            while outbox.journal.pending and outbox.online:
                await asyncio.sleep(0.02)
    if outbox.journal.pending:
        log.info("%d journaled write(s) kept for the next start", len(outbox.journal.pending))


async def _quiet_refresh(client: api.Api, table: Table) -> bool:
    try:
        return await refresh(client, table)
    except (StartError, api.Refused) as error:
        log.error("refresh failed: %s", error)
        return False


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    try:
        args.cache.mkdir(parents=True, exist_ok=True)
        key = args.key_file.read_text().strip()
    except OSError as error:
        print(f"smooth-gql-linuxcnc: {error}", file=sys.stderr)
        return EXIT_REFUSED
    _logging(args.cache)
    if not key:
        log.error("%s holds no key", args.key_file)
        return EXIT_REFUSED
    try:
        asyncio.run(run(args, key))
    except StartError as error:
        log.error("%s", error)
        return EXIT_REFUSED
    return 0


if __name__ == "__main__":
    sys.exit(main())
