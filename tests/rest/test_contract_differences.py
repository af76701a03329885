"""Issue 12, differences 1 and 3, through both doors on SQLite and PostgreSQL: a key created with
an expiry in the past is made and never works (contract §3.5), and a failed create names the id
its client sent, or none, never one the server made up for a row that never existed
(difference 2, creation order, is tests/services/test_creation_order.py)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text

from conftest import Api
from support.auth import CREATE_KEY, PASSWORD, AuthApi, Creds
from support.rest import ITEMS, KEYS, REGISTER, V1, call, rest_login

PAST_WIRE = "2020-01-01T00:00:00"  # no offset: UTC (contract §2.3)
PAST = datetime(2020, 1, 1, tzinfo=UTC)


def _instant(wire: str) -> datetime:
    """A legacy time as an instant: with or without an offset (the contract allows both)."""
    moment = datetime.fromisoformat(wire)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


async def _owner(auth: AuthApi) -> Creds:
    answer = await call(auth, "POST", REGISTER, json={"email": "a@shop.example", "password": PASSWORD})
    assert answer.status == 201, answer.body
    return await rest_login(auth, "a@shop.example")


# --- difference 1: an expiry in the past --------------------------------------------------------


async def test_rest_accepts_a_key_that_expired_already_and_it_never_works(auth: AuthApi) -> None:
    owner = await _owner(auth)
    made = await call(
        auth, "POST", KEYS, owner, json={"name": "old", "scopes": ["read"], "expires_at": PAST_WIRE}
    )
    assert made.status == 201, made.body
    body = made.body
    assert (body["name"], body["is_active"], _instant(body["expires_at"])) == ("old", True, PAST)
    key = Creds(key=body["key"])
    assert (await call(auth, "GET", ITEMS, key)).pair == (401, {"detail": "Authentication required"})
    assert (await call(auth, "GET", f"{V1}/tool-presets", key)).status == 401
    # Listed like any expired key: still `is_active` (expiry is checked only on use).
    listed = (await call(auth, "GET", KEYS, owner)).body
    assert [(k["id"], _instant(k["expires_at"]), k["is_active"]) for k in listed] == [
        (body["id"], PAST, True)
    ]


async def test_graphql_accepts_it_too_and_shows_it_inactive(auth: AuthApi) -> None:
    """One rule in the service for both doors; GraphQL's own `isActive` tells its client at once."""
    await auth.register("a@shop.example")
    owner = await auth.login("a@shop.example")
    variables = {"name": "old", "scopes": ["read"], "expiresAt": "2001-01-01T00:00:00Z"}
    made = (await auth.ok(CREATE_KEY, variables, owner))["createApiKey"]
    assert made["apiKey"]["isActive"] is False
    assert made["apiKey"]["expiresAt"].startswith("2001-01-01T00:00:00")
    error = await auth.error("{ toolItems { totalCount } }", creds=Creds(key=made["secret"]))
    assert error["extensions"]["code"] == "UNAUTHENTICATED" and "API key expired" in error["message"]
    assert await auth.api.scalar("SELECT count(*) FROM api_keys") == 1


# --- difference 3: the id of a failed create ----------------------------------------------------

CREATE_PRESETS = """mutation($i: [ToolPresetCreateInput!]!) {
  createToolPresets(input: $i) { successCount errors { index id code } }
}"""


async def _failed_audit_ids(api: Api) -> list[str]:
    async with api.engine.connect() as conn:
        rows = await conn.execute(text("SELECT entity_id FROM audit_log WHERE result = 'error'"))
        return sorted(str(r[0]) for r in rows)


async def test_graphql_reports_the_sent_id_or_null_for_a_failed_create(api: Api) -> None:
    unknown, mine = str(uuid.uuid4()), str(uuid.uuid4())
    inputs: list[dict[str, Any]] = [
        {"name": "a", "machineId": "m", "toolInstanceId": unknown},  # refused after validation
        {"id": mine, "name": "b", "machineId": "m", "toolInstanceId": unknown},
        {"name": "c", "machineId": "m", "toolNumber": 1},
        {"name": "d", "machineId": "m", "toolNumber": 1},  # refused by the database
    ]
    result = (await api.gql(CREATE_PRESETS, {"i": inputs}))["createToolPresets"]
    assert result["successCount"] == 1
    assert result["errors"] == [
        {"index": 0, "id": None, "code": "NOT_FOUND"},
        {"index": 1, "id": mine, "code": "NOT_FOUND"},
        {"index": 3, "id": None, "code": "CONSTRAINT"},
    ]
    # The audit log names no made-up row either.
    assert await _failed_audit_ids(api) == sorted(["unknown", mine, "unknown"])


async def test_rest_reports_null_and_audits_no_made_up_id(api: Api) -> None:
    unknown = str(uuid.uuid4())
    response = await api.client.post(
        f"{V1}/tool-presets",
        json={
            "items": [
                {"machine_id": "m", "tool_number": 1},
                {"machine_id": "m", "tool_number": 1},
                {"machine_id": "m", "tool_number": 2, "instance_id": unknown},
            ]
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["success_count"] == 1
    assert [(e["index"], e["id"]) for e in body["errors"]] == [(1, None), (2, None)]
    logs = (await api.client.get(f"{V1}/audit-logs", params={"result": "error"})).json()["logs"]
    assert sorted(entry["entity_id"] for entry in logs) == ["unknown", "unknown"]
