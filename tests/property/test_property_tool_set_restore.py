"""Generated tool-set histories, restored to generated versions through GraphQL and REST.

Each example edits one tool set zero to three times (name, description,
status, global flag, free-form members and capacity, tags, its instances and
presets), then asks for a version back: one that exists (the live one
included), or 0, a negative one, one past the newest, one past 32 bits. A
version that exists must restore; any other must be refused. Either way:

* never INTERNAL, never a 500;
* a refusal leaves every table exactly as it was;
* a restore writes exactly one new version, whose state equals the chosen
  snapshot in every restorable field (membership in its order included),
  with one change-log row, one audit row and its snapshots (the state it
  replaced, unless already stored, and the state restored).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_property_mutations import fuzzing

from conftest import Api
from support.backup import state
from support.factories import create_ok, machine_setup

VERSION = """query($id: ID!, $v: Int!) { toolSetVersion(toolSetId: $id, version: $v) { version isCurrent snapshot } }"""
CURRENT = "query($id: ID!) { toolSet(id: $id) { version } }"
UPDATE = """mutation($i: [ToolSetUpdateInput!]!) { updateToolSets(input: $i) { successCount errors { message } } }"""
RESTORE = "mutation($id: ID!, $v: Int!) { restoreToolSetVersion(toolSetId: $id, version: $v) { id version } }"
# What a restore brings back; the rest (who, when, owner) describes the new version itself.
RESTORED = (
    "name",
    "description",
    "type",
    "legacy_type",
    "status",
    "legacy_status",
    "is_global",
    "machine_id",
    "job_id",
    "members",
    "capacity",
    "activation",
    "tags",
    "tool_instance_ids",
    "tool_preset_ids",
)
TEXT = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), min_size=1, max_size=30).filter(
    lambda s: bool(s.strip())
)

# Valid free-form JSON (the edits must all be accepted; their hostile cousins are fuzzed elsewhere).
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**40), 2**40)
    | st.floats(allow_nan=False, allow_infinity=False)
    | TEXT,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(TEXT, children, max_size=3),
    max_leaves=8,
)


def _edits(instances: list[str], presets: list[str]) -> st.SearchStrategy[list[dict[str, Any]]]:
    edit = st.fixed_dictionaries(
        {},
        optional={
            "name": TEXT,
            "description": st.none() | TEXT,
            "status": st.sampled_from(["DRAFT", "ACTIVE", "ARCHIVED"]),
            "isGlobal": st.booleans(),
            "members": st.none() | st.lists(JSON, max_size=3),
            "capacity": st.none() | st.dictionaries(TEXT, JSON, max_size=2),
            "tags": st.lists(TEXT, max_size=3),
            "toolInstanceIds": st.lists(st.sampled_from(instances), max_size=3, unique=True),
            "toolPresetIds": st.lists(st.sampled_from(presets), max_size=3, unique=True),
        },
    )
    return st.lists(edit, max_size=3)


async def _snapshot(api: Api, set_id: str, version: int) -> dict[str, Any]:
    found = (await api.gql(VERSION, {"id": set_id, "v": version}))["toolSetVersion"]
    return {k: found["snapshot"].get(k) for k in RESTORED}


async def _restore(api: Api, door: str, set_id: str, version: int) -> int | None:
    """The new version, or None when refused (with the door's client error)."""
    if door == "rest":
        response = await api.client.post(f"/api/v1/tool-sets/{set_id}/restore/{version}")
        assert response.status_code in (200, 404, 422), (response.status_code, response.text[:500])
        return int(response.json()["current_version"]) if response.status_code == 200 else None
    body = json.dumps({"query": RESTORE, "variables": {"id": set_id, "v": version}})
    response = await api.client.post("/graphql", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 200, response.text[:500]
    answer = response.json()
    if answer.get("errors"):
        codes = {e.get("extensions", {}).get("code") for e in answer["errors"]}
        assert codes <= {"NOT_FOUND", "BAD_USER_INPUT"}, answer
        return None
    return int(answer["data"]["restoreToolSetVersion"]["version"])


@pytest.mark.parametrize("door", ["graphql", "rest"])
async def test_a_tool_set_restores_exactly_a_version_that_exists(api: Api, door: str) -> None:
    presets = await machine_setup(api, 3)
    instances = [
        e["node"]["id"]
        for e in (await api.gql("{ toolInstances { edges { node { id } } } }"))["toolInstances"]["edges"]
    ]
    [set_id] = await create_ok(
        api, "ToolSet", [{"name": "set", "type": "MACHINE_SETUP", "toolPresetIds": presets[:1]}]
    )
    loop = asyncio.get_running_loop()
    outcomes: dict[str, int] = {"accepted": 0, "refused": 0}

    async def attempt(edits: list[dict[str, Any]], pick: int, beyond: int | None) -> None:
        for edit in edits:
            current = (await api.gql(CURRENT, {"id": set_id}))["toolSet"]["version"]
            result = (await api.gql(UPDATE, {"i": [{"id": set_id, "expectedVersion": current, **edit}]}))[
                "updateToolSets"
            ]
            assert result["successCount"] == 1, (edit, result)
        current = (await api.gql(CURRENT, {"id": set_id}))["toolSet"]["version"]
        version = {None: 1 + pick % current, 0: 0, 1: -1, 2: current + 1, 3: 2**31, 4: 2**63 - 1}[beyond]
        wanted = await _snapshot(api, set_id, version) if 1 <= version <= current else None
        before = await state(api.engine)
        restored = await _restore(api, door, set_id, version)
        if restored is None:
            outcomes["refused"] += 1
            assert wanted is None, f"version {version} of {current} exists and must restore"
            assert await state(api.engine) == before, "a refused restore changed the database"
            return
        outcomes["accepted"] += 1
        assert wanted is not None and restored == current + 1, (version, current, restored)
        assert await _snapshot(api, set_id, restored) == wanted
        after = await state(api.engine)
        grown = {t: len(after[t]) - len(before[t]) for t in after if len(after[t]) != len(before[t])}
        # Snapshots: the state replaced (unless an earlier restore stored it) and the state restored.
        assert grown.pop("tool_set_versions") in (1, 2), grown
        joins = {"tool_set_instances", "tool_set_presets"}
        assert {t: n for t, n in grown.items() if t not in joins} == {"change_log": 1, "audit_log": 1}, grown

    @fuzzing(examples=20)
    @given(
        edits=_edits(instances, presets),
        pick=st.integers(0, 100),
        beyond=st.sampled_from([None, None, None, 0, 1, 2, 3, 4]),
    )
    def check(edits: list[dict[str, Any]], pick: int, beyond: int | None) -> None:
        asyncio.run_coroutine_threadsafe(attempt(edits, pick, beyond), loop).result(timeout=60)

    await asyncio.to_thread(check)
    assert outcomes["accepted"] >= 5 and outcomes["refused"] >= 3, outcomes
