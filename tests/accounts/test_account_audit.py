"""Accounts and API keys are audited like data: who created, promoted, deactivated,
re-passworded, keyed or revoked whom, and never a secret or a hash.

Contract §0.1 item 7 asks for every write to be audited; §10.1 names key
operations among the writes the legacy server left unrecorded.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from smooth_gql.db import models
from support.auth import LOGIN, PASSWORD, AuthApi, Creds, auth_app

AUDIT = """
query($filter: AuditLogFilter) {
  auditLog(filter: $filter, first: 100) {
    edges { node { userId ownerId operation entityType entityId changes result errorMessage } }
  }
}"""


@pytest.fixture
async def auth(engine: AsyncEngine, database_url: str) -> AsyncIterator[AuthApi]:
    async with auth_app(engine, database_url) as api:
        yield api


async def _log(auth: AuthApi, creds: Creds, entity_type: str) -> list[dict[str, Any]]:
    """Oldest first, as the events happened."""
    data = await auth.ok(AUDIT, {"filter": {"entityType": entity_type}}, creds)
    return [edge["node"] for edge in reversed(data["auditLog"]["edges"])]


async def _audit_rows(auth: AuthApi) -> int:
    async with auth.api.engine.connect() as connection:
        return int((await connection.execute(select(func.count()).select_from(models.AuditLog))).scalar_one())


async def test_account_changes_are_audited_with_actor_and_before_after(auth: AuthApi) -> None:
    admin_id = (await auth.register("ann@shop.example"))["id"]
    ann = await auth.login("ann@shop.example")
    bob_id = await auth.create_user(ann, "bob@shop.example")
    await auth.ok("mutation($id: ID!) { updateUser(id: $id, isAdmin: true) { id } }", {"id": bob_id}, ann)
    await auth.ok("mutation($id: ID!) { updateUser(id: $id, isActive: false) { id } }", {"id": bob_id}, ann)
    await auth.ok(
        "mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) { id } }",
        {"c": PASSWORD, "n": "a much better passphrase"},
        ann,
    )

    events = [
        (e["userId"], e["operation"], e["entityId"], e["changes"], e["result"])
        for e in await _log(auth, ann, "User")
    ]
    after_create = {"email": "bob@shop.example", "is_admin": False, "is_active": True}
    assert events == [
        (
            admin_id,
            "CREATE",
            admin_id,
            {"after": {**after_create, "email": "ann@shop.example", "is_admin": True}},
            "success",
        ),
        (admin_id, "CREATE", bob_id, {"after": after_create}, "success"),
        (admin_id, "UPDATE", bob_id, {"before": {"is_admin": False}, "after": {"is_admin": True}}, "success"),
        (
            admin_id,
            "UPDATE",
            bob_id,
            {"before": {"is_active": True}, "after": {"is_active": False}},
            "success",
        ),
        (admin_id, "UPDATE", admin_id, {"after": {"password": "changed"}}, "success"),
    ]


async def test_key_creation_and_revocation_are_audited_without_the_secret(auth: AuthApi) -> None:
    await auth.register("ann@shop.example")
    ann = await auth.login("ann@shop.example")
    bob_id = await auth.create_user(ann, "bob@shop.example")
    bob = await auth.login("bob@shop.example")
    key_id, key = await auth.key(bob, ["read", "write:items"], tags=["mill-3"], name="bridge")
    # The admin revokes Bob's key: Bob sees who did it, as the record's owner.
    await auth.ok("mutation($id: ID!) { revokeApiKey(id: $id) { id } }", {"id": key_id}, ann)

    created, revoked = await _log(auth, bob, "ApiKey")
    assert (created["userId"], created["ownerId"], created["operation"], created["entityId"]) == (
        bob_id,
        bob_id,
        "CREATE",
        key_id,
    )
    shown = created["changes"]["after"]
    assert (
        shown["name"] == "bridge"
        and shown["scopes"] == ["read", "write:items"]
        and shown["tags"] == ["mill-3"]
    )
    assert revoked["operation"] == "UPDATE" and revoked["ownerId"] == bob_id and revoked["userId"] != bob_id
    assert revoked["changes"]["before"] == {"revoked_at": None} and revoked["changes"]["after"]["revoked_at"]
    assert key.key is not None
    secret_part = key.key.split("_", 2)[2]  # smk_<id>_<secret>; the secret may itself hold "_"
    assert secret_part not in json.dumps([created, revoked])


async def test_refused_account_operations_write_no_audit_record(auth: AuthApi) -> None:
    await auth.register("ann@shop.example")
    ann = await auth.login("ann@shop.example")
    before = await _audit_rows(auth)
    refused = [
        ('mutation { createUser(email: "ANN@shop.example", password: "long enough pw") { id } }', "email"),
        ('mutation { createUser(email: "x@shop.example", password: "short") { id } }', "password"),
        ('mutation { createApiKey(name: "k", scopes: ["nonsense"]) { secret } }', "scopes"),
        ('mutation { updateUser(id: "00000000-0000-4000-8000-00000000dead", isAdmin: true) { id } }', "id"),
    ]
    for mutation, field in refused:
        response = await auth.raw(mutation, creds=ann)
        assert response["errors"][0]["extensions"].get("field") == field, response
    assert await _audit_rows(auth) == before


async def test_logins_and_logouts_are_logged_without_naming_a_refused_account(
    auth: AuthApi, caplog: pytest.LogCaptureFixture
) -> None:
    user_id = (await auth.register("ann@shop.example"))["id"]
    caplog.set_level(logging.INFO, logger="smooth_gql.services.sessions")
    ann = await auth.login("ann@shop.example")
    await auth.error(LOGIN, {"email": "ann@shop.example", "password": "wrong password"})
    await auth.ok("mutation { logout }", creds=ann)
    lines = [
        record.getMessage() for record in caplog.records if record.name == "smooth_gql.services.sessions"
    ]
    assert lines == [
        f"login: user {user_id} from 192.0.2.10",
        "login refused from 192.0.2.10",
        f"logout: user {user_id}",
    ]
