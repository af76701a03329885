"""A backup made by the original Smooth Core server (format 0.1.0) restores here.

This is how a shop moves from Smooth Core to smooth-gql: export there, import
here. The document below is shaped as contract §9.1 describes Smooth Core's
export: tool rows as its change rows (§8.3, with `preset_metadata`), users
with its own columns, API keys with bcrypt `key_hash`.
"""

from __future__ import annotations

import json
from typing import Any

import bcrypt
import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from support.auth import AuthApi, Creds, auth_app

IMPORT = "/api/v1/backup/import"
OWNER = "5a0c8d2e-3b4f-4e0a-9d6c-1f2e3d4c5b6a"
OLD_PASSWORD = "the old smooth core password"
OLD_HASH = bcrypt.hashpw(OLD_PASSWORD.encode(), bcrypt.gensalt(4)).decode()
T0 = "2025-10-29T12:35:48.123456+00:00"
COMMON = {
    "created_at": T0,
    "updated_at": T0,
    "version": 2,
    "user_id": OWNER,
    "created_by": OWNER,
    "updated_by": OWNER,
}
ITEM = "11111111-1111-4111-8111-111111111111"
HOLDER = "11111111-1111-4111-8111-111111111112"
ASSEMBLY = "22222222-2222-4222-8222-222222222222"
INSTANCE = "33333333-3333-4333-8333-333333333333"
PRESET = "44444444-4444-4444-8444-444444444444"
USAGE = "55555555-5555-4555-8555-555555555555"
TOOL_SET = "66666666-6666-4666-8666-666666666666"

SMOOTH_CORE = {
    "metadata": {
        "version": "0.1.0",
        "timestamp": T0,
        "backup_type": "user",
        "counts": {
            "users": 1,
            "tool_items": 2,
            "tool_assemblies": 1,
            "tool_instances": 1,
            "tool_presets": 1,
            "tool_usage": 1,
            "tool_sets": 1,
            "api_keys": 1,
        },
    },
    "entities": {
        "users": [
            {
                "id": OWNER,
                "email": "shop@example.com",
                "password_hash": OLD_HASH,
                "is_active": True,
                "is_admin": True,
                "role": "admin",
                "manufacturer_profile": None,
                "is_verified": False,
                "created_at": T0,
                "updated_at": T0,
                "version": 1,
            }
        ],
        "tool_items": [
            {
                "id": ITEM,
                "type": "cutting_tool",
                "manufacturer": "Sandvik",
                "product_code": "R216.34",
                "description": "6 mm end mill",
                "geometry": {"diameter": 6.0, "flutes": 4},
                "material": {"grade": "GC1640"},
                "capabilities": {"max_rpm": 20000},
                "shape_data": {"freecad": "endmill.fcstd"},
                "iso_13399_reference": "DC=6",
                "parent_tool_id": None,
                **COMMON,
            },
            {
                "id": HOLDER,
                "type": "probe",
                "manufacturer": None,
                "product_code": None,
                "description": None,
                "geometry": None,
                "material": None,
                "capabilities": None,
                "shape_data": None,
                "iso_13399_reference": None,
                "parent_tool_id": ITEM,
                **COMMON,
            },
        ],
        "tool_assemblies": [
            {
                "id": ASSEMBLY,
                "name": "EM6 in ER32",
                "description": None,
                "components": [{"item_id": ITEM, "role": "cutter"}, {"item_id": "tool-1"}],
                "computed_geometry": {"stickout": 30},
                **COMMON,
            }
        ],
        "tool_instances": [
            {
                "id": INSTANCE,
                "assembly_id": ASSEMBLY,
                "serial_number": "SN-1",
                "status": "available",
                "location": {"rack": "A1"},
                "measured_geometry": {"length": 101.2},
                "lifecycle": {"uses": 3},
                **COMMON,
            }
        ],
        "tool_presets": [
            {
                "id": PRESET,
                "machine_id": "mill-1",
                "tool_number": 7,
                "instance_id": INSTANCE,
                "pocket": 7,
                "description": "T7",
                "preset_metadata": {"h": 7},
                "offsets": {"length": 101.2},
                "orientation": None,
                "limits": None,
                "loaded_at": T0,
                "loaded_by": "op",
                **COMMON,
            }
        ],
        "tool_usage": [
            {
                "id": USAGE,
                "preset_id": PRESET,
                "job_id": "JOB-9",
                "start_time": T0,
                "end_time": None,
                "cycle_count": 12,
                "cut_time": 3.5,
                "wear_progression": [{"vb": 0.1}],
                "events": [],
                **COMMON,
            }
        ],
        "tool_sets": [
            {
                "id": TOOL_SET,
                "name": "freecad_default",
                "description": None,
                "type": "template",
                "machine_id": None,
                "job_id": None,
                "members": [{"preset_id": PRESET}],
                "capacity": None,
                "status": "active",
                "activation": None,
                **COMMON,
            }
        ],
        "api_keys": [
            {
                "id": "77777777-7777-4777-8777-777777777777",
                "user_id": OWNER,
                "name": "freecad",
                "key_hash": "$2b$12$" + "b" * 53,
                "scopes": ["read", "write:items"],
                "expires_at": None,
                "is_active": True,
                "created_at": T0,
                "updated_at": T0,
                "version": 1,
            }
        ],
    },
}


PATHS = {
    "tool_items": "tool-items",
    "tool_assemblies": "tool-assemblies",
    "tool_instances": "tool-instances",
    "tool_presets": "tool-presets",
    "tool_usage": "tool-usage",
    "tool_sets": "tool-sets",
}
# Smooth Core's change-row columns its bulk API does not show (contract §6, §14 item 18),
# and the one it names differently there.
NOT_IN_BULK = {"capabilities", "shape_data"}
BULK_NAME = {"preset_metadata": "metadata"}
AUTHORS = ("user_id", "created_by", "updated_by")


@pytest.fixture
async def auth(engine: AsyncEngine, database_url: str) -> Any:
    async with auth_app(engine, database_url) as api:
        yield api


async def upload(auth: AuthApi, creds: Creds, document: Any) -> httpx.Response:
    files = {"file": ("smooth-backup.json", json.dumps(document).encode(), "application/json")}
    try:
        return await auth.client.post(IMPORT, files=files, headers=creds.as_headers())
    finally:
        auth.client.cookies.clear()


async def listed(auth: AuthApi, creds: Creds, key: str) -> dict[str, dict[str, Any]]:
    try:
        response = await auth.client.get(f"/api/v1/{PATHS[key]}", headers=creds.as_headers())
    finally:
        auth.client.cookies.clear()
    assert response.status_code == 200, response.text
    return {row["id"]: row for row in response.json()["items"]}


def as_bulk_row(row: dict[str, Any], owner: str) -> dict[str, Any]:
    """A Smooth Core change row as this server's bulk API shows it after the import."""
    shown = {BULK_NAME.get(k, k): v for k, v in row.items() if k not in NOT_IN_BULK}
    return {**shown, **dict.fromkeys(AUTHORS, owner)}


async def test_a_smooth_core_export_restores_into_the_importers_account(auth: AuthApi) -> None:
    """Smooth Core's HTTP export is a "user" backup without `user_id`: here it restores the
    tool rows into the importer's own account, every field as Smooth Core stored it."""
    me = (await auth.register("ann@shop.example"))["id"]
    ann = await auth.login("ann@shop.example")
    response = await upload(auth, ann, SMOOTH_CORE)
    assert response.status_code == 200, response.text
    # A user restore: the seven tool rows and the two links their arrays name (no accounts).
    assert response.json() == {"success": True, "restored_count": 9}

    for key, rows in SMOOTH_CORE["entities"].items():
        if key in PATHS:
            shown = await listed(auth, ann, key)
            for row in rows:
                assert {k: shown[row["id"]].get(k) for k in as_bulk_row(row, me)} == as_bulk_row(row, me), key

    # The ids inside the free-form arrays that name restored rows became real relations.
    linked = await auth.ok(
        "query($a: ID!, $s: ID!) { toolAssembly(id: $a) { components { item { id } } } "
        "toolSet(id: $s) { toolPresets { id } } }",
        {"a": ASSEMBLY, "s": TOOL_SET},
        ann,
    )
    assert linked["toolAssembly"]["components"] == [{"item": {"id": ITEM}}]
    assert linked["toolSet"]["toolPresets"] == [{"id": PRESET}]


async def test_a_full_smooth_core_backup_brings_its_accounts_and_revokes_its_keys(auth: AuthApi) -> None:
    await auth.register("ann@shop.example")
    ann = await auth.login("ann@shop.example")
    full = {**SMOOTH_CORE, "metadata": {**SMOOTH_CORE["metadata"], "backup_type": "admin"}}
    response = await upload(auth, ann, full)
    assert response.status_code == 200, response.text
    assert response.json()["restored_count"] == 11  # and the user and the key

    # Smooth Core's bcrypt hashes are kept: its people log in with their old passwords.
    shop = await auth.login("shop@example.com", OLD_PASSWORD)
    me = await auth.ok("{ me { id email isAdmin isActive } }", creds=shop)
    assert me["me"] == {"id": OWNER, "email": "shop@example.com", "isAdmin": True, "isActive": True}
    for key, rows in SMOOTH_CORE["entities"].items():
        if key in PATHS:
            shown = await listed(auth, shop, key)
            assert {row["id"] for row in rows} == set(shown)
            assert {r["user_id"] for r in shown.values()} == {OWNER}

    # Its keys cannot work here (another secret format); they come over revoked, to be reissued.
    keys = await auth.ok("{ apiKeys { id name prefix scopes revokedAt isActive } }", creds=shop)
    [key] = keys["apiKeys"]
    assert (key["name"], key["prefix"], key["scopes"], key["isActive"]) == (
        "freecad",
        "smooth-core",
        ["read", "write:items"],
        False,
    )
    assert key["revokedAt"] is not None


async def test_this_servers_own_backups_spell_the_preset_blob_as_smooth_core_did(auth: AuthApi) -> None:
    await auth.register("ann@shop.example")
    ann = await auth.login("ann@shop.example")
    assert (await upload(auth, ann, SMOOTH_CORE)).status_code == 200
    try:
        exported = (await auth.client.get("/api/v1/backup/export", headers=ann.as_headers())).json()
    finally:
        auth.client.cookies.clear()
    [preset] = exported["entities"]["tool_presets"]
    assert preset["preset_metadata"] == {"h": 7} and "metadata" not in preset

    # A backup this server wrote before (format 0.2.0) said `metadata`: it still restores.
    older = json.loads(json.dumps(exported))
    older["metadata"]["version"] = "0.2.0"
    older_preset = older["entities"]["tool_presets"][0]
    older_preset["metadata"] = older_preset.pop("preset_metadata")
    older_preset["metadata"]["h"] = 8
    assert (await upload(auth, ann, older)).status_code == 200
    assert (await listed(auth, ann, "tool_presets"))[PRESET]["metadata"] == {"h": 8}


async def test_a_preset_with_both_spellings_is_refused_and_changes_nothing(auth: AuthApi) -> None:
    await auth.register("ann@shop.example")
    ann = await auth.login("ann@shop.example")
    assert (await upload(auth, ann, SMOOTH_CORE)).status_code == 200
    before = await listed(auth, ann, "tool_presets")
    both = json.loads(json.dumps(SMOOTH_CORE))
    both["entities"]["tool_presets"][0]["metadata"] = {"h": 9}
    response = await upload(auth, ann, both)
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Validation error: Restore failed: tool_presets[0]: both 'metadata' and 'preset_metadata'; send one"
    }
    assert await listed(auth, ann, "tool_presets") == before
