"""GET /api/v1/audit-logs (contract §10.2, §0.1 item 7): shape, order, filters, the
documented start/end, paging, bad input and who sees what."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from conftest import Api
from support.auth import AuthApi, Creds, auth_app
from support.rest import V1, item, post, put

LOGS = f"{V1}/audit-logs"
ENTRY_KEYS = ["id", "user_id", "operation", "entity_type", "entity_id", "changes", "result", "timestamp"]


async def logs(api: Api, **params: Any) -> dict[str, Any]:
    response = await api.client.get(LOGS, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert list(body) == ["logs", "total_count", "limit", "offset", "is_admin"]
    return body


async def test_entries_newest_first_with_total_count_and_filters(api: Api) -> None:
    first = await item(api, description="first")
    mixed = await post(api, "tool-items", [{"type": "holder"}, {"description": "no type"}])
    await put(api, "tool-items", [{"id": first["id"], "version": 1, "description": "edited"}])
    body = await logs(api)
    assert (body["total_count"], body["limit"], body["offset"], body["is_admin"]) == (4, 100, 0, True)
    for entry in body["logs"]:
        assert list(entry) == ENTRY_KEYS and entry["timestamp"].endswith("+00:00")
    assert [(e["operation"], e["result"]) for e in body["logs"]] == [
        ("UPDATE", "success"),
        ("CREATE", "error"),
        ("CREATE", "success"),
        ("CREATE", "success"),
    ]
    newest = body["logs"][0]
    assert (newest["entity_type"], newest["entity_id"]) == ("ToolItem", first["id"])
    assert newest["changes"] == {  # the derived name follows the description (README)
        "before": {"name": "first", "description": "first", "version": 1},
        "after": {"name": "edited", "description": "edited", "version": 2},
    }
    assert body["logs"][1]["entity_id"] == "unknown" and mixed["error_count"] == 1
    window = await logs(api, limit=2, offset=1)
    assert (window["total_count"], window["limit"], window["offset"]) == (4, 2, 1)
    assert window["logs"] == body["logs"][1:3]
    assert (await logs(api, offset=10))["logs"] == []
    assert [e["operation"] for e in (await logs(api, operation="UPDATE"))["logs"]] == ["UPDATE"]
    assert (await logs(api, result="error"))["total_count"] == 1
    assert (await logs(api, entity_id=first["id"]))["total_count"] == 2
    assert (await logs(api, entity_type="ToolPreset"))["total_count"] == 0


async def test_start_and_end_bound_the_timestamps(api: Api) -> None:
    await item(api, description="early")
    await item(api, description="late")
    late, early = (await logs(api))["logs"]
    assert early["timestamp"] < late["timestamp"]
    after = await logs(api, start=late["timestamp"])
    assert [e["id"] for e in after["logs"]] == [late["id"]] and after["total_count"] == 1
    assert [e["id"] for e in (await logs(api, end=late["timestamp"]))["logs"]] == [early["id"]]
    assert (await logs(api, start=early["timestamp"], end=late["timestamp"]))["total_count"] == 1
    # The instant counts, whatever offset it is written in.
    assert (await logs(api, start="2000-01-01T02:00:00+02:00", end="2999-01-01"))["total_count"] == 2


@pytest.mark.parametrize(
    ("params", "loc"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 1001}, "limit"),
        ({"limit": "x"}, "limit"),
        ({"offset": -1}, "offset"),
        ({"offset": 2**63}, "offset"),
        ({"start": "tomorrow"}, "start"),
        ({"end": "2025-02-30T00:00:00"}, "end"),
    ],
)
async def test_bad_parameters_are_422(api: Api, params: dict[str, Any], loc: str) -> None:
    response = await api.client.get(LOGS, params=params)
    assert response.status_code == 422, response.text
    [error] = response.json()["detail"]
    assert error["loc"] == ["query", loc]


async def test_a_moment_utc_cannot_hold_is_400_not_500(api: Api) -> None:
    response = await api.client.get(LOGS, params={"start": "0001-01-01T00:30:00+01:00"})
    assert (response.status_code, response.json()) == (400, {"detail": "since: out of range"})


@pytest.fixture
async def auth(engine: AsyncEngine, database_url: str) -> AsyncIterator[AuthApi]:
    async with auth_app(engine, database_url) as api:
        yield api


async def call(
    auth: AuthApi, creds: Creds, method: str = "GET", path: str = LOGS, **kwargs: Any
) -> tuple[int, Any]:
    try:
        response = await auth.client.request(method, path, headers=creds.as_headers(), **kwargs)
    finally:
        auth.client.cookies.clear()
    return response.status_code, response.json()


async def test_users_see_their_own_admins_everyone_restricted_keys_nothing(auth: AuthApi) -> None:
    admin_user = await auth.register("admin@shop.example")
    admin = await auth.login("admin@shop.example")
    a_id = await auth.create_user(admin, "a@shop.example")
    b_id = await auth.create_user(admin, "b@shop.example")
    a, b = await auth.login("a@shop.example"), await auth.login("b@shop.example")
    for creds in (a, b, b):
        status, _ = await call(
            auth, creds, "POST", "/api/v1/tool-items", json={"items": [{"type": "holder"}]}
        )
        assert status == 200
    assert await call(auth, Creds()) == (401, {"detail": "Authentication required"})
    items = {"entity_type": "ToolItem"}  # the accounts' own records are tested in test_account_audit.py
    status, mine = await call(auth, a, params={"user_id": b_id, **items})  # another user's id is ignored
    assert status == 200 and mine["is_admin"] is False
    assert [e["user_id"] for e in mine["logs"]] == [a_id] and mine["total_count"] == 1
    status, everyone = await call(auth, admin, params=items)
    assert everyone["is_admin"] is True and everyone["total_count"] == 3
    status, filtered = await call(auth, admin, params={"user_id": b_id, **items})
    assert [e["user_id"] for e in filtered["logs"]] == [b_id, b_id]
    assert admin_user["id"] not in {e["user_id"] for e in everyone["logs"]}
    _, reader = await auth.key(a, ["read"])
    assert (await call(auth, reader, params=items))[1]["total_count"] == 1
    refused = {"detail": "the audit log is not available to API keys restricted by tags or machine"}
    _, tagged = await auth.key(a, ["read"], tags=["mill-3"])
    assert await call(auth, tagged) == (403, refused)
    _, machine = await auth.key(a, ["read"], machineId="mill-3")
    assert await call(auth, machine) == (403, refused)
    _, no_read = await auth.key(a, ["write:items"])
    assert await call(auth, no_read) == (
        403,
        {"detail": "Permission denied: required scope 'read' not granted"},
    )


async def test_the_largest_64_bit_offset_is_an_empty_page(api: Api) -> None:
    await item(api)
    body = await logs(api, offset=2**63 - 1)
    assert (body["logs"], body["total_count"], body["offset"]) == ([], 1, 2**63 - 1)
