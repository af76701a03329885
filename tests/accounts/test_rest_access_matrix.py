"""The access matrix, REST side: every route of the legacy app × every caller of test_access_matrix.

The callers, the dataset (Bob's rows tagged t1, machine-bound ones on m1) and
the rules are those of the GraphQL matrix (tests/accounts/test_access_matrix.py), so
both doors answer to one table of callers and one statement of the policy.
`ROUTES` holds one row per (method, path) of the FastAPI app; a route without
a row — or a row without a route — fails `test_every_route_of_the_rest_app_has_a_row`,
so no route can be added unnoticed. Adding one is one line, for example

    ("GET", "/v1/audit-logs"): Call("/api/v1/audit-logs?limit=1000", audit, target="item"),

Outcomes are read off the legacy answers: 401 UNAUTH, 403 DENIED, 404 HIDDEN;
a 2xx is OK unless the row's `target` id is missing from the body (HIDDEN) or
the bulk envelope's only element failed (its message says which: a version
conflict proves the row was reached, OK; "not found" HIDDEN; a tag or machine
refusal DENIED).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi.routing import iter_route_contexts
from sqlalchemy.ext.asyncio import AsyncEngine
from test_access_matrix import (
    CALLERS,
    CREATE_FIELDS,
    DENIED,
    ENTITY_FIELDS,
    HIDDEN,
    OK,
    UNAUTH,
    WRITE_SCOPE,
    Caller,
    Rule,
    World,
    _fill,
    _world,
    anyone,
    audit,
    backup,
    change,
    create,
    create_key,
    manage_keys,
    read,
    revoke_key,
    signed_in,
)

from smooth_gql.enums import EntityType
from smooth_gql.legacy.collections import COLLECTIONS
from smooth_gql.rest_compat.app import create_rest_app
from support.auth import PASSWORD, AuthApi, Creds, auth_app

ENTITY_OF: Mapping[EntityType, str] = {
    EntityType.TOOL_ITEM: "item",
    EntityType.TOOL_ASSEMBLY: "assembly",
    EntityType.TOOL_INSTANCE: "instance",
    EntityType.TOOL_PRESET: "preset",
    EntityType.TOOL_USAGE: "usage",
    EntityType.TOOL_SET: "set",
}
# One legacy create element per collection, Bob's world in mind: tagged t1, on machine m1.
CREATE_ELEMENT = {
    "item": '{"type": "holder", "description": "new", "tags": ["t1"]}',
    "assembly": '{"name": "new", "components": [{"item_id": "tool-1", "role": "cutter"}], "tags": ["t1"]}',
    "instance": '{"assembly_id": "$assembly", "serial_number": "$SERIAL", "tags": ["t1"]}',
    "preset": '{"machine_id": "m1", "tool_number": $NUMBER, "tags": ["t1"]}',
    "usage": '{"preset_id": "$preset", "start_time": "2026-01-01T08:00:00Z"}',
    "set": '{"name": "new", "type": "template", "machine_id": "m1", "members": [{"preset_id": "placeholder", "sequence": 1}], "tags": ["t1"]}',
}


def create_referencing(entity: str, reference: str) -> Rule:
    """A legacy create that must name one of Bob's rows (an instance its assembly, usage its preset):
    only Bob, or his keys that reach the referenced row, get past the reference, which is
    checked before the tags and machine of the new row."""
    plain = create(entity)

    def rule(c: Caller) -> str:
        if c.kind == "session" and c.user != "bob":
            return HIDDEN
        if c.kind == "key" and c.has(WRITE_SCOPE[entity]) and not c.reaches(reference):
            return HIDDEN
        return plain(c)

    return rule


@dataclass(frozen=True)
class Call:
    url: str  # $-names are filled from the dataset
    rule: Rule
    body: str | None = None  # a JSON template
    target: str | None = None  # the id whose presence in a 2xx body means OK
    fresh: str | None = None  # make a new row of Bob's of this entity first, as $fresh
    ends_sessions: bool = False  # run after every other row
    upload: bool = False  # send `body` as the multipart part `file` (the backup import)


def _collection_rows() -> dict[tuple[str, str], Call]:
    rows: dict[tuple[str, str], Call] = {}
    references = {"instance": "assembly", "usage": "preset"}
    for collection in COLLECTIONS:
        entity = ENTITY_OF[collection.entity]
        path, url = f"/v1/{collection.path}", f"/api/v1/{collection.path}"
        made = create_referencing(entity, references[entity]) if entity in references else create(entity)
        rows[("POST", path)] = Call(url, made, f'{{"items": [{CREATE_ELEMENT[entity]}]}}')
        rows[("GET", path)] = Call(f"{url}?all_users=true&limit=1000", read(entity), target=entity)
        rows[("PUT", path)] = Call(url, change(entity), f'{{"items": [{{"id": "${entity}", "version": 0}}]}}')
        rows[("DELETE", path)] = Call(url, change(entity, deleting=True), '{"ids": ["$fresh"]}', fresh=entity)
        if collection.single_get:
            rows[("GET", f"{path}/{{entity_id}}")] = Call(f"{url}/${entity}", read(entity))
    return rows


def _key_rows(path: str) -> dict[tuple[str, str], Call]:
    return {
        ("POST", path): Call(f"/api{path}", create_key, '{"name": "k", "scopes": ["read"]}'),
        ("GET", path): Call(f"/api{path}", manage_keys),
        ("DELETE", f"{path}/{{key_id}}"): Call(f"/api{path}/$spare_key", revoke_key),
    }


def head_reader(c: Caller) -> str:
    """max-version: anyone signed in with `read` gets their own head (a number, never a row)."""
    if c.kind in ("none", "invalid"):
        return UNAUTH
    return DENIED if c.kind == "key" and not c.has("read") else OK


SETS = "/v1/tool-sets/{tool_set_id}"
CHANGES = "/v1/changes/{entity_type}"
ROUTES: dict[tuple[str, str], Call] = {
    ("GET", "/health"): Call("/api/health", anyone(OK)),
    ("GET", "/v1/openapi.json"): Call("/api/v1/openapi.json", anyone(OK)),
    ("GET", "/v1/docs"): Call("/api/v1/docs", anyone(OK)),
    ("GET", "/v1/redoc"): Call("/api/v1/redoc", anyone(OK)),
    **_collection_rows(),
    ("GET", f"{SETS}/history"): Call("/api/v1/tool-sets/$set/history", read("set")),
    ("GET", f"{SETS}/versions/{{version}}"): Call("/api/v1/tool-sets/$set/versions/1", read("set")),
    ("GET", f"{SETS}/compare/{{version_a}}/{{version_b}}"): Call(
        "/api/v1/tool-sets/$set/compare/1/2", read("set")
    ),
    ("POST", f"{SETS}/restore/{{version}}"): Call(
        "/api/v1/tool-sets/$set/restore/1", change("set", needs_read=True)
    ),
    # Change detection reads like GraphQL's changesSince; audit-logs like auditLog (successes only:
    # a caller's own failed attempts name the ids they sent).
    ("GET", f"{CHANGES}/since-version"): Call(
        "/api/v1/changes/tool_presets/since-version?since_version=0&limit=1000",
        read("preset"),
        target="preset",
    ),
    ("GET", f"{CHANGES}/since-timestamp"): Call(
        "/api/v1/changes/tool_presets/since-timestamp?since_timestamp=0&limit=1000",
        read("preset"),
        target="preset",
    ),
    ("GET", f"{CHANGES}/max-version"): Call("/api/v1/changes/tool_presets/max-version", head_reader),
    ("GET", "/v1/audit-logs"): Call("/api/v1/audit-logs?limit=1000&result=success", audit, target="item"),
    # Registration is closed once the admin exists; login and logout need no credentials.
    ("POST", "/v1/auth/register"): Call(
        "/api/v1/auth/register", anyone(DENIED), f'{{"email": "$EMAIL", "password": "{PASSWORD}"}}'
    ),
    ("POST", "/v1/auth/login"): Call(
        "/api/v1/auth/login", anyone(OK), f'{{"email": "dan@shop.example", "password": "{PASSWORD}"}}'
    ),
    ("GET", "/v1/auth/me"): Call("/api/v1/auth/me", signed_in),
    **_key_rows("/v1/auth/keys"),
    **_key_rows("/v1/api-keys"),
    ("POST", "/v1/auth/logout"): Call("/api/v1/auth/logout", anyone(OK), ends_sessions=True),
    ("GET", "/v1/backup/export"): Call("/api/v1/backup/export", backup(own_rows=True), target="item"),
    # A document of a newer format: an authorized caller reaches that check, nothing is written.
    ("POST", "/v1/backup/import"): Call(
        "/api/v1/backup/import",
        backup(own_rows=False),
        '{"metadata": {"version": "9.0"}, "entities": {}}',
        upload=True,
    ),
}


def rest_routes() -> set[tuple[str, str]]:
    """(method, path) of every route the legacy app serves; HEAD comes with GET.

    `iter_route_contexts` flattens included routers the way FastAPI's own OpenAPI
    generator does, so routes hidden from the schema are counted too.
    """
    return {
        (method, route.path)
        for route in iter_route_contexts(create_rest_app().routes)
        for method in (route.methods or set())
        if method != "HEAD"
    }


def test_every_route_of_the_rest_app_has_a_row() -> None:
    routes = rest_routes()
    assert len(routes) > 40  # the enumeration itself works
    assert routes - ROUTES.keys() == set(), "add these routes to ROUTES"
    assert ROUTES.keys() - routes == set(), "rows for routes that no longer exist"


# --- the run --------------------------------------------------------------------------------


def _classify(response: httpx.Response, target: str | None, *, upload: bool = False) -> str:
    status = response.status_code
    if upload and status == 400 and response.json()["detail"].startswith("Version error"):
        return OK  # past authorization, refused by the document check
    if status in (401, 403, 404):
        return {401: UNAUTH, 403: DENIED, 404: HIDDEN}[status]
    if not 200 <= status < 300:
        return f"status {status}: {response.text[:200]}"
    body: Any = response.json() if response.content and "json" in response.headers["content-type"] else None
    if isinstance(body, dict) and "success_count" in body:
        if body["success_count"]:
            return OK
        message = body["errors"][0]["message"]
        if message.startswith("Version conflict"):
            return OK
        if "not found" in message.lower() or " with id " in message:  # "<field>: no <Type> with id <id>"
            return HIDDEN
        if "not authorized" in message or "may only write" in message:
            return DENIED
        return f"item error: {message}"
    if target is not None:
        return OK if target in response.text else HIDDEN
    return OK


def _fill_all(template: str, ids: dict[str, str]) -> str:
    return _fill(template.replace("$NUMBER", str(uuid.uuid4().int % 1_000_000)), ids)


async def _fresh_rows(auth: AuthApi, world: World, entity: str, count: int) -> list[str]:
    """New rows of Bob's, one for each DELETE cell to remove without disturbing the others:
    made in one request (one per cell was a tenth of the module's requests)."""
    plural = ENTITY_FIELDS[entity][2]
    inputs = ", ".join(f"{{{_fill_all(CREATE_FIELDS[entity], world.ids)}}}" for _ in range(count))
    data = await auth.ok(
        f"mutation {{ r: create{plural}(input: [{inputs}]) {{ results {{ id }} errors {{ message }} }} }}",
        creds=world.creds["owner session"],
    )
    assert not data["r"]["errors"], data
    made = [row["id"] for row in data["r"]["results"]]
    assert len(set(made)) == count, data
    return made


async def _cell(
    auth: AuthApi, world: World, method: str, call: Call, creds: Creds, fresh: dict[str, list[str]]
) -> str:
    ids = dict(world.ids)
    if call.fresh is not None:
        ids["fresh"] = fresh[call.fresh].pop()
    body = json.loads(_fill_all(call.body, ids)) if call.body is not None else None
    sending: dict[str, Any] = (
        {"files": {"file": ("backup.json", json.dumps(body), "application/json")}}
        if call.upload
        else {"json": body}
    )
    try:
        response = await auth.client.request(
            method, _fill_all(call.url, ids), headers=creds.as_headers(), **sending
        )
    finally:
        auth.client.cookies.clear()
    return _classify(response, world.ids[call.target] if call.target else None, upload=call.upload)


async def test_rest_access_matrix(engine: AsyncEngine, database_url: str) -> None:
    async with auth_app(engine, database_url) as auth:
        world = await _world(auth)
        fresh = {
            call.fresh: await _fresh_rows(auth, world, call.fresh, len(CALLERS))
            for call in ROUTES.values()
            if call.fresh is not None
        }
        mismatches: list[str] = []
        cells = 0
        ordered = sorted(ROUTES.items(), key=lambda row: row[1].ends_sessions)
        for (method, path), call in ordered:
            for caller in CALLERS:
                expected = call.rule(caller)
                got = await _cell(auth, world, method, call, world.creds[caller.name], fresh)
                cells += 1
                if got != expected:
                    mismatches.append(f"{method} {path} as {caller.name}: expected {expected}, got {got}")
        assert not mismatches, "\n".join(mismatches)
        assert cells == len(ROUTES) * len(CALLERS)
