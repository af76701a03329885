"""Backup and restore through GraphQL: exact round trips, who may do what, bad documents,
atomicity and a truthful change feed (on SQLite and PostgreSQL)."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from smooth_gql.backup.entity_lists import ENTITY_LISTS
from smooth_gql.backup.restore import Restore
from support.auth import AuthApi, Creds
from support.backup import CREATE_ITEMS, DELETE_ITEMS, Shop, dump
from support.shop_image import SHOP_FIXTURES

# Each test that asks for `shop` gets its own copy of a shop built once per module and backend.
engine, shop, shop_copied, shop_copy, shop_images = SHOP_FIXTURES

EXPORT = "query($s: BackupScope!) { exportBackup(scope: $s) }"
IMPORT = """mutation($d: JSON!) { importBackup(document: $d) {
  success restoredCount removedCount backupType changeLogPosition } }"""
CHANGES = "query($after: String) { changesSince(after: $after, first: 1000) { endCursor changes { operation entityId version } } }"
ME = "{ me { id email } }"
HISTORY = ("sessions", "change_log", "change_log_floor", "audit_log")  # compared on their own terms below


async def state(auth: AuthApi) -> dict[str, Any]:
    """Everything stored, less what merely using credentials moves (sessions, a key's last use)."""
    tables = await dump(auth.api.engine, skip=("sessions",))
    tables["api_keys"] = [{**k, "last_used_at": None} for k in tables["api_keys"]]
    return tables


async def export(auth: AuthApi, creds: Creds, scope: str = "USER") -> dict[str, Any]:
    return (await auth.ok(EXPORT, {"s": scope}, creds))["exportBackup"]  # type: ignore[no-any-return]


async def restore(auth: AuthApi, creds: Creds, document: Any) -> dict[str, Any]:
    return (await auth.ok(IMPORT, {"d": document}, creds))["importBackup"]  # type: ignore[no-any-return]


async def test_a_full_backup_restores_every_table_exactly(auth: AuthApi, shop: Shop) -> None:
    before = await dump(auth.api.engine, skip=HISTORY)
    audit_before = (await dump(auth.api.engine))["audit_log"]
    document = await export(auth, shop.admin, "ALL")
    assert document["metadata"]["backup_type"] == "admin"
    assert list(document["entities"])[:8] == [
        "users",
        "tool_items",
        "tool_assemblies",
        "tool_instances",
        "tool_presets",
        "tool_usage",
        "tool_sets",
        "api_keys",
    ]
    assert document["metadata"]["counts"] == {k: len(v) for k, v in document["entities"].items()}
    # Later edits, deletes, new rows and a new account: all undone by the restore.
    await auth.ok(DELETE_ITEMS, {"i": [{"id": shop.user_items[2]}]}, shop.user)
    await auth.ok(CREATE_ITEMS, {"i": [{"name": "later", "category": "OTHER"}]}, shop.admin)
    await auth.create_user(shop.admin, "later@example.com")

    result = await restore(auth, shop.admin, json.loads(json.dumps(document)))

    assert result["success"] and result["backupType"] == "admin"
    assert result["restoredCount"] == sum(document["metadata"]["counts"].values())
    assert result["removedCount"] == 1  # the item created after the backup
    assert await dump(auth.api.engine, skip=HISTORY) == before
    audit_after = (await dump(auth.api.engine))["audit_log"]
    restores = [a for a in audit_after if a["operation"] == "RESTORE"]
    assert [a for a in audit_after if a["operation"] != "RESTORE"] == audit_before
    assert len(restores) == 1 and restores[0]["user_id"] == shop.admin_id
    # The admin's session survived (the account is in the document); the later account is gone.
    assert (await auth.ok(ME, creds=shop.admin))["me"]["id"] == shop.admin_id
    assert (await auth.login("user@example.com")).session


async def test_a_user_backup_holds_only_the_callers_rows_and_no_hashes(auth: AuthApi, shop: Shop) -> None:
    document = await export(auth, shop.user)
    meta, entities = document["metadata"], document["entities"]
    assert meta["backup_type"] == "user" and meta["user_id"] == shop.user_id
    assert meta["version"].split(".")[0] == "0" and meta["timestamp"].endswith("+00:00")
    assert meta["counts"] == {k: len(v) for k, v in entities.items()}
    assert (
        entities["users"] == [{k: v for k, v in entities["users"][0].items() if k != "password_hash"}]
        and entities["users"][0]["email"] == "user@example.com"
    )
    assert entities["api_keys"] == [] and entities["audit_log"] == []
    assert all(row["user_id"] == shop.user_id for row in entities["tool_items"])
    text = json.dumps(document)
    assert shop.admin_id not in text and "admin@example.com" not in text
    assert "password_hash" not in text and "secret_hash" not in text
    # The legacy wire shape, as GET /api/v1/tool-items shows it, plus the model's own columns.
    legacy = next(r for r in entities["tool_items"] if r["type"] == "probe-ish")
    assert {"product_code", "iso_13399_reference", "name", "tool_type", "tags"} <= set(legacy)


async def test_a_user_restore_replaces_only_the_importers_rows(auth: AuthApi, shop: Shop) -> None:
    document = await export(auth, shop.user)
    before = await _without_component_ids(auth)
    await auth.ok(DELETE_ITEMS, {"i": [{"id": shop.user_items[2]}]}, shop.user)
    await auth.ok(CREATE_ITEMS, {"i": [{"name": "later", "category": "OTHER"}]}, shop.user)
    # Rows that claim another owner are planted nowhere but in the importer's account.
    planted = copy.deepcopy(document)
    for row in planted["entities"]["tool_items"]:
        row["user_id"] = shop.admin_id
    planted["metadata"]["user_id"] = shop.admin_id

    result = await restore(auth, shop.user, planted)

    assert result["backupType"] == "user" and result["removedCount"] == 1
    # Every row as it was at the backup (components' surrogate keys are renumbered by a user restore).
    assert await _without_component_ids(auth) == before
    assert (await auth.ok(ME, creds=shop.user))["me"]["id"] == shop.user_id  # session survives
    again = (await export(auth, shop.user))["entities"]
    for entities in (again, document["entities"]):
        entities["assembly_components"] = sorted(
            ({**c, "id": 0} for c in entities["assembly_components"]), key=repr
        )
    assert again == document["entities"]


async def _without_component_ids(auth: AuthApi) -> dict[str, Any]:
    tables = await dump(auth.api.engine, skip=HISTORY)
    tables["assembly_components"] = sorted(
        ({k: v for k, v in c.items() if k != "id"} for c in tables["assembly_components"]), key=repr
    )
    return tables


@pytest.mark.parametrize(
    ("who", "scope", "code"),
    [
        ("nobody", "USER", "UNAUTHENTICATED"),
        ("user", "ALL", "FORBIDDEN"),
        ("read key", "USER", "FORBIDDEN"),
        ("admin's backup key", "ALL", "FORBIDDEN"),  # keys act for their owner only, even an admin's
        ("tagged key", "USER", "FORBIDDEN"),  # a backup cannot be narrowed to tags
    ],
)
async def test_who_may_export(auth: AuthApi, shop: Shop, who: str, scope: str, code: str) -> None:
    creds = await _creds(auth, shop, who)
    error = await auth.error(EXPORT, {"s": scope}, creds)
    assert error["extensions"]["code"] == code, error


async def test_a_key_with_admin_backup_takes_its_owners_backup(auth: AuthApi, shop: Shop) -> None:
    creds = await _creds(auth, shop, "backup key")
    document = await export(auth, creds)
    assert document["metadata"]["user_id"] == shop.user_id
    assert (await restore(auth, creds, document))["backupType"] == "user"


async def _creds(auth: AuthApi, shop: Shop, who: str) -> Creds:
    if who == "nobody":
        return Creds()
    if who == "user":
        return shop.user
    scopes = ["read", "admin:backup"] if who != "read key" else ["read", "write:*"]
    tags = ["u"] if who == "tagged key" else None
    owner = shop.admin if who.startswith("admin") else shop.user
    _, creds = await auth.key(owner, scopes, tags=tags)
    return creds


@pytest.mark.parametrize("who", ["nobody", "user", "read key"])
async def test_imports_without_authority_change_nothing(auth: AuthApi, shop: Shop, who: str) -> None:
    full = await export(auth, shop.admin, "ALL")
    full["entities"]["tool_items"] = []
    creds = await _creds(auth, shop, who)
    before = await state(auth)
    error = await auth.error(IMPORT, {"d": full}, creds)
    assert error["extensions"]["code"] == ("UNAUTHENTICATED" if who == "nobody" else "FORBIDDEN")
    assert await state(auth) == before


def _break(path: str, value: Any) -> Any:
    def apply(document: dict[str, Any]) -> Any:
        if path == "":
            return value
        *parents, last = path.split("/")
        node: Any = document
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if value is _DELETE:
            del node[last]
        elif isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value
        return document

    return apply


_DELETE = object()
BAD_DOCUMENTS = [
    ("a bare list", _break("", []), "Validation error: Backup missing required keys: metadata, entities"),
    ("no entities", _break("entities", _DELETE), "Validation error: Backup missing required keys"),
    ("no version", _break("metadata/version", ""), "Validation error: Backup missing version in metadata"),
    (
        "numeric version",
        _break("metadata/version", 1),
        "Validation error: metadata.version: expected a string",
    ),
    ("major 1", _break("metadata/version", "1.0.0"), "Version error: Incompatible backup version: 1.0.0"),
    (
        "newer schema",
        _break("metadata/schema_revision", "9999_future"),
        "Version error: the backup was written at schema revision '9999_future'",
    ),
    (
        "list not a list",
        _break("entities/tool_items", {}),
        "Validation error: entities.tool_items: expected a list",
    ),
    (
        "unknown column",
        _break("entities/tool_items/0/colour", "red"),
        "Validation error: Restore failed: 'colour' is an invalid keyword argument for ToolItem (tool_items[0])",
    ),
    (
        "wrong type",
        _break("entities/tool_presets/0/tool_number", "seven"),
        "Validation error: Restore failed: tool_presets[0].tool_number: expected a whole number",
    ),
    (
        "bad id",
        _break("entities/tool_items/0/id", "nope"),
        "Validation error: Restore failed: tool_items[0].id: 'nope' is not a valid id (UUID)",
    ),
    (
        "bad time",
        _break("entities/tool_usage/0/start_time", "yesterday"),
        "Validation error: Restore failed: tool_usage[0].start_time: 'yesterday' is not an ISO 8601 date-time",
    ),
    (
        "missing required",
        _break("entities/tool_presets/0/machine_id", None),
        "Validation error: Entity tool_presets missing required fields: ['machine_id'] (tool_presets[0])",
    ),
    (
        "row not an object",
        _break("entities/tool_sets/0", "set"),
        "Validation error: Restore failed: tool_sets[0]: expected an object",
    ),
    (
        "dangling reference",
        _break("entities/tool_instances/0/assembly_id", "00000000-0000-4000-8000-0000000000aa"),
        "Validation error: Restore failed: tool_instances[0].assembly_id: '00000000-0000-4000-8000-0000000000aa' is not the id of a row in tool_assemblies",
    ),
    (
        "bad join row",
        _break("entities/assembly_components/0/role", 7),
        "Validation error: Restore failed: assembly_components[0].role: expected a string",
    ),
]


@pytest.mark.parametrize(("name", "spoil", "message"), BAD_DOCUMENTS, ids=[b[0] for b in BAD_DOCUMENTS])
async def test_a_bad_document_is_refused_by_name_and_changes_nothing(
    auth: AuthApi, shop: Shop, name: str, spoil: Any, message: str
) -> None:
    document = spoil(await export(auth, shop.user))
    before = await state(auth)
    error = await auth.error(IMPORT, {"d": document}, shop.user)
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["message"].startswith(message), error["message"]
    assert await state(auth) == before


async def test_duplicate_ids_are_named(auth: AuthApi, shop: Shop) -> None:
    document = await export(auth, shop.admin, "ALL")
    items = document["entities"]["tool_items"]
    items.append(dict(items[0], product_code="copy"))
    error = await auth.error(IMPORT, {"d": document}, shop.admin)
    assert error["message"].startswith(
        f"Validation error: Restore failed: tool_items[{len(items) - 1}]: duplicate id: the same as tool_items[0]"
    )


async def test_a_user_document_may_not_take_another_accounts_ids(auth: AuthApi, shop: Shop) -> None:
    admin_items = (await export(auth, shop.admin))["entities"]["tool_items"]
    document = await export(auth, shop.user)
    document["entities"]["tool_items"].append(dict(admin_items[0], parent_tool_id=None))
    before = await state(auth)
    error = await auth.error(IMPORT, {"d": document}, shop.user)
    assert "is the id of another account's row" in error["message"]
    assert await state(auth) == before


async def test_a_restore_failing_at_its_last_step_leaves_the_database_as_it_was(
    auth: AuthApi, shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    full = await export(auth, shop.admin, "ALL")
    full["entities"]["tool_items"] = full["entities"]["tool_items"][:1]
    for key in (
        "tool_assemblies",
        "tool_instances",
        "tool_presets",
        "tool_usage",
        "tool_sets",
        "assembly_components",
        "tool_set_instances",
        "tool_set_presets",
        "tool_set_versions",
    ):
        full["entities"][key] = []
    full["entities"]["tool_items"][0]["parent_tool_id"] = None
    before = await state(auth)

    async def fail(self: Any, restored: int, removed: int) -> None:
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(Restore, "_audit", fail)
    error = await auth.error(IMPORT, {"d": full}, shop.admin)
    assert error["extensions"]["code"] == "INTERNAL"
    assert await state(auth) == before


async def test_a_follower_of_the_feed_sees_what_a_user_restore_changed(auth: AuthApi, shop: Shop) -> None:
    document = await export(auth, shop.user)
    [later] = (await auth.ok(CREATE_ITEMS, {"i": [{"name": "later", "category": "OTHER"}]}, shop.user))["r"][
        "results"
    ]
    cursor = (await auth.ok(CHANGES, {"after": None}, shop.user))["changesSince"]["endCursor"]
    await restore(auth, shop.user, document)
    page = (await auth.ok(CHANGES, {"after": cursor}, shop.user))["changesSince"]
    seen = {(c["operation"], c["entityId"]) for c in page["changes"]}
    assert ("DELETED", later["id"]) in seen
    restored = {r["id"] for key in ("tool_items", "tool_sets") for r in document["entities"][key]}
    assert restored <= {entity for op, entity in seen if op == "UPDATED"}


async def test_a_legacy_sync_client_sees_what_a_restore_wrote(auth: AuthApi, shop: Shop) -> None:
    """The REST since-version sync reads rows by their change_seq: a restore restamps them."""
    since = "/api/v1/changes/tool_items/since-version"
    document = await export(auth, shop.user)
    cursor = (await call(auth, shop.user, since, since_version=0))["max_version"]
    [later] = (await auth.ok(CREATE_ITEMS, {"i": [{"name": "later", "category": "OTHER"}]}, shop.user))["r"][
        "results"
    ]
    await restore(auth, shop.user, document)
    body = await call(auth, shop.user, since, since_version=cursor, include_deleted="true")
    rows = {c["id"] for c in body["changes"] if not c.get("deleted")}
    assert rows == {r["id"] for r in document["entities"]["tool_items"]}
    assert [c["id"] for c in body["changes"] if c.get("deleted")] == [later["id"]]
    stale = await auth.api.scalar(
        "SELECT count(*) FROM tool_items t WHERE t.change_seq IS NULL OR t.change_seq <> "
        "(SELECT max(c.seq) FROM change_log c WHERE c.entity_id = t.id)"
    )
    assert stale == 0


async def call(auth: AuthApi, creds: Creds, path: str, **params: Any) -> dict[str, Any]:
    try:
        response = await auth.client.get(path, params=params, headers=creds.as_headers())
    finally:
        auth.client.cookies.clear()
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def test_after_a_full_restore_older_cursors_expire_and_the_sequence_moves_on(
    auth: AuthApi, shop: Shop
) -> None:
    old = (await auth.ok(CHANGES, {"after": None}, shop.admin))["changesSince"]
    document = await export(auth, shop.admin, "ALL")
    await auth.ok(CREATE_ITEMS, {"i": [{"name": "later", "category": "OTHER"}]}, shop.admin)
    head = (await auth.ok(CHANGES, {"after": old["endCursor"]}, shop.admin))["changesSince"]["endCursor"]
    result = await restore(auth, shop.admin, document)

    error = await auth.error(CHANGES, {"after": old["endCursor"]}, shop.admin)
    assert error["extensions"]["code"] == "CURSOR_EXPIRED"
    page = (await auth.ok(CHANGES, {"after": head}, shop.admin))["changesSince"]
    assert sum(c["operation"] == "DELETED" for c in page["changes"]) == 1
    assert len(page["changes"]) == 1 + sum(
        len(document["entities"][k])
        for k in (
            "tool_items",
            "tool_assemblies",
            "tool_instances",
            "tool_presets",
            "tool_usage",
            "tool_sets",
        )
    )
    # New writes continue after the restore's changes, never below a number already handed out.
    await auth.ok(CREATE_ITEMS, {"i": [{"name": "after", "category": "OTHER"}]}, shop.admin)
    seq = await auth.api.scalar("SELECT max(seq) FROM change_log")
    assert seq == result["changeLogPosition"] + 1


async def test_a_full_restore_without_tool_rows_still_expires_older_cursors(auth: AuthApi) -> None:
    """Neither the database nor the document has a tool row, so the restore writes no change
    row; it still empties the log, and a cursor from before it may have missed a change."""
    await auth.register("admin@example.com")
    admin = await auth.login("admin@example.com")
    await auth.create_user(admin, "user@example.com")
    user = await auth.login("user@example.com")
    [made] = (await auth.ok(CREATE_ITEMS, {"i": [{"name": "gone", "category": "OTHER"}]}, admin))["r"][
        "results"
    ]
    lagging = (await auth.ok(CHANGES, {"after": None}, admin))["changesSince"]["endCursor"]
    since = "/api/v1/changes/tool_items/since-version"
    legacy = (await call(auth, admin, since, since_version=0))["max_version"]
    await auth.ok(DELETE_ITEMS, {"i": [{"id": made["id"]}]}, admin)
    caught_up = (await auth.ok(CHANGES, {"after": lagging}, admin))["changesSince"]["endCursor"]
    document = await export(auth, admin, "ALL")
    assert all(not document["entities"][el.key] for el in ENTITY_LISTS)

    await restore(auth, admin, document)

    assert await auth.api.scalar("SELECT count(*) FROM change_log") == 0
    # The lagging client saw the item made, not deleted: it must resynchronize.
    error = await auth.error(CHANGES, {"after": lagging}, admin)
    assert error["extensions"]["code"] == "CURSOR_EXPIRED"
    # So must a legacy client asking for the deletions since its version (contract §8).
    refused = await auth.client.get(
        since, params={"since_version": legacy, "include_deleted": "true"}, headers=admin.as_headers()
    )
    auth.client.cookies.clear()
    assert refused.status_code == 410, refused.text
    # The client that had seen everything goes on, and so does one starting now.
    assert (await auth.ok(CHANGES, {"after": caught_up}, admin))["changesSince"]["changes"] == []
    fresh = (await auth.ok(CHANGES, {"after": None}, admin))["changesSince"]["endCursor"]
    await auth.ok(CREATE_ITEMS, {"i": [{"name": "after", "category": "OTHER"}]}, admin)
    [change] = (await auth.ok(CHANGES, {"after": fresh}, admin))["changesSince"]["changes"]
    assert change["operation"] == "CREATED"
    # A tenant with nothing to see is handed a cursor it can go on from.
    start = (await auth.ok(CHANGES, {"after": None}, user))["changesSince"]["endCursor"]
    assert (await auth.ok(CHANGES, {"after": start}, user))["changesSince"]["changes"] == []
