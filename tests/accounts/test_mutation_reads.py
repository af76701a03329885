"""A key without `read` cannot read through what a mutation returns (issue 13 item 3).

A `write:presets` key is refused `toolPresets`; it must be refused the same rows
when it asks for them in the result of `createToolPresets`. What a write hands
back without `read` is its receipt: `id` and `version` (and `__typename`).
Anything else a mutation selects on a stored entity, through fragments too, is
refused FORBIDDEN before the mutation runs, naming the field; nothing is
written. With `read`, or in a session, the same documents answer in full.

The owner's shop is built once per module and database (tests/support/snapshot.py)
and put back as built before each case that asks for it (`world`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from conftest import PostgresReset
from support.auth import AuthApi, Creds, auth_app
from support.snapshot import CASE_FIXTURES, Built, built_once

SETUP = """
mutation {
  items: createToolItems(input: [{name: "holder", category: HOLDER}, {name: "cutter", category: CUTTING_TOOL}]) {
    results { id }
  }
}"""


async def _shop(auth: AuthApi) -> tuple[Creds, str]:
    """An owner with an instance of an assembly (two items), a usage record and a tool set."""
    await auth.register("ann@shop.example")
    ann = await auth.login("ann@shop.example")
    holder, cutter = [r["id"] for r in (await auth.ok(SETUP, creds=ann))["items"]["results"]]
    assembly = await auth.ok(
        'mutation($h: ID, $c: ID) { createToolAssemblies(input: [{name: "asm", holderId: $h, cutterId: $c}]) { results { id } } }',
        {"h": holder, "c": cutter},
        ann,
    )
    assembly_id = assembly["createToolAssemblies"]["results"][0]["id"]
    instance = await auth.ok(
        'mutation($a: ID) { createToolInstances(input: [{serialNumber: "SECRET-SN", toolAssemblyId: $a}]) { results { id } } }',
        {"a": assembly_id},
        ann,
    )
    instance_id = instance["createToolInstances"]["results"][0]["id"]
    await auth.ok(
        'mutation($i: ID) { createToolUsages(input: [{startTime: "2024-01-01T00:00:00Z", toolInstanceId: $i}]) { successCount } }',
        {"i": instance_id},
        ann,
    )
    await auth.ok(
        'mutation($i: ID!) { createToolSets(input: [{name: "secret set", type: TEMPLATE, toolInstanceIds: [$i]}]) { successCount } }',
        {"i": instance_id},
        ann,
    )
    return ann, instance_id


@pytest.fixture(scope="module")
async def built(
    module_database_url: str, module_reset: PostgresReset | None
) -> AsyncIterator[Built[tuple[Creds, str]]]:
    async with built_once(module_database_url, module_reset, _shop, app=auth_app) as kept:
        yield kept


case_db, database_url, engine = CASE_FIXTURES


@pytest.fixture
def world(built: Built[tuple[Creds, str]]) -> tuple[Creds, str]:
    """The owner's session and the instance `_shop` built."""
    return built.world


PRESET = '[{name: "T", machineId: "mill-1", toolNumber: %d, toolInstanceId: $i}]'
LEAKS = {
    "the issue's document": "mutation($i: ID) { createToolPresets(input: %s) { results { toolInstance { serialNumber usages { id } toolSets { name } toolAssembly { components { item { name } } } } } } }",
    "a relation": "mutation($i: ID) { createToolPresets(input: %s) { results { id toolInstance { id } } } }",
    "an own field": "mutation($i: ID) { createToolPresets(input: %s) { results { id version toolInstanceId } } }",
    "a named fragment": "mutation($i: ID) { createToolPresets(input: %s) { results { ...P } } } fragment P on ToolPreset { id toolInstance { serialNumber } }",
    "an inline fragment on the interface": "mutation($i: ID) { createToolPresets(input: %s) { results { ... on Entity { id ownerId } } } }",
    "a conflict's current row": "mutation($i: ID) { createToolPresets(input: %s) { errors { ... on VersionConflict { current { ... on ToolPreset { name } } } } } }",
}


async def _presets(auth: AuthApi, ann: Creds) -> int:
    data = await auth.ok("{ toolPresets { totalCount } }", creds=ann)
    return int(data["toolPresets"]["totalCount"])


@pytest.mark.parametrize("label", list(LEAKS))
async def test_a_key_without_read_gets_no_reads_from_a_mutation(
    auth: AuthApi, world: tuple[Creds, str], label: str
) -> None:
    ann, instance = world
    _, writer = await auth.key(ann, ["write:presets"])
    body = await auth.raw(LEAKS[label] % (PRESET % 1), {"i": instance}, writer)
    assert body["data"] is None, body
    [error] = body["errors"]
    assert error["extensions"]["code"] == "FORBIDDEN", error
    assert "'read'" in error["message"] and error["extensions"]["field"].startswith("createToolPresets."), (
        error
    )
    assert "SECRET" not in str(body) and "secret set" not in str(body)
    assert await _presets(auth, ann) == 0  # refused before it ran: nothing written


async def test_the_same_refusal_as_a_query(auth: AuthApi, world: tuple[Creds, str]) -> None:
    ann, _ = world
    _, writer = await auth.key(ann, ["write:presets"])
    query = await auth.error("{ toolPresets { totalCount } }", creds=writer)
    assert (
        query["extensions"]["code"] == "FORBIDDEN" and "required scope 'read' not granted" in query["message"]
    )


async def test_a_key_without_read_gets_its_receipt(auth: AuthApi, world: tuple[Creds, str]) -> None:
    ann, instance = world
    _, writer = await auth.key(ann, ["write:presets"])
    receipt = "mutation($i: ID) { createToolPresets(input: %s) { __typename successCount errorCount results { __typename id version } errors { index code message field } } }"
    data = await auth.ok(receipt % (PRESET % 1), {"i": instance}, writer)
    result = data["createToolPresets"]
    assert result["successCount"] == 1 and result["results"][0]["version"] == 1, result
    preset = result["results"][0]["id"]
    update = 'mutation($p: ID!) { updateToolPresets(input: [{id: $p, expectedVersion: 1, name: "T1"}]) { results { id version } errors { code } } }'
    data = await auth.ok(update, {"p": preset}, writer)
    assert data["updateToolPresets"]["results"] == [{"id": preset, "version": 2}]
    assert await _presets(auth, ann) == 1


@pytest.mark.parametrize("who", ["key with read", "session"])
async def test_with_read_a_mutation_answers_in_full(
    auth: AuthApi, world: tuple[Creds, str], who: str
) -> None:
    ann, instance = world
    creds = ann if who == "session" else (await auth.key(ann, ["read", "write:presets"]))[1]
    data = await auth.ok(LEAKS["the issue's document"] % (PRESET % 1), {"i": instance}, creds)
    [result] = data["createToolPresets"]["results"]
    assert result["toolInstance"]["serialNumber"] == "SECRET-SN"
    assert result["toolInstance"]["toolSets"] == [{"name": "secret set"}]
    assert len(result["toolInstance"]["usages"]) == 1


async def test_without_credentials_the_mutation_still_says_who_is_missing(auth: AuthApi) -> None:
    error = await auth.error(LEAKS["an own field"] % (PRESET % 1), {"i": None})
    assert error["extensions"]["code"] == "UNAUTHENTICATED", error
