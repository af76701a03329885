"""Any sequence of keyed bulk writes, with keys repeated, reused for other requests and sent
concurrently, leaves the same rows as the same sequence with the repeats left out (issue 15).

A step is a request (drawn from a small pool of creates, updates and deletes
of a few tool items, so that they collide) with a key (from a small pool, or
none), sent once or twice at the same time. The reference runs, on fresh ids,
each step once and only when it would write: a step whose key was already used
is left out, whether with the same request (its stored answer) or another one
(refused). Both runs must end with the same items, the same change log and one
audit row per element written.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import text
from test_property_mutations import fuzzing

from conftest import Api
from support.bulk import post

SLOTS = 3  # item ids a run uses
KEYS = ["a", "b", "c", None]
CREATE = """mutation($input: [ToolItemCreateInput!]!, $key: String) {
  r: createToolItems(input: $input, idempotencyKey: $key) { successCount errors { code } } }"""
UPDATE = """mutation($input: [ToolItemUpdateInput!]!, $key: String) {
  r: updateToolItems(input: $input, idempotencyKey: $key) { successCount errors { code } } }"""
DELETE = """mutation($input: [DeleteInput!]!, $key: String) {
  r: deleteToolItems(input: $input, idempotencyKey: $key) { successCount errors { code } } }"""

# (operation, slots, argument): creates name their slots, updates set a description at an
# expected version, deletes remove.
REQUESTS = st.one_of(
    st.tuples(st.just("create"), st.sets(st.integers(0, SLOTS - 1), min_size=1), st.just(0)),
    st.tuples(st.just("update"), st.sets(st.integers(0, SLOTS - 1), min_size=1), st.integers(1, 3)),
    st.tuples(st.just("delete"), st.sets(st.integers(0, SLOTS - 1), min_size=1), st.just(0)),
)
STEPS = st.lists(st.tuples(REQUESTS, st.sampled_from(KEYS), st.booleans()), min_size=1, max_size=8)

Request = tuple[str, frozenset[int] | set[int], int]


def _variables(request: Request, ids: list[str], key: str | None) -> tuple[str, dict[str, Any]]:
    op, slots, argument = request
    ordered = sorted(slots)
    if op == "create":
        inputs: list[dict[str, Any]] = [{"id": ids[s], "name": f"item {s}"} for s in ordered]
        return CREATE, {"input": inputs, "key": key}
    if op == "update":
        inputs = [{"id": ids[s], "expectedVersion": argument, "description": f"v{argument}"} for s in ordered]
        return UPDATE, {"input": inputs, "key": key}
    return DELETE, {"input": [{"id": ids[s]} for s in ordered], "key": key}


async def _send(api: Api, request: Request, ids: list[str], key: str | None) -> None:
    query, variables = _variables(request, ids, key)
    body = await post(api, query, variables)
    codes = {e.get("extensions", {}).get("code") for e in body.get("errors") or []}
    assert codes <= {"IDEMPOTENCY_KEY_REUSED"}, body


async def _state(api: Api, ids: list[str]) -> tuple[Any, ...]:
    """The run's items, change log and audit count, with its ids replaced by their slots."""
    slot = {row_id: n for n, row_id in enumerate(ids)}
    params = {f"i{n}": row_id for n, row_id in enumerate(ids)}
    where = ", ".join(f":i{n}" for n in range(len(ids)))
    async with api.engine.connect() as conn:
        items = await conn.execute(
            text(f"SELECT id, name, description, version FROM tool_items WHERE id IN ({where})"), params
        )
        changes = await conn.execute(
            text(
                f"SELECT entity_id, operation, version FROM change_log WHERE entity_id IN ({where}) ORDER BY seq"
            ),
            params,
        )
        audits = await conn.execute(
            text(f"SELECT count(*) FROM audit_log WHERE entity_id IN ({where})"), params
        )
        return (
            sorted((slot[r[0]], *r[1:]) for r in items),
            [(slot[r[0]], *r[1:]) for r in changes],
            audits.scalar_one(),
        )


async def _check(api: Api, steps: list[tuple[Request, str | None, bool]]) -> None:
    run = uuid.uuid4().hex[:8]
    keyed_ids = [str(uuid.uuid4()) for _ in range(SLOTS)]
    for request, key, twice in steps:
        scoped = None if key is None else f"{run}-{key}"
        sends = [_send(api, request, keyed_ids, scoped) for _ in range(2 if twice else 1)]
        await asyncio.gather(*sends)
    reference_ids = [str(uuid.uuid4()) for _ in range(SLOTS)]
    used: set[str] = set()
    for request, key, twice in steps:
        if key is not None and key in used:
            continue  # a repeat (its stored answer) or a reuse (refused): no write either way
        for _ in range(2 if twice and key is None else 1):
            await _send(api, request, reference_ids, None)
        if key is not None:
            used.add(key)
    assert await _state(api, keyed_ids) == await _state(api, reference_ids)


async def test_repeated_and_reused_keys_write_as_the_sequence_without_repeats(api: Api) -> None:
    loop = asyncio.get_running_loop()

    @fuzzing(examples=25)
    @given(steps=STEPS)
    def check(steps: list[tuple[Request, str | None, bool]]) -> None:
        asyncio.run_coroutine_threadsafe(_check(api, steps), loop).result(timeout=120)

    await asyncio.to_thread(check)
