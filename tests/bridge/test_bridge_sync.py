"""The bridge keeping LinuxCNC and the server in step: the feed, offsets, tool usage, offline.

The bridge runs as its own process on pipes; a `Proxy` between it and the server drops the
WebSocket or plays a server that is down, without stopping the server.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from support.auth import live_auth_server
from support.bridge import MACHINE, BridgeProcess, Proxy, Shop, eventually, make_shop, start_bridge, started

PRESET = "query($id: ID!) { toolPreset(id: $id) { version offsets parameters } }"
UPDATE = """mutation($input: [ToolPresetUpdateInput!]!) {
  updateToolPresets(input: $input) { results { version } errors { message } } }"""
USAGES = """query($preset: ID!) { toolUsages(filter: {presetId: $preset}) {
  edges { node { id version presetId machineId toolInstanceId startTime endTime cutTime } } } }"""
AUDIT = """query($id: String!) { auditLog(filter: {entityId: $id}) {
  edges { node { operation changes userId } } } }"""
PUT_Z = "p T10 P1 D+6.000000 X0 Y0 Z+1.234000 A0 B0 C0 U0 V0 W0 I0 J0 Q0"


async def _preset(shop: Shop, tool: int = 10) -> dict[str, Any]:
    data = await shop.auth.ok(PRESET, {"id": shop.presets[tool]}, shop.admin)
    return data["toolPreset"]  # type: ignore[no-any-return]


async def _usages(shop: Shop, tool: int = 10) -> list[dict[str, Any]]:
    data = await shop.auth.ok(USAGES, {"preset": shop.presets[tool]}, shop.admin)
    return [edge["node"] for edge in data["toolUsages"]["edges"]]


async def _cam_edit(shop: Shop, tool: int, version: int, **fields: Any) -> None:
    element = {"id": shop.presets[tool], "expectedVersion": version, **fields}
    data = await shop.auth.ok(UPDATE, {"input": [element]}, shop.admin)
    assert not data["updateToolPresets"]["errors"], data


async def _shows(bridge: BridgeProcess, text: str) -> bool:
    return any(text in line for line in await bridge.request("g"))


async def test_an_edit_elsewhere_reaches_the_next_g(
    engine: AsyncEngine, database_url: str, tmp_path: Path
) -> None:
    async with live_auth_server(engine, database_url) as (auth, port):
        shop = await make_shop(auth)
        bridge = await started(f"http://127.0.0.1:{port}", shop.key, tmp_path / "cache")
        await bridge.request("g")
        await _cam_edit(shop, 10, 1, offsets={"z": 42.5})
        await eventually(lambda: _shows(bridge, "T10  P10  D+6.000000 Z+42.500000 ;"), "the edit in g")
        assert await bridge.close() == 0


async def test_a_dropped_websocket_resumes_from_its_cursor(
    engine: AsyncEngine, database_url: str, tmp_path: Path
) -> None:
    async with live_auth_server(engine, database_url) as (auth, port), Proxy(port).running() as proxy:
        shop = await make_shop(auth)
        bridge = await started(proxy.url, shop.key, tmp_path / "cache")
        await _cam_edit(shop, 10, 1, offsets={"z": 1.0})
        await eventually(lambda: _shows(bridge, "Z+1.000000"), "the first edit")
        proxy.up = False
        proxy.cut()  # the WebSocket drops; edits made meanwhile must come on reconnect
        await _cam_edit(shop, 10, 2, offsets={"z": 2.0})
        await _cam_edit(shop, 11, 1, offsets={"x": 0.5, "z": 51.0})
        assert await _shows(bridge, "Z+1.000000")  # still served from the cache
        proxy.up = True
        await eventually(
            lambda: _shows(bridge, "T11  P11  D+6.000000 X+0.500000 Z+51.000000 ;"), "T11 after reconnect"
        )
        assert await _shows(bridge, "T10  P10  D+6.000000 Z+2.000000 ;")
        assert await bridge.close() == 0


async def test_an_operator_offset_racing_a_cam_edit_keeps_both(
    engine: AsyncEngine, database_url: str, tmp_path: Path
) -> None:
    async with live_auth_server(engine, database_url) as (auth, port):
        shop = await make_shop(auth)
        bridge = await started(f"http://127.0.0.1:{port}", shop.key, tmp_path / "cache")
        await bridge.request("g")  # LinuxCNC holds T10 at version 1
        await _cam_edit(shop, 10, 1, parameters={"diameter": 8.0, "flutes": 3})  # CAM: version 2
        assert await bridge.request(PUT_Z) == ["FINI"]  # operator: Z, on top of version 1
        assert await bridge.request(PUT_Z) == ["FINI"]  # LinuxCNC sends it twice for the loaded tool

        async def merged() -> dict[str, Any] | None:
            preset = await _preset(shop)
            return preset if preset["version"] == 3 else None

        preset = await eventually(merged, "the operator's Z merged")
        assert preset["offsets"] == {"z": 1.234}
        assert preset["parameters"] == {"diameter": 8.0, "flutes": 3}
        audit = (await auth.ok(AUDIT, {"id": shop.presets[10]}, shop.admin))["auditLog"]["edges"]
        updates = [edge["node"] for edge in audit if edge["node"]["operation"] == "UPDATE"]
        assert len(updates) == 2, audit
        await eventually(lambda: _shows(bridge, "T10  P10  D+8.000000 Z+1.234000 ;"), "both in g")
        assert await bridge.close() == 0
        assert "merged over version 2 (operator saw 1)" in await bridge.stderr()


async def test_load_and_unload_make_one_usage_row_each(
    engine: AsyncEngine, database_url: str, tmp_path: Path
) -> None:
    async with live_auth_server(engine, database_url) as (auth, port):
        shop = await make_shop(auth)
        bridge = await started(f"http://127.0.0.1:{port}", shop.key, tmp_path / "cache")
        await bridge.request("g")
        assert await bridge.request("l T10 P0") == ["FINI"]
        assert await bridge.request("l T11 P0") == ["FINI"]  # M61 Q11: no `u` for T10 comes
        assert await bridge.request("u T0 P0") == ["FINI"]
        assert await bridge.request("u T0 P0") == ["FINI"]  # nothing loaded: nothing to end
        assert await bridge.close() == 0
        for tool in (10, 11):
            usages = await _usages(shop, tool)
            assert len(usages) == 1, usages
            (usage,) = usages
            assert usage["endTime"] is not None and usage["cutTime"] >= 0
            assert usage["machineId"] == "mill-1" and usage["version"] == 2
            assert usage["startTime"] <= usage["endTime"]


async def _offline_session(proxy: Proxy, shop: Shop, cache: Path) -> BridgeProcess:
    """The server down: LinuxCNC starts from the cache, an offset and a tool change are journaled."""
    proxy.up = False
    bridge = await started(proxy.url, shop.key, cache)
    assert await bridge.request("g") == [
        "T10  P10  D+6.000000 Z+50.000000 ;",
        "T11  P11  D+6.000000 Z+51.000000 ;",
        "FINI",
    ]
    for request in (PUT_Z, "l T10 P0", "u T0 P0"):
        assert await bridge.request(request) == ["FINI"]
    assert await _shows(bridge, "T10  P10  D+6.000000 Z+1.234000 ;")  # the journaled offset shows
    return bridge


async def _stored_once(shop: Shop) -> None:
    async def drained() -> bool:
        usages = await _usages(shop)
        return (await _preset(shop))["version"] == 2 and len(usages) == 1 and usages[0]["endTime"] is not None

    await eventually(drained, "the journal replayed")
    assert (await _preset(shop))["offsets"] == {"z": 1.234}
    assert [u["version"] for u in await _usages(shop)] == [2]


async def _first_run(proxy: Proxy, shop: Shop, cache: Path) -> None:
    bridge = await started(proxy.url, shop.key, cache)
    assert (await bridge.request("g"))[-1] == "FINI"
    assert await bridge.close() == 0


async def test_offline_writes_are_journaled_and_replayed_once(
    engine: AsyncEngine, database_url: str, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    async with live_auth_server(engine, database_url) as (auth, port), Proxy(port).running() as proxy:
        shop = await make_shop(auth)
        await _first_run(proxy, shop, cache)
        bridge = await _offline_session(proxy, shop, cache)
        assert await bridge.close() == 0
        assert (cache / "journal.jsonl").read_text().count("\n") == 3
        proxy.up = True
        bridge = await started(proxy.url, shop.key, cache)
        await _stored_once(shop)
        assert await bridge.close() == 0
        assert (cache / "journal.jsonl").read_text() == ""


def _entries(journal: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in journal.read_text().splitlines()]


async def _stored_keys(engine: AsyncEngine, shop: Shop) -> dict[str, str]:
    """The bridge key's idempotency keys on the server, with their state."""
    query = text("SELECT key, state FROM idempotency_keys WHERE principal_id = :owner")
    async with engine.connect() as connection:
        rows = (await connection.execute(query, {"owner": shop.key_id})).all()
    return {row.key: row.state for row in rows}


async def _replayed(proxy: Proxy, shop: Shop, cache: Path, entries: list[dict[str, Any]]) -> str:
    """The journal as it was before anything settled, replayed once more: the new log lines."""
    before = len((cache / "bridge.log").read_text())
    (cache / "journal.jsonl").write_text("".join(json.dumps(entry) + "\n" for entry in entries))
    bridge = await started(proxy.url, shop.key, cache)
    assert await bridge.close() == 0
    assert (cache / "journal.jsonl").read_text() == ""
    await _stored_once(shop)
    return (cache / "bridge.log").read_text()[before:]


async def test_a_kill_between_journal_write_and_replay_loses_and_repeats_nothing(
    engine: AsyncEngine, database_url: str, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    async with live_auth_server(engine, database_url) as (auth, port), Proxy(port).running() as proxy:
        shop = await make_shop(auth)
        await _first_run(proxy, shop, cache)
        bridge = await _offline_session(proxy, shop, cache)
        bridge.kill()  # after FINI, before any replay
        await bridge.process.wait()
        unsettled = _entries(cache / "journal.jsonl")
        offset, load, unload = unsettled
        assert len({entry["key"] for entry in unsettled}) == 3  # each journaled with a key of its own
        proxy.up = True
        bridge = await started(proxy.url, shop.key, cache)
        await _stored_once(shop)
        assert await bridge.close() == 0
        assert await _stored_keys(engine, shop) == {entry["key"]: "done" for entry in unsettled}
        # A kill after the server stored each entry but before the journal said so: all replayed
        # again, under the same keys, answered with the stored results (no "already stored").
        log = await _replayed(proxy, shop, cache, unsettled)
        assert f"{load['id']} (load): usage started" in log and f"{unload['id']} (unload): usage ended" in log
        assert "usage already stored" not in log and "usage end already stored" not in log
        assert f"{offset['id']} (offset): already stored at version 2" in log  # re-read, not resent
        assert len(await _stored_keys(engine, shop)) == 3
        usage = (await _usages(shop))[0]["id"]
        audit = (await auth.ok(AUDIT, {"id": usage}, shop.admin))["auditLog"]["edges"]
        assert sorted(edge["node"]["operation"] for edge in audit) == ["CREATE", "UPDATE"], audit
        # Entries of the bridge before keys (none in the entry): the ids and versions still hold.
        log = await _replayed(
            proxy, shop, cache, [{k: v for k, v in e.items() if k != "key"} for e in unsettled]
        )
        assert "usage already stored" in log and "already stored at version 2" in log
        assert "usage end already stored" in log


async def _refused(url: str, key: str, cache: Path, machine: str = MACHINE) -> str:
    bridge = await start_bridge(url, key, cache, machine=machine)
    assert await bridge.process.wait() == 2
    assert await bridge.process.stdout.read() == b""  # type: ignore[union-attr]
    return await bridge.stderr()


async def test_a_bad_key_a_foreign_key_and_an_unknown_machine_stop_the_start(
    engine: AsyncEngine, database_url: str, tmp_path: Path
) -> None:
    async with live_auth_server(engine, database_url) as (auth, port):
        shop = await make_shop(auth)
        url = f"http://127.0.0.1:{port}"
        assert "the server refused the key" in await _refused(url, "sk_not_a_key", tmp_path / "a")
        _, other = await auth.key(shop.admin, ["read"], machineId="mill-2")
        assert "no presets visible to this key" in await _refused(url, str(other.key), tmp_path / "b")
        _, anywhere = await auth.key(shop.admin, ["read"])
        stderr = await _refused(url, str(anywhere.key), tmp_path / "c", machine="lathe-9")
        assert "machine 'lathe-9': no presets visible" in stderr


async def test_corrupt_cache_and_journal_are_moved_aside(
    engine: AsyncEngine, database_url: str, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "presets.json").write_text('{"machine": "mill-1", "presets": {"x": ')
    (cache / "journal.jsonl").write_text('{"id": "1", "kind": "load"}\nnot json\n')
    async with live_auth_server(engine, database_url) as (auth, port), Proxy(port).running() as proxy:
        shop = await make_shop(auth)
        proxy.up = False
        bridge = await started(proxy.url, shop.key, cache)
        assert await bridge.request("g") == ["FINI"]
        assert await bridge.close() == 0
        stderr = await bridge.stderr()
        assert "presets.json is corrupt" in stderr and "journal.jsonl is corrupt" in stderr
        assert sorted(p.name.split(".corrupt-")[0] for p in cache.glob("*.corrupt-*")) == [
            "journal.jsonl",
            "presets.json",
        ]


async def test_writes_refused_for_a_revoked_key_stay_in_the_journal(
    engine: AsyncEngine, database_url: str, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    async with live_auth_server(engine, database_url) as (auth, port):
        shop = await make_shop(auth)
        bridge = await started(f"http://127.0.0.1:{port}", shop.key, cache)
        await bridge.request("g")
        await auth.ok("mutation($id: ID!) { revokeApiKey(id: $id) { id } }", {"id": shop.key_id}, shop.admin)
        assert await bridge.request("l T10 P0") == ["FINI"]

        async def refused() -> bool:
            return "refused" in (cache / "bridge.log").read_text()

        await eventually(refused, "the load refused")
        code = await bridge.close()
        assert code == 0, await bridge.stderr()
        assert '"kind":"load"' in (cache / "journal.jsonl").read_text()  # kept for a new key
        assert await _usages(shop) == []
