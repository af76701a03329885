"""The access matrix: every Query, Mutation and Subscription field × every kind of caller.

One table (`OPERATIONS`) names, for each field of the schema, the request that
exercises it against Bob's data and the rule that decides who may run it. The
rules are written out here from DESIGN §5 and the contract (§0.1, §4, §13 minus
its bypasses), independently of `auth/policy.py`. A field of the schema missing
from the table fails the test, so no operation can be added without a row.

Outcomes:
  OK      the call ran and reached Bob's row (a write with expectedVersion 0
          reaching the row answers VERSION_CONFLICT, which proves it without
          changing anything);
  HIDDEN  the row looked missing (null, empty list, NOT_FOUND);
  DENIED  FORBIDDEN (a missing scope or a tag/machine rule);
  UNAUTH  UNAUTHENTICATED.

One dataset per backend; the cells run in one test, and every mismatch is
reported at once.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy.ext.asyncio import AsyncEngine

from smooth_gql.changes import cursor
from smooth_gql.context import Context
from smooth_gql.loaders import Loaders
from smooth_gql.schema import schema
from smooth_gql.services.authentication import authenticate
from support.auth import PASSWORD, AuthApi, Creds, auth_app
from support.times import timed_sql

OK, HIDDEN, DENIED, UNAUTH = "OK", "HIDDEN", "DENIED", "UNAUTH"
TAGGED = {"item", "assembly", "instance", "preset", "set"}  # usage carries no tags (contract §13.1)
MACHINE_BOUND = {"preset", "usage", "set"}
WRITE_SCOPE = {
    "item": "write:items",
    "assembly": "write:items",
    "instance": "write:items",
    "preset": "write:presets",
    "usage": "write:usage",
    "set": "write:sets",
}
# The alternative grant for deletes (contract §0.1 item 1).
DELETE_SCOPE = {
    "item": "delete:items",
    "assembly": "delete:assemblies",
    "instance": "delete:instances",
    "preset": "delete:presets",
    "usage": "delete:usage",
    "set": "delete:sets",
}


# --- the callers -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Caller:
    name: str
    kind: str  # none | session | key | invalid
    user: str = "bob"  # whose session or key: bob owns the data, cat is another tenant, ann the admin
    scopes: frozenset[str] = frozenset()
    tags: tuple[str, ...] = ()
    machine: str | None = None

    def has(self, scope: str) -> bool:
        """The contract's matching rule (§4.1): verbatim, `<family>:*`, or `admin:*`."""
        if self.kind == "session":
            return True
        family = scope.split(":")[0]
        return bool({scope, f"{family}:*", "admin:*"} & self.scopes)

    def reaches(self, entity: str) -> bool:
        """Bob's rows are tagged t1; machine-bound ones are on machine m1."""
        if self.tags and "t1" not in self.tags and entity in TAGGED:
            return False
        return not (self.machine not in (None, "m1") and entity in MACHINE_BOUND)

    @property
    def restricted(self) -> bool:
        return bool(self.tags) or self.machine is not None


ALL_WRITES = frozenset({"read", "write:*"})
CALLERS = [
    Caller("none", "none"),
    Caller("owner session", "session", "bob"),
    Caller("other session", "session", "cat"),
    Caller("admin session", "session", "ann"),
    *(
        Caller(f"key {scope}", "key", scopes=frozenset({scope}))
        for scope in (
            "read",
            "write:items",
            "write:presets",
            "write:usage",
            "write:sets",
            "write:*",
            "admin:users",
            "admin:backup",
            "admin:*",
            "delete:items",
            "delete:*",
        )
    ),
    Caller("key tags match", "key", scopes=ALL_WRITES, tags=("t1", "t9")),
    Caller("key tags other", "key", scopes=ALL_WRITES, tags=("zz",)),
    Caller("key machine m1", "key", scopes=ALL_WRITES, machine="m1"),
    Caller("key machine m2", "key", scopes=ALL_WRITES, machine="m2"),
    Caller("expired key", "invalid", scopes=frozenset({"admin:*"})),
    Caller("revoked key", "invalid", scopes=frozenset({"admin:*"})),
]


# --- the rules ------------------------------------------------------------------------------

Rule = Callable[[Caller], str]


def read(entity: str) -> Rule:
    def rule(c: Caller) -> str:
        if c.kind in ("none", "invalid"):
            return UNAUTH
        if c.kind == "session":
            return HIDDEN if c.user == "cat" else OK
        if not c.has("read"):
            return DENIED
        return OK if c.reaches(entity) else HIDDEN

    return rule


def change(entity: str, *, needs_read: bool = False, deleting: bool = False) -> Rule:
    """Update or delete Bob's row (or restore his tool set); a delete may also be granted
    by the entity's delete scope, which `write:*` does not cover."""

    def rule(c: Caller) -> str:
        if c.kind in ("none", "invalid"):
            return UNAUTH
        if c.kind == "session":
            return HIDDEN if c.user == "cat" else OK
        granted = c.has(WRITE_SCOPE[entity]) or (deleting and c.has(DELETE_SCOPE[entity]))
        if not granted or (needs_read and not c.has("read")):
            return DENIED
        return OK if c.reaches(entity) else HIDDEN

    return rule


def create(entity: str) -> Rule:
    """Create a row tagged t1 (machine m1 where it has one); usage names Bob's preset."""

    def rule(c: Caller) -> str:
        if c.kind in ("none", "invalid"):
            return UNAUTH
        if c.kind == "session":
            # References must name the caller's own rows, admins included.
            return HIDDEN if entity == "usage" and c.user != "bob" else OK
        if not c.has(WRITE_SCOPE[entity]):
            return DENIED
        if entity == "usage":  # its preset must be within reach
            return OK if c.reaches("preset") else HIDDEN
        return OK if c.reaches(entity) else DENIED

    return rule


def own_list(entity: str) -> Rule:
    """A whole-file export: the caller's own rows only (admins too: no allTenants here)."""

    def rule(c: Caller) -> str:
        if c.kind in ("none", "invalid"):
            return UNAUTH
        if c.kind == "session":
            return OK if c.user == "bob" else HIDDEN
        if not c.has("read"):
            return DENIED
        return OK if c.reaches(entity) else HIDDEN

    return rule


def file_import(*entities: str, untagged: bool = False) -> Rule:
    """A file import reads what it will merge with (`read`) and writes through the bulk
    writes: each entity's write scope. The rows it matches or creates carry Bob's tag t1
    and machine m1, so a key must reach them; an `untagged` import (a FreeCAD library:
    new items and a template set with no tags and no machine) is beyond every key
    narrowed by tags or machine, as any write of such rows is."""

    def rule(c: Caller) -> str:
        if c.kind in ("none", "invalid"):
            return UNAUTH
        if c.kind == "session":
            return OK  # a session imports into its own account
        if not c.has("read") or not all(c.has(WRITE_SCOPE[e]) for e in entities):
            return DENIED
        if untagged and c.restricted:
            return DENIED
        return OK if all(c.reaches(e) for e in entities) else DENIED

    return rule


def audit(c: Caller) -> str:
    if c.kind in ("none", "invalid"):
        return UNAUTH
    if c.kind == "session":
        return HIDDEN if c.user == "cat" else OK
    if not c.has("read") or c.restricted:
        return DENIED
    return OK


def signed_in(c: Caller) -> str:
    return UNAUTH if c.kind in ("none", "invalid") else OK


def admin_only(c: Caller) -> str:
    if c.kind in ("none", "invalid"):
        return UNAUTH
    return OK if c.kind == "session" and c.user == "ann" else DENIED


def manage_keys(c: Caller) -> str:
    if c.kind in ("none", "invalid"):
        return UNAUTH
    return OK if c.kind == "session" or c.has("admin:users") else DENIED


def create_key(c: Caller) -> str:
    """A key that makes keys needs admin:users and must itself hold what it hands out (read)."""
    if c.kind in ("none", "invalid"):
        return UNAUTH
    return OK if c.kind == "session" or (c.has("admin:users") and c.has("read")) else DENIED


def revoke_key(c: Caller) -> str:
    """Bob's spare key: Bob or an admin; another user sees NOT_FOUND."""
    if c.kind in ("none", "invalid"):
        return UNAUTH
    if c.kind == "session":
        return HIDDEN if c.user == "cat" else OK
    return OK if c.has("admin:users") else DENIED


def change_password(c: Caller) -> str:
    """Sent with a wrong current password: a session reaches that check (OK), a key never."""
    if c.kind in ("none", "invalid"):
        return UNAUTH
    return OK if c.kind == "session" else DENIED


def backup(own_rows: bool) -> Rule:
    """admin:backup, never through a key narrowed by tags or machine; a user backup holds
    the caller's own rows only, so only Bob's reaches Bob's item."""

    def rule(c: Caller) -> str:
        if c.kind in ("none", "invalid"):
            return UNAUTH
        if c.kind == "session":
            return HIDDEN if own_rows and c.user != "bob" else OK
        return OK if c.has("admin:backup") and not c.restricted else DENIED

    return rule


def anyone(outcome: str) -> Rule:
    return lambda c: outcome


# --- the table --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Operation:
    document: str  # $-names are filled from the dataset
    rule: Rule
    target: str | None = None  # the id whose presence means OK in a list or feed


ENTITY_FIELDS = {
    "item": ("toolItem", "toolItems", "ToolItems"),
    "assembly": ("toolAssembly", "toolAssemblies", "ToolAssemblies"),
    "instance": ("toolInstance", "toolInstances", "ToolInstances"),
    "preset": ("toolPreset", "toolPresets", "ToolPresets"),
    "usage": ("toolUsage", "toolUsages", "ToolUsages"),
    "set": ("toolSet", "toolSets", "ToolSets"),
}
CREATE_FIELDS = {
    "item": 'name: "new", category: HOLDER, tags: ["t1"]',
    "assembly": 'name: "new", tags: ["t1"]',
    "instance": 'serialNumber: "$SERIAL", tags: ["t1"]',
    "preset": 'name: "new", machineId: "m1", tags: ["t1"]',
    "usage": 'presetId: "$preset", startTime: "2026-01-01T08:00:00Z"',
    "set": 'name: "new", type: TEMPLATE, machineId: "m1", tags: ["t1"]',
}
BULK = "{ successCount errors { code message } }"


def _entity_operations() -> dict[str, Operation]:
    table: dict[str, Operation] = {}
    for entity, (one, many, plural) in ENTITY_FIELDS.items():
        table[one] = Operation(f'{{ r: {one}(id: "${entity}") {{ id }} }}', read(entity))
        table[many] = Operation(
            f"{{ r: {many}(allTenants: true) {{ totalCount edges {{ node {{ id }} }} }} }}",
            read(entity),
            target=entity,
        )
        table[f"create{plural}"] = Operation(
            f"mutation {{ r: create{plural}(input: [{{{CREATE_FIELDS[entity]}}}]) {BULK} }}", create(entity)
        )
        table[f"update{plural}"] = Operation(
            f'mutation {{ r: update{plural}(input: [{{id: "${entity}", expectedVersion: 0}}]) {BULK} }}',
            change(entity),
        )
        table[f"delete{plural}"] = Operation(
            f'mutation {{ r: delete{plural}(input: [{{id: "${entity}", expectedVersion: 0}}]) {BULK} }}',
            change(entity, deleting=True),
        )
    return table


OPERATIONS: dict[str, Operation] = {
    **_entity_operations(),
    "toolSetHistory": Operation('{ r: toolSetHistory(toolSetId: "$set") { version } }', read("set")),
    "toolSetVersion": Operation(
        '{ r: toolSetVersion(toolSetId: "$set", version: 1) { version } }', read("set")
    ),
    "compareToolSetVersions": Operation(
        '{ r: compareToolSetVersions(toolSetId: "$set", versionA: 1, versionB: 2) { totalChanges } }',
        read("set"),
    ),
    "restoreToolSetVersion": Operation(
        'mutation { r: restoreToolSetVersion(toolSetId: "$set", version: 1) { id } }',
        change("set", needs_read=True),
    ),
    "changesSince": Operation(
        "{ r: changesSince(first: 1000) { changes { entityId } } }", read("preset"), "preset"
    ),
    "changes": Operation(
        "subscription { changes }", read("preset"), "preset"
    ),  # run through schema.subscribe
    # Successful entries only: a caller's own failed attempts name the ids they sent.
    "auditLog": Operation(
        '{ r: auditLog(first: 1000, filter: {result: "success"}) { edges { node { entityId } } } }',
        audit,
        "item",
    ),
    "exportBackup": Operation("{ r: exportBackup }", backup(own_rows=True), "item"),
    # A document of a newer format: an authorized caller reaches that check, nothing is written.
    "importBackup": Operation(
        'mutation { r: importBackup(document: {metadata: {version: "9.0"}, entities: {}}) { success } }',
        backup(own_rows=False),
    ),
    "toolTable": Operation(
        '{ r: toolTable(machineId: "m1", format: LINUXCNC) }', own_list("preset"), "tool_line"
    ),
    # A remark that differs every time, so each call has a line to write (over T1: a file with
    # no export marker, so overwrite says the file wins).
    "importToolTable": Operation(
        'mutation { r: importToolTable(machineId: "m1", format: LINUXCNC, content: "T1 P7 ;$SERIAL", '
        "overwrite: true) { successCount errors { code message } } }",
        file_import("preset"),
    ),
    "toolItemsCsv": Operation("{ r: toolItemsCsv }", own_list("item"), "item_name"),
    "importToolItemsCsv": Operation(
        'mutation { r: importToolItemsCsv(content: """name,category,tags\nc-$SERIAL,HOLDER,"[""t1""]"\n""") '
        "{ applied errors { code message } } }",
        file_import("item"),
    ),
    "toolLibrary": Operation(
        '{ r: toolLibrary(toolSetId: "$set", format: FREECAD) { library { name } } }', read("set")
    ),
    "importToolLibrary": Operation(
        "mutation { r: importToolLibrary(format: FREECAD, "
        'library: {name: "L-$SERIAL.fctl", content: """{"version": 1, "tools": [{"nr": 1, "path": "b.fctb"}]}"""}, '
        'bits: [{name: "b.fctb", content: """{"version": 2, "name": "b", "shape": "endmill.fcstd", '
        '"parameter": {"Diameter": "5.00 mm"}, "attribute": {}}"""}]) { applied errors { code message } } }',
        file_import("item", "set", untagged=True),
    ),
    "me": Operation("{ r: me { id } }", signed_in),
    "users": Operation("{ r: users { id } }", admin_only),
    "trustedDocuments": Operation("{ r: trustedDocuments { sha256Hash } }", admin_only),
    # Registering the same text again is harmless (idempotent), so every admin cell may run it.
    "registerTrustedDocuments": Operation(
        'mutation { r: registerTrustedDocuments(documents: ["{ __typename }"]) { sha256Hash } }', admin_only
    ),
    # A hash nobody registered: an admin reaches the lookup (NOT_FOUND), nobody else does.
    "removeTrustedDocument": Operation(
        f'mutation {{ r: removeTrustedDocument(sha256Hash: "{"0" * 64}") {{ sha256Hash }} }}',
        lambda c: HIDDEN if admin_only(c) == OK else admin_only(c),
    ),
    "apiKeys": Operation("{ r: apiKeys { id } }", manage_keys),
    "register": Operation(
        f'mutation {{ r: register(email: "$EMAIL", password: "{PASSWORD}") {{ id }} }}', anyone(DENIED)
    ),
    "createUser": Operation(
        f'mutation {{ r: createUser(email: "$EMAIL", password: "{PASSWORD}") {{ id }} }}', admin_only
    ),
    "updateUser": Operation(
        'mutation { r: updateUser(id: "$spare_user", isAdmin: false) { id } }', admin_only
    ),
    "changePassword": Operation(
        'mutation { r: changePassword(currentPassword: "not it at all", newPassword: "a new password") { id } }',
        change_password,
    ),
    "createApiKey": Operation(
        'mutation { r: createApiKey(name: "k", scopes: ["read"]) { secret } }', create_key
    ),
    "revokeApiKey": Operation('mutation { r: revokeApiKey(id: "$spare_key") { id } }', revoke_key),
    "login": Operation(
        f'mutation {{ r: login(email: "dan@shop.example", password: "{PASSWORD}") {{ id }} }}', anyone(OK)
    ),
    # Last: it ends the sessions the other rows used.
    "logout": Operation("mutation { r: logout }", anyone(OK)),
}


def test_every_field_of_the_schema_has_a_row() -> None:
    graphql = schema._schema
    fields = {
        name
        for root in (graphql.query_type, graphql.mutation_type, graphql.subscription_type)
        if root is not None
        for name in root.fields
    }
    assert fields - OPERATIONS.keys() == set(), "add these fields to OPERATIONS"
    assert OPERATIONS.keys() - fields == set(), "rows for fields that no longer exist"


# --- the dataset and the run ------------------------------------------------------------------


@dataclass
class World:
    ids: dict[str, str] = field(default_factory=dict)
    creds: dict[str, Creds] = field(default_factory=dict)


async def _bulk_id(auth: AuthApi, creds: Creds, mutation: str, fields: str) -> str:
    data = await auth.ok(
        f"mutation {{ r: {mutation}(input: [{{{fields}}}]) {{ results {{ id }} errors {{ message }} }} }}",
        creds=creds,
    )
    assert not data["r"]["errors"], data
    return data["r"]["results"][0]["id"]  # type: ignore[no-any-return]


async def _world(auth: AuthApi) -> World:
    world = World()
    await auth.register("ann@shop.example")
    ann = await auth.login("ann@shop.example")
    for name in ("bob", "cat", "dan"):
        world.ids[f"{name}_user"] = await auth.create_user(ann, f"{name}@shop.example")
    world.ids["spare_user"] = await auth.create_user(ann, "spare@shop.example")
    bob = await auth.login("bob@shop.example")
    ids = world.ids
    ids["item_name"] = "holder-of-bob"  # found in a whole-catalog export
    ids["item"] = await _bulk_id(
        auth, bob, "createToolItems", f'name: "{ids["item_name"]}", category: HOLDER, tags: ["t1"]'
    )
    ids["assembly"] = await _bulk_id(
        auth, bob, "createToolAssemblies", f'name: "a", tags: ["t1"], holderId: "{ids["item"]}"'
    )
    ids["instance"] = await _bulk_id(
        auth,
        bob,
        "createToolInstances",
        f'serialNumber: "S-1", tags: ["t1"], toolAssemblyId: "{ids["assembly"]}"',
    )
    ids["preset"] = await _bulk_id(
        auth,
        bob,
        "createToolPresets",
        f'name: "T1", machineId: "m1", toolNumber: 1, tags: ["t1"], toolInstanceId: "{ids["instance"]}"',
    )
    ids["tool_line"] = "T1 "  # its line in the machine's exported tool table
    ids["usage"] = await _bulk_id(
        auth, bob, "createToolUsages", f'presetId: "{ids["preset"]}", startTime: "2026-01-01T08:00:00Z"'
    )
    ids["set"] = await _bulk_id(
        auth, bob, "createToolSets", 'name: "s", type: TEMPLATE, machineId: "m1", tags: ["t1"]'
    )
    await auth.ok(
        f'mutation {{ updateToolSets(input: [{{id: "{ids["set"]}", expectedVersion: 1, name: "s2"}}]) {{ successCount }} }}',
        creds=bob,
    )
    ids["spare_key"], _ = await auth.key(bob, ["read"])

    for caller in CALLERS:
        if caller.kind == "none":
            world.creds[caller.name] = Creds()
        elif caller.kind == "session":
            world.creds[caller.name] = await auth.login(f"{caller.user}@shop.example")
        else:
            options: dict[str, Any] = {"tags": list(caller.tags)}
            if caller.machine:
                options["machineId"] = caller.machine
            key_id, creds = await auth.key(bob, sorted(caller.scopes), **options)
            world.creds[caller.name] = creds
            if caller.name == "revoked key":
                await auth.ok(f'mutation {{ revokeApiKey(id: "{key_id}") {{ id }} }}', creds=bob)
            if caller.name == "expired key":
                async with auth.api.engine.begin() as conn:
                    past = datetime.now(UTC) - timedelta(minutes=1)
                    await conn.execute(
                        timed_sql("UPDATE api_keys SET expires_at = :t WHERE id = :id", "t"),
                        {"t": past, "id": key_id},
                    )
    return world


def _classify(body: dict[str, Any], target: str | None) -> str:
    errors = body.get("errors") or []
    if errors:
        code = errors[0].get("extensions", {}).get("code")
        return {
            "UNAUTHENTICATED": UNAUTH,
            "FORBIDDEN": DENIED,
            "NOT_FOUND": HIDDEN,
            "BAD_USER_INPUT": OK,  # changePassword reached its check
        }.get(code, f"error {code}: {errors[0]['message']}")
    result = body["data"]["r"]
    if result is None:
        return HIDDEN
    if isinstance(result, dict) and "applied" in result:  # a file import: written whole or not at all
        if result["applied"]:
            return OK
        code = result["errors"][0]["code"]
        return {"NOT_FOUND": HIDDEN, "FORBIDDEN": DENIED}.get(code, f"item {code}")
    if isinstance(result, dict) and "successCount" in result:
        if result["successCount"]:
            return OK
        code = result["errors"][0]["code"]
        return {"VERSION_CONFLICT": OK, "NOT_FOUND": HIDDEN, "FORBIDDEN": DENIED}.get(code, f"item {code}")
    if target is not None:
        return OK if target in str(result) else HIDDEN
    return OK


def _fill(document: str, ids: dict[str, str]) -> str:
    document = document.replace("$SERIAL", f"S-{uuid.uuid4().hex[:8]}")
    document = document.replace("$EMAIL", f"{uuid.uuid4().hex[:8]}@shop.example")
    for name in sorted(ids, key=len, reverse=True):
        document = document.replace(f"${name}", ids[name])
    return document


async def _subscribe(app: Any, world: World, caller: Caller) -> str:
    """The `changes` subscription, its context built by the same authenticate() both doors use."""
    state = app.state
    creds = world.creds[caller.name]
    principal = await authenticate(
        state.runtime,
        cookies={"session": creds.session} if creds.session else {},
        authorization=f"Bearer {creds.key}" if creds.key else None,
    )
    context = Context(
        cast(Any, None),
        None,
        principal,
        state.runtime,
        Loaders(state.runtime, principal),
        state.tail,
        state.throttle,
    )
    query = "subscription($after: String) { changes(after: $after) { entityId } }"
    stream = await schema.subscribe(query, {"after": cursor.encode(0)}, context_value=context)
    assert not isinstance(stream, type(None))
    events = cast(Any, stream)
    try:
        for _ in range(100):  # bounded: the dataset has far fewer changes
            try:
                result = await asyncio.wait_for(events.__anext__(), 1.0)
            except (TimeoutError, StopAsyncIteration):
                return HIDDEN  # replay ended without Bob's preset
            if result.errors:
                return _classify({"errors": [e.formatted for e in result.errors]}, None)
            if result.data["changes"]["entityId"] == world.ids["preset"]:
                return OK
        return HIDDEN
    finally:
        await events.aclose()


async def test_access_matrix(engine: AsyncEngine, database_url: str) -> None:
    from smooth_gql.app import create_app

    # Built here (not through auth_app) so the subscription cells can reach app.state.
    async with auth_app(engine, database_url) as auth:
        world = await _world(auth)
        app = create_app(auth.api.settings, engine=engine)
        async with app.router.lifespan_context(app):
            mismatches: list[str] = []
            cells = 0
            for name, operation in OPERATIONS.items():
                for caller in CALLERS:
                    expected = operation.rule(caller)
                    if name == "changes":
                        got = await _subscribe(app, world, caller)
                    else:
                        target = world.ids[operation.target] if operation.target else None
                        body = await auth.raw(
                            _fill(operation.document, world.ids), creds=world.creds[caller.name]
                        )
                        got = _classify(body, target)
                    cells += 1
                    if got != expected:
                        mismatches.append(f"{name} as {caller.name}: expected {expected}, got {got}")
            assert not mismatches, "\n".join(mismatches)
            assert cells == len(OPERATIONS) * len(CALLERS)
