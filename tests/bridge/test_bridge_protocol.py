"""The bridge alone on pipes, against a real server (in-process uvicorn): every protocol edge.

No LinuxCNC here: these tests speak LinuxCNC's side of the protocol themselves
(tests/bridge/test_bridge_linuxcnc.py runs the real thing).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from support.auth import live_auth_server
from support.bridge import make_shop, started

PRESET = "query($id: ID!) { toolPreset(id: $id) { version offsets parameters } }"


async def test_g_answers_the_machine_table_then_fini(
    engine: AsyncEngine, database_url: str, tmp_path: Path
) -> None:
    async with live_auth_server(engine, database_url) as (auth, port):
        shop = await make_shop(auth)
        bridge = await started(f"http://127.0.0.1:{port}", shop.key, tmp_path / "cache")
        assert await bridge.request("g") == [
            "T10  P10  D+6.000000 Z+50.000000 ;",
            "T11  P11  D+6.000000 Z+51.000000 ;",
            "FINI",
        ]
        assert await bridge.close() == 0


async def test_unknown_and_malformed_lines_get_nak_and_the_bridge_keeps_serving(
    engine: AsyncEngine, database_url: str, tmp_path: Path
) -> None:
    async with live_auth_server(engine, database_url) as (auth, port):
        shop = await make_shop(auth)
        bridge = await started(f"http://127.0.0.1:{port}", shop.key, tmp_path / "cache")
        assert (await bridge.request("x T1"))[0].startswith("NAK unknown request")
        assert await bridge.request("") == ["NAK unknown request ''"]
        assert (await bridge.request("p T10 P1 Z1.2.3"))[0] == 'NAK p: Z1.2.3 "1.2.3" is not a number'
        assert (await bridge.request("l T10"))[0] == "NAK missing P (pocket)"
        assert (await bridge.request("p T99 P1 Z1"))[0] == "NAK T99 is no preset of machine mill-1"
        assert (await bridge.request("g extra"))[0].startswith("NAK")
        assert (await bridge.request("g"))[-1] == "FINI"
        assert await bridge.close() == 0
        assert "NAK 'x T1': unknown request" in await bridge.stderr()


async def test_a_burst_of_requests_is_answered_in_order(
    engine: AsyncEngine, database_url: str, tmp_path: Path
) -> None:
    async with live_auth_server(engine, database_url) as (auth, port):
        shop = await make_shop(auth)
        bridge = await started(f"http://127.0.0.1:{port}", shop.key, tmp_path / "cache")
        await bridge.send(*(["g", "bogus"] * 25))
        for _ in range(25):
            assert [await bridge.line() for _ in range(3)][-1] == "FINI"
            assert (await bridge.line()).startswith("NAK")
        assert await bridge.close() == 0
