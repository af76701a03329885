"""Replaying the journal to the server, in order, each entry exactly once (see the package docstring).

One entry at a time, oldest first: a usage row must exist before its end is written, and an
offset written twice at the machine must reach the server in that order. An entry the server
cannot reach, or whose whole request it refuses (a revoked or expired key), waits in the
journal and is retried: an operator's value is not dropped for a credential problem. An entry
the server refuses for good on its own (a preset deleted meanwhile, a validation error of the
element) is settled as failed and logged as an error, never retried forever and never silently.

Each send carries the entry's idempotency key (`key_for`). The server answers
IDEMPOTENCY_IN_PROGRESS while an earlier send with that key still runs: the entry waits and
is retried. IDEMPOTENCY_KEY_REUSED means the bridge sent two different requests under one key,
a bug: the entry is settled as failed and logged as one.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from . import api
from .rows import already_applied, update_input
from .store import Entry, Journal

log = logging.getLogger("smooth_gql_linuxcnc")

MAX_CONFLICT_ROUNDS = 5


class Failed(Exception):
    """The server refused the entry for good; the reason is logged."""


def key_for(entry: Entry, version: int, first: int) -> str | None:
    """The idempotency key of one request of `entry`: the entry's key for its first request
    (at version `first`), the key with the version for a conflict round.

    The server stores a per-element refusal (a VERSION_CONFLICT) with the key, so the round
    after it, a different request, needs a key of its own; and a replay that repeats a round
    must repeat its key, so the key follows from the version the round writes at. Entries
    journaled before keys existed have none (None: sent without a key).
    """
    key = entry.get("key")
    if key is None or version == first:
        return key
    return f"{key}@v{version}"


async def _offset(client: api.Api, entry: Entry) -> str:
    fields, version = entry["fields"], entry["baseVersion"]
    for _ in range(MAX_CONFLICT_ROUNDS):
        preset = await client.preset(entry["presetId"])
        if preset is None:
            raise Failed(f"preset {entry['presetId']} no longer exists")
        if preset["version"] != version and already_applied(preset, fields):
            return f"already stored at version {preset['version']}"
        at = preset["version"]
        _, error = await client.bulk(
            api.UPDATE_PRESETS,
            "updateToolPresets",
            update_input(preset, fields, at),
            key_for(entry, at, version),
        )
        if error is None:
            how = f"merged over version {at} (operator saw {version})" if at != version else "stored"
            return f"{how}: {fields}"
        if error["code"] != "VERSION_CONFLICT":
            raise Failed(f"{error['code']} {error.get('field')}: {error['message']}")
    raise Failed(f"still conflicting after {MAX_CONFLICT_ROUNDS} rounds")


async def _load(client: api.Api, entry: Entry) -> str:
    element: dict[str, Any] = {"id": entry["usageId"], "startTime": entry["at"]}
    if entry.get("presetId"):
        element["presetId"] = entry["presetId"]
    else:
        element |= {"machineId": entry["machine"], "notes": f"T{entry['tool']} (no preset)"}
    _, error = await client.bulk(api.CREATE_USAGES, "createToolUsages", element, entry.get("key"))
    if error is None:
        return "usage started"
    if error["code"] == "CONSTRAINT" and error.get("field") == "id":
        return "usage already stored"
    raise Failed(f"{error['code']} {error.get('field')}: {error['message']}")


async def _unload(client: api.Api, entry: Entry) -> str:
    version = 1
    for _ in range(MAX_CONFLICT_ROUNDS):
        element = {
            "id": entry["usageId"],
            "expectedVersion": version,
            "endTime": entry["at"],
            "cutTime": entry["seconds"],
        }
        _, error = await client.bulk(
            api.UPDATE_USAGES, "updateToolUsages", element, key_for(entry, version, 1)
        )
        if error is None:
            return "usage ended"
        if error["code"] != "VERSION_CONFLICT":
            raise Failed(f"{error['code']} {error.get('field')}: {error['message']}")
        usage = await client.usage(entry["usageId"])
        if usage is None:
            raise Failed(f"usage {entry['usageId']} no longer exists")
        if usage["endTime"] is not None:
            return "usage end already stored"
        version = usage["version"]
    raise Failed(f"still conflicting after {MAX_CONFLICT_ROUNDS} rounds")


SENDERS = {"offset": _offset, "load": _load, "unload": _unload}


async def send(client: api.Api, entry: Entry) -> str:
    """Send one entry; raises `api.Unreachable` or `api.Refused` (keep, retry later) or `Failed`."""
    try:
        return await SENDERS[entry["kind"]](client, entry)
    except api.Refused as error:
        if error.code == "IDEMPOTENCY_KEY_REUSED":
            raise Failed(
                f"BUG: the bridge sent two different requests under key {entry['key']}: {error}"
            ) from None
        raise


class Outbox:
    """Drains the journal whenever it has entries and the server answers."""

    def __init__(self, client: api.Api, journal: Journal, retry_seconds: float = 1.0) -> None:
        self.client = client
        self.journal = journal
        self.retry_seconds = retry_seconds
        self.wake = asyncio.Event()
        self.online = True
        self.stopping = False  # set at shutdown (see Feed.stopping)

    async def run(self) -> None:
        while not self.stopping:
            if not self.journal.pending:
                self.wake.clear()
                await self.wake.wait()
                continue
            entry = self.journal.pending[0]
            try:
                outcome = await send(self.client, entry)
            except api.Unreachable as error:
                if self.online:
                    log.warning(
                        "server unreachable (%s): %d write(s) journaled", error, len(self.journal.pending)
                    )
                self.online = False
                await asyncio.sleep(self.retry_seconds)
                continue
            except Failed as error:
                log.error(
                    "journal entry %s (%s) refused by the server: %s", entry["id"], entry["kind"], error
                )
                self.journal.settle(entry, str(error))
                continue
            except api.Refused as error:  # the whole request refused: keep the entry
                await self._refused(entry, error)
                continue
            except Exception:  # unexpected (a malformed answer): keep the entry, log, retry later
                log.exception("journal entry %s (%s) not sent; retrying", entry["id"], entry["kind"])
                await asyncio.sleep(self.retry_seconds)
                continue
            self.online = True
            log.info("journal entry %s (%s): %s", entry["id"], entry["kind"], outcome)
            self.journal.settle(entry)

    async def _refused(self, entry: Entry, error: api.Refused) -> None:
        """Wait before the entry's retry: briefly for its key in progress, longer for a revoked key."""
        if error.code == "IDEMPOTENCY_IN_PROGRESS":  # an earlier send with its key still runs
            log.warning(
                "journal entry %s (%s): its key is still in progress: kept, retried",
                entry["id"],
                entry["kind"],
            )
            await asyncio.sleep(self.retry_seconds)
            return
        log.error("journal entry %s (%s) refused (%s): kept, retried", entry["id"], entry["kind"], error)
        await asyncio.sleep(self.retry_seconds * 5)
