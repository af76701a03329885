"""Every error a client can see, as the client sees it: one table through both doors.

Each row drives a real request (the ASGI app over HTTP, authentication on, SQLite
and PostgreSQL) and holds the exact client-visible answer: GraphQL's `message`,
`extensions.code` and `extensions.field` (or a bulk write's per-item
`code`/`message`/`field`), REST's status and `detail` (or the per-item
`{index, id, message}` of contract §5.7/§5.8). The words are a contract with
clients — legacy ones match on them — so rewording an error must show up here.

The world (people, keys, rows) is built once per module and database, and every
case runs against it: each one only reads or is refused, and each checks that it
left every table as the world had it (the audit log aside, which journals refused
writes and which no case reads; a failed login's throttle row is taken away
again). So each case answers as it would alone, in any order.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import delete, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from smooth_gql.db.models import Base, LoginFailure
from support.auth import AuthApi, Creds, auth_app
from support.rest import ITEMS, KEYS, LOGIN, ME, REGISTER, V1, call, rest_login

ADMIN = "admin@shop.example"
ALICE = "alice@shop.example"
UNKNOWN = "00000000-0000-4000-8000-00000000beef"
SETS = f"{V1}/tool-sets"
USAGE = f"{V1}/tool-usage"
PRESETS = f"{V1}/tool-presets"


@dataclass
class World:
    """The people, keys and rows the table's requests name (by `{placeholder}`), and the two
    apps over them: registration closed (`auth`) and open (`open_auth`)."""

    auth: AuthApi
    open_auth: AuthApi
    creds: dict[str, Creds] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)
    rows: dict[str, list[str]] = field(default_factory=dict)  # _rows() once the world is built


@dataclass(frozen=True)
class Gql:
    """A GraphQL request; seen: the first error (message, code, field), or the per-item
    errors of the bulk result when the request itself succeeded."""

    query: str
    variables: dict[str, Any] = field(default_factory=dict)
    creds: str = "admin"
    open_registration: bool = False


@dataclass(frozen=True)
class Rest:
    """A REST request; seen: (status, detail), or (200, per-item errors) for a bulk write."""

    method: str
    path: str
    json: Any = None
    creds: str = "admin"
    open_registration: bool = False


def _fill(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_fill(v, ids) for v in value)
    return value


async def _seen(world: World, request: Gql | Rest) -> Any:
    creds = world.creds[request.creds]
    app = world.open_auth if request.open_registration else world.auth
    if isinstance(request, Rest):
        answer = await call(
            app,
            request.method,
            _fill(request.path, world.ids),
            creds,
            json=_fill(request.json, world.ids),
        )
        body = answer.body
        if answer.status == 200 and isinstance(body, dict) and "errors" in body:
            return (200, body["errors"])
        return (answer.status, body["detail"] if isinstance(body, dict) else body)
    body = await app.raw(request.query, _fill(request.variables, world.ids), creds)
    if body.get("errors"):
        error = body["errors"][0]
        extensions = error.get("extensions", {})
        return (error["message"], extensions.get("code"), extensions.get("field"))
    [result] = body["data"].values()
    return [(e["code"], e["message"], e["field"]) for e in result["errors"]]


# Stamped on a key when it is used (once a minute at most): no case depends on it.
VOLATILE = frozenset({"last_used_at"})


async def _rows(engine: AsyncEngine) -> dict[str, list[str]]:
    """Every row of every table but the audit log and the budgets' windows (every request counts
    there on PostgreSQL), sorted: the world as the cases may see it."""
    rows: dict[str, list[str]] = {}
    async with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            if table.name not in ("audit_log", "rate_windows"):
                columns = [c for c in table.columns if c.name not in VOLATILE]
                rows[table.name] = sorted(repr(tuple(r)) for r in await conn.execute(select(*columns)))
    return rows


async def _left_behind(world: World) -> dict[str, dict[str, list[str]]]:
    """The rows a case added to or took from the world, by table (empty: none), after taking
    away the throttle rows of its failed logins, which would count against the next case's."""
    engine = world.auth.api.engine
    async with engine.begin() as conn:
        await conn.execute(delete(LoginFailure))
    changed: dict[str, dict[str, list[str]]] = {}
    for name, rows in (await _rows(engine)).items():
        added = [r for r in rows if r not in world.rows[name]]
        gone = [r for r in world.rows[name] if r not in rows]
        if added or gone:
            changed[name] = {"added": added, "gone": gone}
    return changed


@pytest.fixture(scope="module")
async def world(module_engine: AsyncEngine, module_database_url: str) -> AsyncIterator[World]:
    engine, url = module_engine, module_database_url
    async with (
        auth_app(engine, url, max_bulk_items=3) as auth,
        auth_app(engine, url, max_bulk_items=3, allow_registration=True) as open_auth,
    ):
        w = World(auth, open_auth)
        await auth.register(ADMIN)
        w.creds["nobody"] = Creds()
        w.creds["forged"] = Creds(key="smk_" + "0" * 32 + "_nonsense")
        w.creds["admin"] = admin = await rest_login(auth, ADMIN)
        w.ids["alice_id"] = await auth.create_user(admin, ALICE)
        w.creds["alice"] = await auth.login(ALICE)
        w.ids["reader_id"], w.creds["reader"] = await auth.key(admin, ["read"])
        _, w.creds["tagged"] = await auth.key(admin, ["read", "write:*"], tags=["t1"])
        _, w.creds["machine"] = await auth.key(admin, ["read", "write:*", "admin:backup"], machineId="m1")
        _, w.creds["manager"] = await auth.key(admin, ["read", "admin:users"], tags=["t1"])
        made = await call(auth, "POST", ITEMS, admin, json={"items": [{"type": "holder", "tags": ["t1"]}]})
        w.ids["item"] = made.body["results"][0]["id"]
        made = await call(
            auth, "POST", PRESETS, admin, json={"items": [{"machine_id": "m1", "tool_number": 1}]}
        )
        assert made.body["results"], made.body
        w.ids["preset"] = made.body["results"][0]["id"]
        made = await call(
            auth,
            "POST",
            SETS,
            admin,
            json={"items": [{"name": "s", "type": "template", "members": [{"preset_id": "p-1"}]}]},
        )
        w.ids["set"] = made.body["results"][0]["id"]
        kit = {"name": "kit", "components": [{"item_id": w.ids["item"], "role": "holder"}]}
        made = await call(auth, "POST", f"{V1}/tool-assemblies", admin, json={"items": [kit]})
        w.ids["kit"] = made.body["results"][0]["id"]
        async with engine.begin() as conn:  # the retention task, run on everything but the newest change
            await conn.execute(text("DELETE FROM change_log WHERE seq < (SELECT max(seq) FROM change_log)"))
        w.ids["admin_id"] = (await auth.ok("{ me { id } }", creds=admin))["me"]["id"]
        w.rows = await _rows(engine)
        yield w


CREATE_ITEMS = "mutation($input: [ToolItemCreateInput!]!) { createToolItems(input: $input) { errors { code message field } } }"
UPDATE_ITEMS = "mutation($input: [ToolItemUpdateInput!]!) { updateToolItems(input: $input) { errors { code message field } } }"
DELETE_ITEMS = (
    "mutation($input: [DeleteInput!]!) { deleteToolItems(input: $input) { errors { code message field } } }"
)
CREATE_USAGE = "mutation($input: [ToolUsageCreateInput!]!) { createToolUsages(input: $input) { errors { code message field } } }"
CREATE_PRESETS = "mutation($input: [ToolPresetCreateInput!]!) { createToolPresets(input: $input) { errors { code message field } } }"
DELETE_PRESETS = (
    "mutation($input: [DeleteInput!]!) { deleteToolPresets(input: $input) { errors { code message field } } }"
)
LOGIN_GQL = "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { id } }"
REGISTER_GQL = "mutation($e: String!, $p: String!) { register(email: $e, password: $p) { id } }"
CREATE_USER = "mutation($e: String!, $p: String!) { createUser(email: $e, password: $p) { id } }"
UPDATE_USER = "mutation($id: ID!, $a: Boolean) { updateUser(id: $id, isAdmin: $a) { id } }"
CHANGE_PASSWORD = (
    "mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) { id } }"
)
CREATE_KEY = (
    "mutation($n: String!, $s: [String!]!, $t: [String!], $m: String, $x: DateTime) "
    "{ createApiKey(name: $n, scopes: $s, tags: $t, machineId: $m, expiresAt: $x) { secret } }"
)
REVOKE_KEY = "mutation($id: ID!) { revokeApiKey(id: $id) { id } }"
ITEMS_LIST = "query($f: ToolItemFilter, $a: String) { toolItems(filter: $f, after: $a) { totalCount } }"
PASSWORD = "correct horse battery"
DEEP: Any = 1
for _ in range(70):
    DEEP = [DEEP]
WRONG = {"e": ADMIN, "p": "not the password"}

CASES: list[tuple[str, Gql | Rest, Any]] = [
    # --- authentication -------------------------------------------------------------------
    (
        "gql-anonymous",
        Gql("{ me { id } }", creds="nobody"),
        ("authentication required: log in or send an API key", "UNAUTHENTICATED", None),
    ),
    (
        "gql-forged-key",
        Gql("{ me { id } }", creds="forged"),
        ("authentication failed: unknown API key", "UNAUTHENTICATED", None),
    ),
    (
        "gql-login-failed",
        Gql(LOGIN_GQL, WRONG, creds="nobody"),
        ("invalid email or password", "UNAUTHENTICATED", None),
    ),
    ("rest-anonymous", Rest("GET", ITEMS, creds="nobody"), (401, "Authentication required")),
    ("rest-forged-key", Rest("GET", ITEMS, creds="forged"), (401, "Authentication required")),
    ("rest-me-anonymous", Rest("GET", ME, creds="nobody"), (401, "Not authenticated")),
    (
        "rest-login-failed",
        Rest("POST", LOGIN, {"email": ADMIN, "password": "nope"}, creds="nobody"),
        (401, "Invalid email or password"),
    ),
    (
        "rest-login-bad-email",
        Rest("POST", LOGIN, {"email": "nope", "password": "x"}, creds="nobody"),
        (
            422,
            [
                {
                    "type": "value_error",
                    "loc": ["body", "email"],
                    "msg": "Value error, email: not a valid e-mail address",
                    "input": "nope",
                    "ctx": {"error": {}},
                }
            ],
        ),
    ),
    # --- accounts ---------------------------------------------------------------------------
    (
        "gql-email-taken",
        Gql(CREATE_USER, {"e": ALICE, "p": PASSWORD}),
        ("email: already registered", "BAD_USER_INPUT", "email"),
    ),
    (
        "gql-email-invalid",
        Gql(CREATE_USER, {"e": "not an address", "p": PASSWORD}),
        ("email: not a valid e-mail address", "BAD_USER_INPUT", "email"),
    ),
    (
        "gql-password-short",
        Gql(CREATE_USER, {"e": "carol@shop.example", "p": "short"}),
        ("password: must be at least 10 characters long", "BAD_USER_INPUT", "password"),
    ),
    (
        "gql-registration-closed",
        Gql(REGISTER_GQL, {"e": "x@shop.example", "p": PASSWORD}, "nobody"),
        ("registration is closed: ask an admin to create your account", "FORBIDDEN", None),
    ),
    (
        "gql-not-admin",
        Gql(CREATE_USER, {"e": "x@shop.example", "p": PASSWORD}, "alice"),
        ("only admins may administer users", "FORBIDDEN", None),
    ),
    (
        "gql-admin-key",
        Gql(CREATE_USER, {"e": "x@shop.example", "p": PASSWORD}, "reader"),
        ("user administration needs an admin's session; API keys cannot administer users", "FORBIDDEN", None),
    ),
    (
        "gql-self-demote",
        Gql(UPDATE_USER, {"id": "{admin_id}", "a": False}),
        ("id: admins cannot demote or deactivate themselves", "BAD_USER_INPUT", "id"),
    ),
    (
        "gql-user-unknown",
        Gql(UPDATE_USER, {"id": UNKNOWN, "a": False}),
        ("id: no user with id 00000000-0000-4000-8000-00000000beef", "NOT_FOUND", "id"),
    ),
    (
        "gql-user-id-bad",
        Gql(UPDATE_USER, {"id": "nope", "a": False}),
        ("id: 'nope' is not a valid id (UUID)", "BAD_USER_INPUT", "id"),
    ),
    (
        "gql-password-mismatch",
        Gql(CHANGE_PASSWORD, {"c": "wrong one", "n": PASSWORD}),
        ("currentPassword: does not match", "BAD_USER_INPUT", "currentPassword"),
    ),
    (
        "gql-password-by-key",
        Gql(CHANGE_PASSWORD, {"c": PASSWORD, "n": PASSWORD}, "reader"),
        ("passwords are changed from a logged-in session, not with an API key", "FORBIDDEN", None),
    ),
    (
        "rest-email-taken",
        Rest("POST", REGISTER, {"email": ALICE, "password": PASSWORD}, "nobody", True),
        (400, "Email already registered"),
    ),
    (
        "rest-register-short-password",
        Rest("POST", REGISTER, {"email": "x@shop.example", "password": "x"}, "nobody", True),
        (400, "password: must be at least 10 characters long"),
    ),
    (
        "rest-registration-closed",
        Rest("POST", REGISTER, {"email": "x@shop.example", "password": PASSWORD}, "nobody"),
        (403, "registration is closed: ask an admin to create your account"),
    ),
    # --- API keys ---------------------------------------------------------------------------
    (
        "gql-key-no-scopes",
        Gql(CREATE_KEY, {"n": "k", "s": []}),
        ("scopes: give at least one scope", "BAD_USER_INPUT", "scopes"),
    ),
    (
        "gql-key-unknown-scope",
        Gql(CREATE_KEY, {"n": "k", "s": ["fly"]}),
        (
            "scopes: unknown scope 'fly'; known scopes are read, write:items, write:presets, write:usage, write:sets, write:*, delete:items, delete:assemblies, delete:instances, delete:presets, delete:usage, delete:sets, delete:*, admin:users, admin:backup, admin:*",
            "BAD_USER_INPUT",
            "scopes",
        ),
    ),
    (
        "gql-key-empty-name",
        Gql(CREATE_KEY, {"n": " ", "s": ["read"]}),
        ("name: expected a non-empty string", "BAD_USER_INPUT", "name"),
    ),
    (
        "gql-key-empty-tag",
        Gql(CREATE_KEY, {"n": "k", "s": ["read"], "t": [""]}),
        ("tags[0]: expected a non-empty string of at most 255", "BAD_USER_INPUT", "tags"),
    ),
    (
        "gql-key-nul-name",
        Gql(CREATE_KEY, {"n": "a\u0000b", "s": ["read"]}),
        ("name: must not contain NUL characters", "BAD_USER_INPUT", "name"),
    ),
    (
        "gql-key-too-many-tags",
        Gql(CREATE_KEY, {"n": "k", "s": ["read"], "t": [f"t{i}" for i in range(60)]}),
        ("tags: at most 50 tags", "BAD_USER_INPUT", "tags"),
    ),
    (
        "gql-key-empty-machine",
        Gql(CREATE_KEY, {"n": "k", "s": ["read"], "m": ""}),
        ("machineId: expected a non-empty string", "BAD_USER_INPUT", "machineId"),
    ),
    (
        "gql-key-grant-beyond",
        Gql(CREATE_KEY, {"n": "k", "s": ["write:items"], "t": ["t1"]}, "manager"),
        ("scopes: this API key cannot grant scope 'write:items', which it does not hold", "FORBIDDEN", None),
    ),
    (
        "gql-key-tags-beyond",
        Gql(CREATE_KEY, {"n": "k", "s": ["read"], "t": ["t2"]}, "manager"),
        (
            "tags: a key made by a tagged key must carry only (and at least one of) its tags",
            "FORBIDDEN",
            None,
        ),
    ),
    (
        "rest-key-grant-beyond",
        Rest("POST", KEYS, {"name": "k", "scopes": ["write:items"], "tags": ["t1"]}, "manager"),
        (403, "scopes: this API key cannot grant scope 'write:items', which it does not hold"),
    ),
    (
        "gql-key-needs-admin-users",
        Gql(CREATE_KEY, {"n": "k", "s": ["read"]}, "tagged"),
        ("required scope 'admin:users' not granted", "FORBIDDEN", None),
    ),
    (
        "gql-key-revoke-unknown",
        Gql(REVOKE_KEY, {"id": UNKNOWN}),
        ("id: no API key with id 00000000-0000-4000-8000-00000000beef", "NOT_FOUND", "id"),
    ),
    (
        "gql-key-revoke-bad-id",
        Gql(REVOKE_KEY, {"id": "nope"}),
        ("id: 'nope' is not a valid id (UUID)", "BAD_USER_INPUT", "id"),
    ),
    (
        "gql-keys-all-users",
        Gql("{ apiKeys(allUsers: true) { id } }", creds="alice"),
        ("allUsers: only admins may list every user's keys", "FORBIDDEN", None),
    ),
    (
        "rest-key-no-scopes",
        Rest("POST", KEYS, {"name": "k", "scopes": []}),
        (400, "scopes: give at least one scope"),
    ),
    (
        "rest-key-unknown-scope",
        Rest("POST", KEYS, {"name": "k", "scopes": ["fly"]}),
        (
            400,
            "scopes: unknown scope 'fly'; known scopes are read, write:items, write:presets, write:usage, write:sets, write:*, delete:items, delete:assemblies, delete:instances, delete:presets, delete:usage, delete:sets, delete:*, admin:users, admin:backup, admin:*",
        ),
    ),
    (
        "rest-key-nul-name",
        Rest("POST", KEYS, {"name": "a\u0000b", "scopes": ["read"]}),
        (400, "name: must not contain NUL characters"),
    ),
    (
        "rest-key-too-many-tags",
        Rest("POST", KEYS, {"name": "k", "scopes": ["read"], "tags": [f"t{i}" for i in range(60)]}),
        (400, "tags: at most 50 tags"),
    ),
    (
        "rest-key-expiry-out-of-range",
        Rest("POST", KEYS, {"name": "k", "scopes": ["read"], "expires_at": "0001-01-01T00:00:00+01:00"}),
        (400, "expires_at: is outside the years 1 to 9999 in UTC"),
    ),
    (
        "rest-key-revoke-unknown",
        Rest("DELETE", f"{KEYS}/{UNKNOWN}"),
        (404, "API key 00000000-0000-4000-8000-00000000beef not found"),
    ),
    ("rest-key-revoke-bad-id", Rest("DELETE", f"{KEYS}/nope"), (404, "API key nope not found")),
    (
        "rest-keys-all-users",
        Rest("GET", f"{KEYS}?all_users=true", creds="alice"),
        (403, "allUsers: only admins may list every user's keys"),
    ),
    # --- scopes and restricted keys ---------------------------------------------------------
    (
        "gql-scope-required",
        Gql(CREATE_ITEMS, {"input": [{"name": "x"}]}, "reader"),
        ("required scope 'write:items' not granted", "FORBIDDEN", None),
    ),
    (
        "gql-delete-scope-required",
        Gql(DELETE_ITEMS, {"input": [{"id": "{item}"}]}, "reader"),
        ("required scope 'write:items' not granted", "FORBIDDEN", None),
    ),
    (
        "gql-restricted-audit",
        Gql("{ auditLog { edges { cursor } } }", creds="tagged"),
        ("the audit log is not available to API keys restricted by tags or machine", "FORBIDDEN", None),
    ),
    (
        "gql-restricted-backup",
        Gql("{ exportBackup }", creds="machine"),
        ("backup and restore is not available to API keys restricted by tags or machine", "FORBIDDEN", None),
    ),
    (
        "rest-scope-required",
        Rest("POST", ITEMS, {"items": [{"type": "holder"}]}, "reader"),
        (403, "Permission denied: required scope 'write:items' not granted"),
    ),
    (
        "rest-delete-scope-required",
        Rest("DELETE", ITEMS, {"ids": ["{item}"]}, "reader"),
        (403, "Permission denied: required scope 'write:items' not granted"),
    ),
    (
        "rest-restricted-audit",
        Rest("GET", f"{V1}/audit-logs", creds="tagged"),
        (403, "the audit log is not available to API keys restricted by tags or machine"),
    ),
    # --- bulk writes, per item --------------------------------------------------------------
    (
        "gql-item-tags-refused",
        Gql(CREATE_ITEMS, {"input": [{"name": "x", "tags": ["zz", "b2"]}]}, "tagged"),
        [("FORBIDDEN", "tags: API key not authorized for tags: b2, zz", "tags")],
    ),
    (
        "gql-item-untagged-refused",
        Gql(CREATE_ITEMS, {"input": [{"name": "x", "tags": []}]}, "tagged"),
        [("FORBIDDEN", "tags: this API key may only write rows tagged with one of 't1'", "tags")],
    ),
    (
        "gql-preset-machine-refused",
        Gql(CREATE_PRESETS, {"input": [{"name": "p", "machineId": "m2"}]}, "machine"),
        [("FORBIDDEN", "machineId: this API key may only write rows of machine 'm1'", "machineId")],
    ),
    (
        "gql-item-version-conflict",
        Gql(UPDATE_ITEMS, {"input": [{"id": "{item}", "expectedVersion": 7}]}),
        [
            (
                "VERSION_CONFLICT",
                "expectedVersion: version conflict: expected 7, current is 1",
                "expectedVersion",
            )
        ],
    ),
    (
        "gql-item-not-found",
        Gql(UPDATE_ITEMS, {"input": [{"id": UNKNOWN, "expectedVersion": 1}]}),
        [("NOT_FOUND", "id: no ToolItem with id 00000000-0000-4000-8000-00000000beef", "id")],
    ),
    (
        "gql-item-bad-id",
        Gql(UPDATE_ITEMS, {"input": [{"id": "nope", "expectedVersion": 1}]}),
        [("VALIDATION", "id: 'nope' is not a valid id (UUID)", "id")],
    ),
    (
        "gql-item-twice",
        Gql(DELETE_ITEMS, {"input": [{"id": UNKNOWN}] * 2}),
        [
            ("NOT_FOUND", "id: no ToolItem with id 00000000-0000-4000-8000-00000000beef", "id"),
            ("VALIDATION", "id: appears more than once in this batch", "id"),
        ],
    ),
    (
        "gql-item-null-name",
        Gql(UPDATE_ITEMS, {"input": [{"id": "{item}", "expectedVersion": 1, "name": None}]}),
        [("VALIDATION", "name: must not be null", "name")],
    ),
    (
        "gql-item-nul-name",
        Gql(CREATE_ITEMS, {"input": [{"name": "a\u0000b"}]}),
        [("VALIDATION", "name: must not contain NUL characters", "name")],
    ),
    (
        "gql-item-bad-tag-list",
        Gql(CREATE_ITEMS, {"input": [{"name": "x", "tags": [f"t{i}" for i in range(60)]}]}),
        [("VALIDATION", "tags: at most 50 tags", "tags")],
    ),
    (
        "gql-item-exists",
        Gql(CREATE_ITEMS, {"input": [{"id": "{item}", "name": "x"}]}),
        [("CONSTRAINT", "id: already exists", "id")],
    ),
    (
        "gql-item-empty-name",
        Gql(CREATE_ITEMS, {"input": [{"name": ""}]}),
        [("VALIDATION", "name: must not be empty", "name")],
    ),
    (
        "gql-item-long-name",
        Gql(CREATE_ITEMS, {"input": [{"name": "x" * 300}]}),
        [("VALIDATION", "name: must be at most 255 characters (got 300)", "name")],
    ),
    (
        "gql-item-deep-json",
        Gql(CREATE_ITEMS, {"input": [{"name": "x", "geometry": DEEP}]}),
        [("VALIDATION", "geometry: nested deeper than 32 levels", "geometry")],
    ),
    (
        "gql-item-parent-unknown",
        Gql(CREATE_ITEMS, {"input": [{"name": "x", "parentToolId": UNKNOWN}]}),
        [
            (
                "NOT_FOUND",
                "parentToolId: no ToolItem with id 00000000-0000-4000-8000-00000000beef",
                "parentToolId",
            )
        ],
    ),
    (
        "gql-item-too-many",
        Gql(CREATE_ITEMS, {"input": [{"name": "x"}] * 4}),
        ("input: 4 elements exceed the limit of 3 per request", "LIMIT", "input"),
    ),
    (
        "gql-delete-referenced",
        Gql(DELETE_ITEMS, {"input": [{"id": "{item}"}]}),
        [("CONSTRAINT", "id: still referenced by ToolAssembly {kit}", "id")],
    ),
    (
        "gql-usage-needs-preset",
        Gql(CREATE_USAGE, {"input": [{"startTime": "2025-01-01T00:00:00Z", "presetId": UNKNOWN}]}),
        [("NOT_FOUND", "presetId: no ToolPreset with id 00000000-0000-4000-8000-00000000beef", "presetId")],
    ),
    (
        "rest-item-required",
        Rest("POST", ITEMS, {"items": [{"manufacturer": "x"}]}),
        (200, [{"index": 0, "id": None, "message": "Field 'type' is required"}]),
    ),
    (
        "rest-set-required",
        Rest("POST", SETS, {"items": [{"name": "s"}]}),
        (200, [{"index": 0, "id": None, "message": "Field 'type' is required"}]),
    ),
    (
        "rest-preset-required",
        Rest("POST", PRESETS, {"items": [{"machine_id": "m1"}]}),
        (200, [{"index": 0, "id": None, "message": "Field 'tool_number' is required"}]),
    ),
    (
        "rest-item-not-found",
        Rest("PUT", ITEMS, {"items": [{"id": UNKNOWN, "version": 1}]}),
        (
            200,
            [
                {
                    "index": 0,
                    "id": "00000000-0000-4000-8000-00000000beef",
                    "message": "Item not found or access denied",
                }
            ],
        ),
    ),
    (
        "rest-item-delete-not-found",
        Rest("DELETE", ITEMS, {"ids": [UNKNOWN]}),
        (
            200,
            [
                {
                    "index": 0,
                    "id": "00000000-0000-4000-8000-00000000beef",
                    "message": "Item not found or access denied",
                }
            ],
        ),
    ),
    (
        "rest-item-twice",
        Rest("DELETE", ITEMS, {"ids": [UNKNOWN, UNKNOWN]}),
        (
            200,
            [
                {
                    "index": 0,
                    "id": "00000000-0000-4000-8000-00000000beef",
                    "message": "Item not found or access denied",
                },
                {
                    "index": 1,
                    "id": "00000000-0000-4000-8000-00000000beef",
                    "message": "Item not found or access denied",
                },
            ],
        ),
    ),
    (
        "rest-item-version-conflict",
        Rest("PUT", ITEMS, {"items": [{"id": "{item}", "version": 7}]}),
        (200, [{"index": 0, "id": "{item}", "message": "Version conflict: expected 1, got 7"}]),
    ),
    (
        "rest-item-tags-refused",
        Rest("POST", ITEMS, {"items": [{"type": "holder", "tags": ["t1", "zz", "b2"]}]}, "tagged"),
        (200, [{"index": 0, "id": None, "message": "API key not authorized for tags: b2, zz"}]),
    ),
    (
        "rest-item-untagged-refused",
        Rest("POST", ITEMS, {"items": [{"type": "holder"}]}, "tagged"),
        (
            200,
            [
                {
                    "index": 0,
                    "id": None,
                    "message": "tags: this API key may only write rows tagged with one of 't1'",
                }
            ],
        ),
    ),
    (
        "rest-preset-machine-refused",
        Rest("POST", PRESETS, {"items": [{"machine_id": "m2", "tool_number": 2}]}, "machine"),
        (
            200,
            [
                {
                    "index": 0,
                    "id": None,
                    "message": "machine_id: this API key may only write rows of machine 'm1'",
                }
            ],
        ),
    ),
    (
        "rest-item-deep-json",
        Rest("POST", ITEMS, {"items": [{"type": "holder", "geometry": {"a": DEEP}}]}),
        (200, [{"index": 0, "id": None, "message": "geometry: nested deeper than 32 levels"}]),
    ),
    (
        "rest-preset-number-range",
        Rest("POST", PRESETS, {"items": [{"machine_id": "m1", "tool_number": 2**70}]}),
        (200, [{"index": 0, "id": None, "message": "tool_number: is outside the 64-bit integer range"}]),
    ),
    (
        "rest-item-nul-description",
        Rest("POST", ITEMS, {"items": [{"type": "holder", "description": "a\u0000b"}]}),
        (200, [{"index": 0, "id": None, "message": "name: must not contain NUL characters"}]),
    ),
    (
        "rest-item-bad-id",
        Rest("PUT", ITEMS, {"items": [{"id": "nope", "version": 1}]}),
        (200, [{"index": 0, "id": "nope", "message": "Item not found or access denied"}]),
    ),
    (
        "rest-usage-not-a-time",
        Rest("POST", USAGE, {"items": [{"preset_id": "{preset}", "start_time": "garbage"}]}),
        (200, [{"index": 0, "id": None, "message": "Invalid isoformat string: 'garbage'"}]),
    ),
    (
        "rest-usage-time-not-text",
        Rest("POST", USAGE, {"items": [{"preset_id": "{preset}", "start_time": 5}]}),
        (
            422,
            [
                {
                    "type": "string_type",
                    "loc": ["body", "items", 0, "start_time"],
                    "msg": "Input should be a valid string",
                    "input": 5,
                }
            ],
        ),
    ),
    (
        "rest-usage-required",
        Rest("POST", USAGE, {"items": [{"preset_id": "{preset}"}]}),
        (200, [{"index": 0, "id": None, "message": "Field 'start_time' is required"}]),
    ),
    (
        "rest-delete-referenced",
        Rest("DELETE", ITEMS, {"ids": ["{item}"]}),
        (200, [{"index": 0, "id": "{item}", "message": "id: still referenced by ToolAssembly {kit}"}]),
    ),
    (
        "rest-item-too-many",
        Rest("POST", ITEMS, {"items": [{"type": "holder"}] * 4}),
        (413, "input: 4 elements exceed the limit of 3 per request"),
    ),
    (
        "rest-body-too-large",
        Rest("POST", ITEMS, {"items": [{"type": "holder", "notes": "x" * 3_000_000}]}),
        (413, "The request body is larger than the limit of 2097152 bytes."),
    ),
    # --- reads ------------------------------------------------------------------------------
    (
        "gql-bad-cursor",
        Gql(ITEMS_LIST, {"a": "nope"}),
        ("after: not a cursor this list issued", "BAD_USER_INPUT", "after"),
    ),
    (
        "gql-filter-nul",
        Gql(ITEMS_LIST, {"f": {"text": "a\u0000b"}}),
        ("filter: text: must not contain NUL characters", "BAD_USER_INPUT", "filter"),
    ),
    (
        "gql-not-found-set",
        Gql("query($id: ID!) { toolSetVersion(toolSetId: $id, version: 1) { version } }", {"id": UNKNOWN}),
        ("no ToolSet with id 00000000-0000-4000-8000-00000000beef", "NOT_FOUND", "toolSetId"),
    ),
    (
        "gql-set-no-version",
        Gql("query($id: ID!) { toolSetVersion(toolSetId: $id, version: 9) { version } }", {"id": "{set}"}),
        ("ToolSet {set} has no version 9", "NOT_FOUND", "version"),
    ),
    (
        "gql-feed-expired",
        Gql('{ changesSince(after: "Y2hnOjE=") { endCursor } }'),
        (
            "after: this cursor is older than the retained change log; resynchronize in full",
            "CURSOR_EXPIRED",
            "after",
        ),
    ),
    ("rest-get-unknown", Rest("GET", f"{ITEMS}/{UNKNOWN}"), (404, "Not Found")),
    ("rest-history-unknown", Rest("GET", f"{SETS}/{UNKNOWN}/history"), (404, "Tool set not found")),
    ("rest-version-unknown", Rest("GET", f"{SETS}/{{set}}/versions/9"), (404, "Version not found")),
    (
        "rest-changes-expired",
        Rest("GET", f"{V1}/changes/tool_items/since-version?since_version=1&include_deleted=true"),
        (
            410,
            "since_version: deletions after this version are no longer in the change log; resynchronize with since_version=0",
        ),
    ),
    (
        "rest-changes-negative",
        Rest("GET", f"{V1}/changes/tool_items/since-version?since_version=-1"),
        (
            422,
            [
                {
                    "type": "greater_than_equal",
                    "loc": ["query", "since_version"],
                    "msg": "Input should be greater than or equal to 0",
                    "input": "-1",
                    "ctx": {"ge": 0},
                }
            ],
        ),
    ),
    (
        "rest-changes-bad-entity",
        Rest("GET", f"{V1}/changes/spoons/since-version?since_version=0"),
        (
            400,
            "Invalid entity_type. Must be one of: tool_items, tool_assemblies, tool_instances, tool_presets, tool_sets, tool_usage",
        ),
    ),
]


@pytest.mark.parametrize(("request_", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
async def test_the_client_visible_text_of_every_error(
    world: World, request_: Gql | Rest, expected: Any
) -> None:
    seen = await _seen(world, request_)
    left_behind = await _left_behind(world)
    assert seen == _fill(expected, world.ids)
    assert left_behind == {}, (
        "the shared world is not as built: this case (or a failed one before it) changed it"
    )
