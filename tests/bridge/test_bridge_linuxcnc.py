"""End to end: real LinuxCNC 2.9 (Debian's linuxcnc-uspace), headless, with smooth-gql-linuxcnc
as its DB_PROGRAM, against a real `smooth-gql serve` with authentication on.

One LinuxCNC at a time per machine (fixed lock file and shared-memory keys): this module
starts `smooth-gql serve` processes, so it is marked `servers` and runs in the serial leg.
Facts behind the harness: /work/shared/LINUXCNC.md (no X server, a display that only waits,
RTAPI_UID when run as root, the `linuxcnc` module only in Debian's /usr/bin/python3).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import sys
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from conftest import Api, make_settings
from support.auth import AuthApi
from support.bridge import Proxy, Shop, eventually, make_shop
from support.serve_process import serve

SIM = Path(__file__).parent / "linuxcnc_sim"
RTAPI_DIR = Path(tempfile.gettempdir()) / f"smooth-rtapi-{os.getpid()}"
SYSTEM_PYTHON = "/usr/bin/python3"  # the only interpreter with Debian's `linuxcnc` module

pytestmark = pytest.mark.skipif(not shutil.which("linuxcnc"), reason="linuxcnc-uspace is not installed")

USAGES = """query($preset: ID!) { toolUsages(filter: {presetId: $preset}) {
  edges { node { version startTime endTime cutTime } } } }"""
PRESET = "query($id: ID!) { toolPreset(id: $id) { version offsets parameters } }"
AUDIT = "query($id: String!) { auditLog(filter: {entityId: $id}) { edges { node { operation changes } } } }"
CHANGES = (
    "{ changesSince(entityTypes: [TOOL_PRESET], first: 100) { changes { entityId operation version } } }"
)
UPDATE = """mutation($input: [ToolPresetUpdateInput!]!) {
  updateToolPresets(input: $input) { results { version } errors { message } } }"""


class Machine:
    """One running LinuxCNC and the driver that sends it MDI commands."""

    def __init__(self, linuxcnc: asyncio.subprocess.Process, driver: asyncio.subprocess.Process) -> None:
        self.linuxcnc = linuxcnc
        self.driver = driver

    async def _reply(self) -> dict[str, Any]:
        assert self.driver.stdout is not None
        raw = await asyncio.wait_for(self.driver.stdout.readline(), 60)
        assert raw, "drive.py ended"
        return json.loads(raw)  # type: ignore[no-any-return]

    async def mdi(self, command: str) -> dict[str, Any]:
        assert self.driver.stdin is not None
        self.driver.stdin.write(command.encode() + b"\n")
        await self.driver.stdin.drain()
        return await self._reply()


def _config(root: Path, url: str, key: str) -> Path:
    """The INI with DB_PROGRAM = the installed console script, with the brief's arguments."""
    (root / "mill-1.key").write_text(key + "\n")
    program = Path(sys.executable).with_name("smooth-gql-linuxcnc")
    db_program = (
        f"{program} --url {url} --machine mill-1 --key-file {root / 'mill-1.key'} --cache {root / 'cache'}"
    )
    ini = (SIM / "machine.ini.in").read_text()
    ini = ini.replace("@DB_PROGRAM@", db_program).replace("@DISPLAY@", str(SIM / "display.sh"))
    (root / "machine.ini").write_text(ini)
    (root / "machine.var").touch()
    return root / "machine.ini"


def _environment(root: Path) -> dict[str, str]:
    env = {**os.environ, "SMOOTH_DISPLAY_PID": str(root / "display.pid")}
    if os.geteuid() == 0:  # rtapi_app refuses root unless told which user to be
        # ... and that user must reach the FIFO: not under pytest's tmp_path (mode 0700).
        fifo = RTAPI_DIR
        fifo.mkdir(exist_ok=True)
        fifo.chmod(0o1777)
        env |= {"RTAPI_UID": "65534", "RTAPI_FIFO_PATH": str(fifo / "rtapi_fifo")}  # the socket itself
    return env


@contextlib.asynccontextmanager
async def running(root: Path, url: str, key: str) -> AsyncIterator[Machine]:
    ini = _config(root, url, key)
    env = _environment(root)
    (root / "display.pid").unlink(missing_ok=True)
    log = open(root / "linuxcnc.log", "ab")  # noqa: SIM115 - closed below, after LinuxCNC exits
    linuxcnc = await asyncio.create_subprocess_exec(
        "linuxcnc",
        "-r",
        str(ini),
        cwd=root,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=log,
        stderr=log,
    )
    try:
        await eventually(_display_up(root, linuxcnc), "LinuxCNC's display started", 60)
        driver = await asyncio.create_subprocess_exec(
            SYSTEM_PYTHON,
            str(SIM / "drive.py"),
            cwd=root,
            env=env,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        machine = Machine(linuxcnc, driver)
        assert await machine._reply() == {"ready": True}
        yield machine
        assert driver.stdin is not None
        driver.stdin.close()
        await asyncio.wait_for(driver.wait(), 30)
    finally:
        await _shut_down(root, linuxcnc)
        log.close()
        shutil.rmtree(RTAPI_DIR, ignore_errors=True)


def _display_up(root: Path, linuxcnc: asyncio.subprocess.Process) -> Any:
    async def check() -> bool:
        if linuxcnc.returncode is not None:
            raise AssertionError(f"linuxcnc exited: {(root / 'linuxcnc.log').read_text()[-3000:]}")
        return (root / "display.pid").exists() and bool((root / "display.pid").read_text().strip())

    return check


async def _shut_down(root: Path, linuxcnc: asyncio.subprocess.Process) -> None:
    """SIGTERM to the display: LinuxCNC's orderly shutdown (which closes the bridge's stdin)."""
    pid = (root / "display.pid").read_text().strip() if (root / "display.pid").exists() else ""
    with contextlib.suppress(ProcessLookupError):
        if pid:
            os.kill(int(pid), signal.SIGTERM)
        else:  # it never got as far as its display: stop the whole start
            os.killpg(linuxcnc.pid, signal.SIGTERM)
    try:
        await asyncio.wait_for(linuxcnc.wait(), 60)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(linuxcnc.pid, signal.SIGKILL)
        raise


@contextlib.asynccontextmanager
async def shop_server(engine: AsyncEngine, database_url: str) -> AsyncIterator[tuple[Shop, int]]:
    with serve(database_url, env={"AUTH_ENABLED": "true"}) as server:
        async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as client:
            await server.wait_ready(client)
            auth = AuthApi(Api(client, engine, make_settings(database_url)))
            try:
                yield await make_shop(auth), server.port
            except BaseException:
                # The server's own log (an INTERNAL answer's traceback) in pytest's report: CI
                # once saw an INTERNAL from updateToolPresets here and kept nothing else of it.
                print(server.log_tail())
                raise


async def _preset(shop: Shop, tool: int = 10) -> dict[str, Any]:
    return (await shop.auth.ok(PRESET, {"id": shop.presets[tool]}, shop.admin))["toolPreset"]  # type: ignore[no-any-return]


async def _usages(shop: Shop, tool: int) -> list[dict[str, Any]]:
    data = await shop.auth.ok(USAGES, {"preset": shop.presets[tool]}, shop.admin)
    return [edge["node"] for edge in data["toolUsages"]["edges"]]


async def _ended_once(shop: Shop, tool: int) -> bool:
    usages = await _usages(shop, tool)
    return len(usages) == 1 and usages[0]["endTime"] is not None


async def _cam_edit(shop: Shop, tool: int, version: int, **fields: Any) -> None:
    element = {"id": shop.presets[tool], "expectedVersion": version, **fields}
    data = await shop.auth.ok(UPDATE, {"input": [element]}, shop.admin)
    assert not data["updateToolPresets"]["errors"], data


async def _reload_until(machine: Machine, tool: str, z: float) -> dict[str, Any]:
    async def check() -> dict[str, Any] | None:
        state = await machine.mdi("G10 L0")
        return state if state["table"][tool]["z"] == z else None

    return await eventually(check, f"T{tool} Z={z} after G10 L0")  # type: ignore[no-any-return]


async def test_mdi_tool_changes_and_offsets_reach_the_server(
    engine: AsyncEngine, database_url: str, tmp_path: Path
) -> None:
    async with shop_server(engine, database_url) as (shop, port):
        async with running(tmp_path, f"http://127.0.0.1:{port}", shop.key) as machine:
            assert (await machine.mdi("T10 M6"))["spindle"] == 10
            assert (await machine.mdi("G10 L1 P10 Z1.234"))["table"]["10"]["z"] == 1.234
            assert (await machine.mdi("M61 Q11"))["spindle"] == 11
            assert (await machine.mdi("M61 Q0"))["spindle"] == 0
            await _cam_edit(shop, 11, 1, offsets={"z": 7.5})  # made elsewhere while LinuxCNC runs
            state = await _reload_until(machine, "11", 7.5)
            assert state["table"]["10"]["z"] == 1.234  # the reloaded table shows the edit
            for tool in (10, 11):  # the journal drains in the background; wait before stopping it
                await eventually(lambda tool=tool: _ended_once(shop, tool), f"T{tool}'s usage ended")
        preset = await _preset(shop)
        assert preset["version"] == 2 and preset["offsets"] == {"z": 1.234}
        audit = (await shop.auth.ok(AUDIT, {"id": shop.presets[10]}, shop.admin))["auditLog"]["edges"]
        assert [edge["node"]["operation"] for edge in audit] == ["UPDATE", "CREATE"]
        changes = (await shop.auth.ok(CHANGES, {}, shop.admin))["changesSince"]["changes"]
        assert {"entityId": shop.presets[10], "operation": "UPDATED", "version": 2} in changes
        for tool in (10, 11):
            usages = await _usages(shop, tool)
            assert len(usages) == 1 and usages[0]["endTime"] is not None, usages
            assert usages[0]["startTime"] <= usages[0]["endTime"]


async def test_with_the_server_down_linuxcnc_runs_from_the_cache_and_the_journal_drains_once(
    engine: AsyncEngine, database_url: str, tmp_path: Path
) -> None:
    async with shop_server(engine, database_url) as (shop, port), Proxy(port).running() as proxy:
        async with running(tmp_path, proxy.url, shop.key) as machine:
            assert (await machine.mdi("G10 L0"))["table"]["10"]["z"] == 50.0
        proxy.up = False
        async with running(tmp_path, proxy.url, shop.key) as machine:
            assert (await machine.mdi("T10 M6"))["table"]["10"]["z"] == 50.0  # from the cache
            await machine.mdi("G10 L1 P10 Z2.5")
            await machine.mdi("M61 Q0")
            assert (await machine.mdi("G10 L0"))["table"]["10"]["z"] == 2.5  # the journal's value
        assert (await _preset(shop))["version"] == 1 and await _usages(shop, 10) == []
        proxy.up = True
        async with running(tmp_path, proxy.url, shop.key):
            await eventually(lambda: _ended_once(shop, 10), "the journal replayed")
        preset = await _preset(shop)
        assert preset["version"] == 2 and preset["offsets"] == {"z": 2.5}
        assert await _ended_once(shop, 10)


async def test_an_operator_edit_racing_a_cam_edit_keeps_both_fields(
    engine: AsyncEngine, database_url: str, tmp_path: Path
) -> None:
    async with shop_server(engine, database_url) as (shop, port):
        async with running(tmp_path, f"http://127.0.0.1:{port}", shop.key) as machine:
            await machine.mdi("G10 L0")  # LinuxCNC holds T10 at version 1
            await _cam_edit(shop, 10, 1, parameters={"diameter": 8.0})
            await machine.mdi("G10 L1 P10 Z3")

            async def both() -> dict[str, Any] | None:
                preset = await _preset(shop)
                return preset if preset["version"] == 3 else None

            preset = await eventually(both, "the operator's Z merged over the CAM edit")
            assert preset["offsets"] == {"z": 3.0} and preset["parameters"] == {"diameter": 8.0}
            state = await _reload_until(machine, "10", 3.0)
            assert state["table"]["10"]["d"] == 8.0
        audit = (await shop.auth.ok(AUDIT, {"id": shop.presets[10]}, shop.admin))["auditLog"]["edges"]
        updates = [
            edge["node"]["changes"]["after"] for edge in audit if edge["node"]["operation"] == "UPDATE"
        ]
        assert len(updates) == 2, audit
