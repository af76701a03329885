"""The protocol loop: LinuxCNC's requests answered from the cache, its events journaled.

A request is read, handled and answered before the next is read, as LinuxCNC waits for each
answer. Nothing here waits for the server: `g` reads the cache, and an event is answered
`FINI` as soon as its journal entry is on disk; the outbox sends it in the background.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import time
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from . import protocol
from .outbox import Outbox
from .rows import changed_fields
from .store import Journal
from .table import Served, Table

log = logging.getLogger("smooth_gql_linuxcnc")


def _now() -> str:
    return datetime.now(UTC).isoformat()


class Bridge:
    def __init__(self, table: Table, journal: Journal, outbox: Outbox, replies: protocol.Replies) -> None:
        self.table = table
        self.journal = journal
        self.outbox = outbox
        self.replies = replies
        self.served: dict[int, Served] = {}  # the table of LinuxCNC's last `g`, by tool number

    def _record(self, entry: dict[str, Any]) -> None:
        # The key goes to disk with the entry, before FINI: every send of the entry, replays after
        # a restart included, carries the same one.
        self.journal.add({"id": str(uuid.uuid4()), "key": str(uuid.uuid4()), **entry})
        self.outbox.wake.set()

    def handle(self, text: str) -> None:
        """One request line: its whole answer written before this returns."""
        try:
            command = protocol.parse_command(text)
            if isinstance(command, protocol.Get):
                self._get()
            elif isinstance(command, protocol.Put):
                self._put(command)
            elif isinstance(command, protocol.Load):
                self._load(command)
            else:
                self._unload()
        except protocol.ProtocolError as error:
            log.warning("NAK %r: %s", text.rstrip("\n")[:120], error)
            self.replies.nak(str(error))
            return
        except OSError as error:  # the journal could not be written: LinuxCNC must not hear FINI
            log.error("NAK %r: journal not written: %s", text.rstrip("\n")[:120], error)
            self.replies.nak(f"journal not written: {error}")
            return
        self.replies.fini()

    def _get(self) -> None:
        self.served = {}
        for served in self.table.lines(self.journal.pending):
            self.served[served.line.tool] = served
            self.replies.line(served.text)

    def _put(self, command: protocol.Put) -> None:
        """Journal the fields the operator changed against what LinuxCNC last got for the tool.

        Not against the cache: a CAM edit that reached the cache after LinuxCNC's last `g` is
        not in LinuxCNC's `p` line, and must not be taken back by it.
        """
        tool = command.line.tool
        served = self.served.get(tool)
        if served is None or served.preset_id not in self.table.presets:
            raise protocol.ProtocolError(f"T{tool} is no preset of machine {self.table.machine}")
        line = command.line.normalized()
        fields = changed_fields(served.line, line)
        self.served[tool] = replace(served, line=line)
        if fields:  # LinuxCNC sends the same `p` twice for the loaded tool: the second changes nothing
            entry = {"kind": "offset", "presetId": served.preset_id, "tool": tool}
            self._record({**entry, "baseVersion": served.version, "fields": fields, "at": _now()})

    def _load(self, command: protocol.Load) -> None:
        self._unload()  # `M61 Q11` with T10 loaded sends no `u` for T10
        if command.tool == 0:
            return
        preset = self.table.by_tool(command.tool)
        usage = {"usageId": str(uuid.uuid4()), "tool": command.tool, "at": _now(), "since": time.time()}
        entry = {"kind": "load", "presetId": preset and preset["id"], "machine": self.table.machine}
        self._record({**entry, **usage})
        self.table.open_usage = usage
        self.table.save()

    def _unload(self) -> None:
        usage = self.table.open_usage
        if usage is None:
            return
        seconds = round(max(0.0, time.time() - usage["since"]), 3)
        self._record({"kind": "unload", "usageId": usage["usageId"], "at": _now(), "seconds": seconds})
        self.table.open_usage = None
        self.table.save()


async def serve_stdin(bridge: Bridge) -> None:
    """Requests until LinuxCNC closes our stdin (its shutdown)."""
    loop = asyncio.get_running_loop()
    while True:
        raw = await loop.run_in_executor(None, sys.stdin.buffer.readline)
        if not raw:
            return
        bridge.handle(raw.decode(errors="replace").rstrip("\r\n"))
