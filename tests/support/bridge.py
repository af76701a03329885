"""Driving `smooth-gql-linuxcnc` on pipes the way LinuxCNC does, and a server to point it at.

`BridgeProcess` writes one request line and reads the answer lines, each with a bounded wait
(a bound on a hang, not a timing assertion). `Proxy` stands between the bridge and the
server so a test can cut every connection (a dropped WebSocket) or refuse new ones (the
server down) without stopping the server.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from support.auth import AuthApi, Creds

MACHINE = "mill-1"
WAIT = 20.0

CREATE_PRESETS = """mutation($input: [ToolPresetCreateInput!]!) {
  createToolPresets(input: $input, atomic: true) { results { id version } errors { message } } }"""


@dataclass
class Shop:
    """An admin, and a key restricted to the machine, with its presets T10, T11 made."""

    auth: AuthApi
    admin: Creds
    key: str
    key_id: str
    presets: dict[int, str] = field(default_factory=dict)  # tool number → preset id


async def make_shop(auth: AuthApi, tools: int = 2, machine: str = MACHINE) -> Shop:
    await auth.register("cam@shop.example")
    admin = await auth.login("cam@shop.example")
    presets = [
        {
            "name": f"T{10 + n}",
            "machineId": machine,
            "toolNumber": 10 + n,
            "pocket": 10 + n,
            "offsets": {"z": 50.0 + n},
            "parameters": {"diameter": 6.0},
        }
        for n in range(tools)
    ]
    data = await auth.ok(CREATE_PRESETS, {"input": presets}, admin)
    ids = {10 + n: row["id"] for n, row in enumerate(data["createToolPresets"]["results"])}
    key_id, creds = await auth.key(admin, ["read", "write:presets", "write:usage"], machineId=machine)
    assert creds.key is not None
    return Shop(auth, admin, creds.key, key_id, ids)


class BridgeProcess:
    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    async def line(self, wait: float = WAIT) -> str:
        assert self.process.stdout is not None
        raw = await asyncio.wait_for(self.process.stdout.readline(), wait)
        assert raw, f"bridge closed stdout; stderr: {await self.stderr()}"
        return raw.decode().rstrip("\n")

    async def send(self, *lines: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write("".join(line + "\n" for line in lines).encode())
        await self.process.stdin.drain()

    async def request(self, line: str) -> list[str]:
        """One request and its whole answer, up to and including FINI (or a NAK line)."""
        await self.send(line)
        answer = [await self.line()]
        while answer[-1] != "FINI" and "NAK" not in answer[-1]:
            answer.append(await self.line())
        return answer

    async def close(self) -> int:
        """Close stdin (LinuxCNC's shutdown) and wait for the exit code."""
        assert self.process.stdin is not None
        self.process.stdin.close()
        return await asyncio.wait_for(self.process.wait(), WAIT)

    def kill(self) -> None:
        self.process.kill()

    async def stderr(self) -> str:
        assert self.process.stderr is not None
        if self.process.returncode is None:
            return "(still running)"
        return (await self.process.stderr.read()).decode()


async def start_bridge(url: str, key: str, cache: Path, *extra: str, machine: str = MACHINE) -> BridgeProcess:
    key_file = cache.parent / f"{cache.name}.key"
    key_file.write_text(key + "\n")
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "smooth_gql_linuxcnc",
        "--url",
        url,
        "--machine",
        machine,
        "--key-file",
        str(key_file),
        "--cache",
        str(cache),
        "--retry",
        "0.2",
        *extra,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    return BridgeProcess(process)


async def started(url: str, key: str, cache: Path, *extra: str) -> BridgeProcess:
    bridge = await start_bridge(url, key, cache, *extra)
    assert await bridge.line() == "v2.1"
    return bridge


class Proxy:
    """127.0.0.1 TCP proxy to the server: `cut()` drops every connection, `up` refuses new ones."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.up = True
        self.links: set[asyncio.StreamWriter] = set()
        self.server: asyncio.Server | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, asyncio.CancelledError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.close()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if not self.up:
            writer.close()
            return
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        self.links |= {writer, up_writer}
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))
        self.links -= {writer, up_writer}

    def cut(self) -> None:
        for writer in list(self.links):
            writer.close()

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[Proxy]:
        self.server = await asyncio.start_server(self._client, "127.0.0.1", 0)
        try:
            yield self
        finally:
            self.cut()
            self.server.close()


async def eventually(check: Any, what: str, wait: float = WAIT) -> Any:
    """Poll `check()` (async, returning a truthy value when done) with a bound on the wait."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    while True:
        result = await check()
        if result:
            return result
        if loop.time() > deadline:
            raise AssertionError(f"not within {wait:g} s: {what}")
        await asyncio.sleep(0.05)
