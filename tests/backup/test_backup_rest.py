"""The legacy backup routes (contract §9 with §0.1 item 4) over the real app."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from support.auth import AuthApi, Creds
from support.backup import DELETE_ITEMS, Shop, dump
from support.shop_image import SHOP_FIXTURES

# Each test that asks for `shop` gets its own copy of a shop built once per module and backend.
engine, shop, shop_copied, shop_copy, shop_images = SHOP_FIXTURES

EXPORT = "/api/v1/backup/export"
IMPORT = "/api/v1/backup/import"


async def get(auth: AuthApi, creds: Creds, **params: Any) -> httpx.Response:
    try:
        return await auth.client.get(EXPORT, params=params, headers=creds.as_headers())
    finally:
        auth.client.cookies.clear()


async def upload(auth: AuthApi, creds: Creds, content: bytes, part: str = "file") -> httpx.Response:
    try:
        files = {part: ("smooth-backup.json", content, "application/json")}
        return await auth.client.post(IMPORT, files=files, headers=creds.as_headers())
    finally:
        auth.client.cookies.clear()


async def stored(auth: AuthApi) -> dict[str, Any]:
    tables = await dump(auth.api.engine, skip=("sessions",))
    tables["api_keys"] = [{**k, "last_used_at": None} for k in tables["api_keys"]]
    return tables


async def test_export_is_a_pretty_printed_attachment_of_the_callers_rows(auth: AuthApi, shop: Shop) -> None:
    response = await get(auth, shop.user)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["content-disposition"] == "attachment; filename=smooth-backup.json"
    assert response.text.startswith('{\n  "metadata": {\n    "version": "0.')
    document = response.json()
    assert document["metadata"]["backup_type"] == "user"
    assert document["metadata"]["user_id"] == shop.user_id
    assert {r["user_id"] for r in document["entities"]["tool_items"]} == {shop.user_id}


async def test_an_admin_asks_for_everything_with_scope_all(auth: AuthApi, shop: Shop) -> None:
    document = (await get(auth, shop.admin, scope="all")).json()
    assert document["metadata"]["backup_type"] == "admin"
    assert {u["id"] for u in document["entities"]["users"]} == {shop.admin_id, shop.user_id}
    assert all(u["password_hash"].startswith("$2") for u in document["entities"]["users"])
    assert len(document["entities"]["api_keys"]) == 2


async def test_who_may_use_the_routes(auth: AuthApi, shop: Shop) -> None:
    _, reader = await auth.key(shop.user, ["read", "write:*"])
    _, backup_key = await auth.key(shop.user, ["admin:backup"])
    assert (await get(auth, Creds())).json() == {"detail": "Authentication required"}
    assert (await get(auth, Creds())).status_code == 401
    assert (await upload(auth, Creds(), b"{}")).status_code == 401
    refused = await get(auth, reader)
    assert refused.status_code == 403
    assert refused.json() == {"detail": "Permission denied: required scope 'admin:backup' not granted"}
    assert (await upload(auth, reader, b"{}")).status_code == 403
    assert (await get(auth, shop.user, scope="all")).status_code == 403
    assert (await get(auth, backup_key)).status_code == 200
    assert (await get(auth, backup_key, scope="all")).status_code == 403


async def test_a_users_export_imports_back_to_exactly_that_state(auth: AuthApi, shop: Shop) -> None:
    content = (await get(auth, shop.user)).content
    await auth.ok(DELETE_ITEMS, {"i": [{"id": shop.user_items[2]}]}, shop.user)
    response = await upload(auth, shop.user, content)
    assert response.status_code == 200
    restored = json.loads(content)
    assert response.json() == {"success": True, "restored_count": response.json()["restored_count"]}
    assert response.json()["restored_count"] == sum(
        n for k, n in restored["metadata"]["counts"].items() if k not in ("users", "api_keys", "audit_log")
    )
    again = (await get(auth, shop.user)).json()
    assert again["entities"]["tool_items"] == restored["entities"]["tool_items"]
    assert (await auth.ok("{ me { id } }", creds=shop.user))["me"]["id"] == shop.user_id


async def test_a_user_may_not_import_a_full_backup(auth: AuthApi, shop: Shop) -> None:
    content = (await get(auth, shop.admin, scope="all")).content
    before = await stored(auth)
    response = await upload(auth, shop.user, content)
    assert response.status_code == 403
    assert "admin" in response.json()["detail"]
    assert await stored(auth) == before


@pytest.mark.parametrize(
    ("content", "detail"),
    [
        (b"{not json", "Validation error: Invalid JSON: "),
        (b"\xff\xfe", "Validation error: Invalid JSON: "),
        (b'{"metadata": {}}', "Validation error: Backup missing required keys: metadata, entities"),
        (b'{"metadata": {}, "entities": {}}', "Validation error: Backup missing version in metadata"),
        (
            b'{"metadata": {"version": "2.0"}, "entities": {}}',
            "Version error: Incompatible backup version: 2.0",
        ),
        (
            b'{"metadata": {"version": "0.1.0", "backup_type": "user"}, "entities": {"tool_sets": [{"name": "x"}]}}',
            "Validation error: Entity tool_sets missing required fields: ['type'] (tool_sets[0])",
        ),
    ],
)
async def test_bad_uploads_are_400s_that_change_nothing(
    auth: AuthApi, shop: Shop, content: bytes, detail: str
) -> None:
    before = await stored(auth)
    response = await upload(auth, shop.user, content)
    assert response.status_code == 400, response.text
    assert response.json()["detail"].startswith(detail), response.json()
    assert await stored(auth) == before


async def test_a_request_without_the_file_part_is_the_legacy_422(auth: AuthApi, shop: Shop) -> None:
    response = await upload(auth, shop.user, b"{}", part="document")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "file"]
    try:
        as_json = await auth.client.post(IMPORT, json={"metadata": {}}, headers=shop.user.as_headers())
    finally:
        auth.client.cookies.clear()
    assert as_json.status_code == 422
