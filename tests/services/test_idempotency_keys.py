"""Idempotency keys on the bulk mutations, the tool-set restore and the REST writes (issue 15):
a repeat returns the first result without writing, a reused key with another request is
refused, bad keys are refused before any SQL, keys are per caller.

On SQLite and PostgreSQL (conftest BACKENDS).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.dialects import sqlite

from conftest import Api, StatementCounter
from smooth_gql.auth.principal import LOCAL_ADMIN_ID
from smooth_gql.services import idempotency
from support.auth import AuthApi
from support.bulk import audit_rows, change_rows, db_state, mutation, new_id, post, seed, valid_input

# Budgets off: a repeat must answer exactly as the first time, and with budgets on each call
# lowers extensions.cost.remaining (tests/accounts/test_rate_limits.py covers budgets).
pytestmark = pytest.mark.settings(points_per_minute=0, requests_per_second=0)

# The test needs what only PostgreSQL has; its SQLite twin would have nothing to show.
POSTGRES_ONLY = pytest.mark.parametrize(
    "database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)

KEYED = {
    op: mutation(op, "ToolItem")
    .replace("$atomic: Boolean!)", "$atomic: Boolean!, $key: String)")
    .replace("atomic: $atomic)", "atomic: $atomic, idempotencyKey: $key)")
    for op in ("create", "update", "delete")
}


HOUR = timedelta(hours=1)


async def keyed(
    api: Api, op: str, inputs: list[dict[str, Any]], key: str, atomic: bool = False
) -> dict[str, Any]:
    return await post(api, KEYED[op], {"input": inputs, "atomic": atomic, "key": key})


async def key_rows(api: Api) -> int:
    return int(await api.scalar("SELECT count(*) FROM idempotency_keys"))


async def test_a_repeated_create_returns_the_first_result_and_writes_once(api: Api) -> None:
    row_id = new_id()
    inputs = [valid_input("ToolItem", id=row_id), {"name": ""}]  # one success, one item error
    first = await keyed(api, "create", inputs, "bridge-1/create-7")
    assert first["data"]["result"]["successCount"] == 1
    assert first["data"]["result"]["errorCount"] == 1
    before = await db_state(api)
    again = await keyed(api, "create", inputs, "bridge-1/create-7")
    assert again == first  # same ids, versions, times and errors
    assert (await db_state(api)).rows == before.rows  # nothing written, not even audit rows
    assert await audit_rows(api, row_id) == [("CREATE", "success", None)]
    assert await change_rows(api, row_id) == [("ToolItem", "CREATED", 1)]


async def test_a_repeated_update_and_delete_answer_as_the_first_time(api: Api) -> None:
    [row_id] = await seed(api, "ToolItem")
    update = [{"id": row_id, "expectedVersion": 1, "description": "reground"}]
    first = await keyed(api, "update", update, "u")
    assert first["data"]["result"]["results"][0]["version"] == 2
    assert await keyed(api, "update", update, "u") == first
    conflict = [{"id": row_id, "expectedVersion": 1, "description": "stale"}]
    refused = await keyed(api, "update", conflict, "u2")
    assert refused["data"]["result"]["errors"][0]["code"] == "VERSION_CONFLICT"
    assert await keyed(api, "update", conflict, "u2") == refused  # the conflict's current row too
    gone = await keyed(api, "delete", [{"id": row_id}], "d")
    assert gone["data"]["result"]["successCount"] == 1
    assert await keyed(api, "delete", [{"id": row_id}], "d") == gone
    assert [op for _, op, _ in await change_rows(api, row_id)] == ["CREATED", "UPDATED", "DELETED"]


async def test_the_same_key_with_another_request_is_refused_and_writes_nothing(api: Api) -> None:
    await keyed(api, "create", [valid_input("ToolItem")], "k")
    before = await db_state(api)
    body = await keyed(api, "create", [valid_input("ToolItem")], "k")
    assert body["data"] is None
    [error] = body["errors"]
    assert error["extensions"] == {"code": "IDEMPOTENCY_KEY_REUSED", "field": "idempotencyKey"}
    assert "different request" in error["message"]
    after = await db_state(api)
    assert after.rows == before.rows


async def test_an_atomic_batch_that_failed_keeps_no_key_so_its_retry_writes(api: Api) -> None:
    [row_id] = await seed(api, "ToolItem")
    stale = [{"id": row_id, "expectedVersion": 7, "description": "x"}]
    body = await keyed(api, "update", stale, "atomic-1", atomic=True)
    assert body["data"]["result"]["errors"][0]["code"] == "VERSION_CONFLICT"
    assert await key_rows(api) == 0
    fixed = [{"id": row_id, "expectedVersion": 1, "description": "x"}]
    assert (await keyed(api, "update", fixed, "atomic-2", atomic=True))["data"]["result"]["successCount"] == 1
    assert await key_rows(api) == 1


async def test_an_expired_key_is_forgotten(api: Api) -> None:
    inputs = [valid_input("ToolItem")]
    await keyed(api, "create", inputs, "old")
    async with api.engine.begin() as conn:
        await conn.execute(text("UPDATE idempotency_keys SET expires_at = created_at"))
    body = await keyed(api, "create", inputs, "old")  # a new write, with a new server-made id
    assert body["data"]["result"]["successCount"] == 1
    assert await api.scalar("SELECT count(*) FROM tool_items") == 2
    assert await key_rows(api) == 1


async def test_a_claim_drops_only_its_callers_expired_keys(api: Api) -> None:
    now = datetime.now(UTC)
    stored = {"request_digest": "x", "state": "done", "outcome": {"results": [], "errors": []}}
    rows = [
        {"principal_kind": "user", "principal_id": LOCAL_ADMIN_ID, "key": "old", "expires_at": now - HOUR},
        {"principal_kind": "user", "principal_id": LOCAL_ADMIN_ID, "key": "live", "expires_at": now + HOUR},
        {"principal_kind": "api_key", "principal_id": LOCAL_ADMIN_ID, "key": "old", "expires_at": now - HOUR},
    ]
    async with api.engine.begin() as conn:
        await conn.execute(
            insert(idempotency.KEYS), [{**stored, **row, "created_at": now - 2 * HOUR} for row in rows]
        )
    await keyed(api, "create", [valid_input("ToolItem")], "new")
    async with api.engine.connect() as conn:
        left = await conn.execute(select(idempotency.KEYS.c.principal_kind, idempotency.KEYS.c.key))
        assert sorted(tuple(row) for row in left) == [("api_key", "old"), ("user", "live"), ("user", "new")]


@pytest.mark.parametrize(
    "database_url", ["sqlite"], indirect=True
)  # PostgreSQL keeps the outcome aside (TOAST)
async def test_the_callers_expired_keys_are_found_by_an_index_not_through_their_rows(api: Api) -> None:
    """On SQLite, reading a key row's expires_at walks the overflow pages of the outcome stored
    before it, so a DELETE through the primary key cost every claim a read of each live key's
    outcome (0.6 ms a key at least: a day of a bridge's keys made each write seconds slower)."""
    statement = idempotency.expired_keys(("user", LOCAL_ADMIN_ID), datetime.now(UTC))
    compiled = statement.compile(dialect=sqlite.dialect())
    params = tuple(str(compiled.params[name]) for name in compiled.positiontup or ())
    async with api.engine.connect() as conn:
        plan = (await conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", params)).all()
    [(*_, detail)] = plan
    assert "INDEX ix_idempotency_keys_caller (principal_kind=? AND principal_id=? AND expires_at<?)" in detail


@pytest.mark.parametrize(
    ("key", "problem"),
    [
        ("", "must not be empty"),
        ("k" * 256, "must be at most 255 characters, got 256"),
        ("tab\there", "must be printable ASCII characters only"),
        ("clé", "must be printable ASCII characters only"),
    ],
)
async def test_a_bad_key_is_refused_naming_the_field_before_any_sql(api: Api, key: str, problem: str) -> None:
    counter = StatementCounter(api.engine)
    body = await keyed(api, "create", [valid_input("ToolItem")], key)
    assert counter.count == 0, counter.statements
    [error] = body["errors"]
    assert error["message"] == f"idempotencyKey: {problem}"
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "idempotencyKey"}


async def test_a_key_of_255_printable_characters_is_taken(api: Api) -> None:
    key = "".join(chr(32 + i % 95) for i in range(255))
    body = await keyed(api, "create", [valid_input("ToolItem")], key)
    assert body["data"]["result"]["successCount"] == 1


RESTORE = """mutation($id: ID!, $v: Int!, $key: String) {
  restoreToolSetVersion(toolSetId: $id, version: $v, idempotencyKey: $key) { id version name }
}"""


async def test_a_repeated_restore_restores_once(api: Api) -> None:
    [set_id] = await seed(api, "ToolSet")
    await keyed_set_update(api, set_id)
    first = await post(api, RESTORE, {"id": set_id, "v": 1, "key": "r"})
    assert first["data"]["restoreToolSetVersion"]["version"] == 3
    assert await post(api, RESTORE, {"id": set_id, "v": 1, "key": "r"}) == first
    assert [v for _, _, v in await change_rows(api, set_id)] == [1, 2, 3]


async def keyed_set_update(api: Api, set_id: str) -> None:
    query = mutation("update", "ToolSet")
    body = await post(
        api, query, {"input": [{"id": set_id, "expectedVersion": 1, "name": "renamed"}], "atomic": False}
    )
    assert body["data"]["result"]["successCount"] == 1


# --- REST ---------------------------------------------------------------------------

ITEMS = "/api/v1/tool-items"


async def test_rest_writes_take_the_header(api: Api) -> None:
    body = {"items": [{"description": "drill", "type": "cutting_tool"}]}
    first = await api.client.post(ITEMS, json=body, headers={"Idempotency-Key": "rest-1"})
    assert first.status_code == 200
    again = await api.client.post(ITEMS, json=body, headers={"Idempotency-Key": "rest-1"})
    assert again.status_code == 200 and again.json() == first.json()
    [row] = first.json()["results"]
    assert await audit_rows(api, row["id"]) == [("CREATE", "success", None)]
    update = {"items": [{"id": row["id"], "version": 1, "description": "x"}]}
    for _ in range(2):
        response = await api.client.put(ITEMS, json=update, headers={"Idempotency-Key": "rest-2"})
        assert response.json()["results"][0]["version"] == 2
    for _ in range(2):
        response = await api.client.request(
            "DELETE", ITEMS, json={"ids": [row["id"]]}, headers={"Idempotency-Key": "rest-3"}
        )
        assert response.json()["success_count"] == 1
    assert [op for _, op, _ in await change_rows(api, row["id"])] == ["CREATED", "UPDATED", "DELETED"]


async def test_rest_refuses_a_reused_key_422_and_a_bad_one_400(api: Api) -> None:
    await api.client.post(
        ITEMS,
        json={"items": [{"description": "a", "type": "cutting_tool"}]},
        headers={"Idempotency-Key": "k"},
    )
    reused = await api.client.post(
        ITEMS,
        json={"items": [{"description": "b", "type": "cutting_tool"}]},
        headers={"Idempotency-Key": "k"},
    )
    assert reused.status_code == 422
    assert reused.json() == {
        "detail": "Idempotency-Key: this key was used with a different request; send a new key for a new request"
    }
    counter = StatementCounter(api.engine)
    bad = await api.client.post(
        ITEMS,
        json={"items": [{"description": "c", "type": "cutting_tool"}]},
        headers={"Idempotency-Key": "x" * 300},
    )
    assert counter.count == 0, counter.statements
    assert bad.status_code == 400
    assert bad.json() == {"detail": "Idempotency-Key: must be at most 255 characters, got 300"}


async def test_rest_restore_takes_the_header(api: Api) -> None:
    [set_id] = await seed(api, "ToolSet")
    await keyed_set_update(api, set_id)
    url = f"/api/v1/tool-sets/{set_id}/restore/1"
    first = await api.client.post(url, headers={"Idempotency-Key": "r"})
    again = await api.client.post(url, headers={"Idempotency-Key": "r"})
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert first.json()["current_version"] == 3


# --- callers --------------------------------------------------------------------------

CREATE = KEYED["create"]


async def test_keys_are_per_caller(auth: AuthApi) -> None:
    await auth.register("first@example.com")
    admin = await auth.login("first@example.com")
    await auth.create_user(admin, "other@example.com")
    other = await auth.login("other@example.com")
    _, key_creds = await auth.key(admin, ["read", "write:items"])
    variables = {"input": [{"name": "same", "category": "HOLDER"}], "atomic": False, "key": "shared"}
    results: list[str] = []
    for creds in (admin, other, key_creds):
        data = await auth.ok(CREATE, variables, creds)
        results.append(data["result"]["results"][0]["id"])
    assert len(set(results)) == 3  # three callers, three writes
    again = await auth.ok(CREATE, variables, await auth.login("first@example.com"))  # a new session
    assert again["result"]["results"][0]["id"] == results[0]
    assert await auth.api.scalar("SELECT count(*) FROM tool_items") == 3


async def test_a_caller_without_the_scope_is_refused_before_the_key(auth: AuthApi) -> None:
    await auth.register("first@example.com")
    admin = await auth.login("first@example.com")
    _, reader = await auth.key(admin, ["read"])
    variables = {"input": [{"name": "x", "category": "HOLDER"}], "atomic": False, "key": "k"}
    error = await auth.error(CREATE, variables, reader)
    assert error["extensions"]["code"] == "FORBIDDEN"
    assert await auth.api.scalar("SELECT count(*) FROM idempotency_keys") == 0


# --- a key held by a transaction still running (PostgreSQL: the claim waits on it) ------

HELD = """INSERT INTO idempotency_keys (principal_kind, principal_id, key, request_digest, state, created_at, expires_at)
VALUES ('user', :owner, 'held', 'x', 'in_progress', now(), now() + interval '1 hour')"""


@POSTGRES_ONLY  # SQLite serializes writers: no second transaction can hold a key meanwhile
async def test_a_key_still_held_past_the_wait_is_in_progress_and_free_after_a_rollback(
    api: Api, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(idempotency, "WAIT", "300ms")
    inputs = [valid_input("ToolItem")]
    async with api.engine.connect() as holder:
        await holder.execute(text(HELD), {"owner": LOCAL_ADMIN_ID})  # begun, never committed
        body = await keyed(api, "create", inputs, "held")
        [error] = body["errors"]
        assert error["extensions"] == {"code": "IDEMPOTENCY_IN_PROGRESS", "field": "idempotencyKey"}
        rest = await api.client.post(
            ITEMS, json={"items": [{"type": "cutting_tool"}]}, headers={"Idempotency-Key": "held"}
        )
        assert rest.status_code == 409
        assert rest.json() == {
            "detail": "Idempotency-Key: the first request with this key is still running; retry later"
        }
        await holder.rollback()  # the first request failed: its key is gone with it
    assert (await keyed(api, "create", inputs, "held"))["data"]["result"]["successCount"] == 1


@POSTGRES_ONLY  # SQLite serializes writers: no second transaction can hold a key meanwhile
async def test_a_second_claim_waits_for_the_first_transaction_to_end(api: Api, database_url: str) -> None:
    """The first holder rolls back while the second waits on its key: the second then writes."""
    async with api.engine.connect() as holder:
        await holder.execute(text(HELD), {"owner": LOCAL_ADMIN_ID})
        second = asyncio.create_task(keyed(api, "create", [valid_input("ToolItem")], "held"))
        await asyncio.sleep(0.3)  # not a timing assertion: the claim waits whether or not it began yet
        assert not second.done()
        await holder.rollback()
    body = await second
    assert body["data"]["result"]["successCount"] == 1, body
