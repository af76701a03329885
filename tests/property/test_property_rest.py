"""Generated bodies against every legacy REST write route: never a 500, never a partial write.

For each of the six collections, POST, PUT and DELETE get bodies built from
the collection's own wire table (smooth_gql/legacy/collections.py), so a new
wire field is covered without a change here. Each element mixes the plausible
(the right JSON types, ids of rows that exist and their versions, legacy enum
text) with the hostile (wrong JSON types, empty and huge strings, NUL, lone
surrogates, 64-bit overflow, deep JSON, unknown keys), and envelopes are
sometimes wrong as a whole.

The answer is 200 (the bulk envelope, whatever failed), 413 or 422; and the
tables moved by exactly what it reports: one audit row per element,
`success_count` change rows and entity rows (added, none, removed) for a 200,
nothing at all for a refusal.

The rows aimed at are test_property_mutations.py's, seeded once per module and
backend and put back before each test (tests/support/snapshot.py).
"""

from __future__ import annotations

import asyncio
import json
import typing
import uuid
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_property_mutations import JSON_VALUES, NASTY_TEXT, SEEDED_FIXTURES, TABLES, fuzzing

from conftest import Api
from smooth_gql.legacy.collections import COLLECTIONS
from smooth_gql.legacy.wire import Collection
from support.snapshot import CASE_FIXTURES

ROUTES = [(c, method) for c in COLLECTIONS for method in ("POST", "PUT", "DELETE")]
TABLE_OF = {c.path: TABLES[c.entity.value] for c in COLLECTIONS}
case_db, database_url, engine = CASE_FIXTURES
built, world = SEEDED_FIXTURES


def _wire_value(annotation: Any, ids: list[str]) -> st.SearchStrategy[Any]:
    """A value of roughly the declared type, or anything else."""
    plausible: st.SearchStrategy[Any]
    if annotation is int:
        plausible = st.integers(-3, 50) | st.integers(-(2**70), 2**70)
    elif annotation is float:
        plausible = st.floats(allow_nan=False, allow_infinity=False)
    elif annotation is bool:
        plausible = st.booleans()
    elif annotation is str:
        plausible = (
            st.sampled_from(ids) | st.text(max_size=20) | NASTY_TEXT | st.sampled_from(["probe", "holder"])
        )
    elif typing.get_origin(annotation) is dict:
        plausible = st.dictionaries(st.text(max_size=8), JSON_VALUES, max_size=4)
    elif typing.get_origin(annotation) is list:
        plausible = st.lists(st.sampled_from(ids) | NASTY_TEXT | JSON_VALUES, max_size=3)
    else:  # datetimes
        plausible = st.datetimes(timezones=st.just(None)).map(lambda d: d.isoformat() + "Z") | NASTY_TEXT
    # Mostly plausible, so that whole requests get through validation and write.
    return st.one_of(plausible, plausible, plausible, JSON_VALUES, st.none())


def _element(collection: Collection, ids: list[str], *, updating: bool) -> st.SearchStrategy[dict[str, Any]]:
    fields = {wf.wire: _wire_value(wf.annotation, ids) for wf in collection.wire_fields()}
    fields["unknown_key"] = JSON_VALUES  # ignored, as by the legacy server
    required: dict[str, st.SearchStrategy[Any]] = {}
    if updating:
        required = {"id": st.sampled_from(ids) | NASTY_TEXT, "version": st.integers(0, 3) | JSON_VALUES}
    return st.fixed_dictionaries(required, optional=fields)


def _body(collection: Collection, method: str, ids: list[str]) -> st.SearchStrategy[Any]:
    if method == "DELETE":
        good = st.fixed_dictionaries({"ids": st.lists(st.sampled_from(ids) | NASTY_TEXT, max_size=4)})
    else:
        element = _element(collection, ids, updating=method == "PUT")
        good = st.fixed_dictionaries({"items": st.lists(element, min_size=1, max_size=4)})
    return good | JSON_VALUES  # sometimes not the envelope at all


async def _attempt(api: Api, collection: Collection, method: str, body: Any) -> None:
    before = await api.counts()
    response = await api.client.request(
        method,
        f"/api/v1/{collection.path}",
        content=json.dumps(body),  # lone surrogates go out escaped, as a hostile client's would
        headers={"content-type": "application/json"},
    )
    after = await api.counts()
    moved = {t: after[t] - before[t] for t in after if after[t] != before[t]}
    assert response.status_code in (200, 413, 422), (response.status_code, response.text[:500])
    if response.status_code != 200:
        assert moved == {}, (response.text[:300], moved)
        return
    answer = response.json()
    elements = len(body["ids"] if method == "DELETE" else body["items"])
    assert answer["success_count"] + answer["error_count"] == elements, answer
    assert moved.get("audit_log", 0) == elements, (answer, moved)
    assert moved.get("change_log", 0) == answer["success_count"], (answer, moved)
    rows = {"POST": answer["success_count"], "PUT": 0, "DELETE": -answer["success_count"]}[method]
    assert moved.get(TABLE_OF[collection.path], 0) == rows, (answer, moved)


@pytest.mark.parametrize(("collection", "method"), ROUTES, ids=[f"{m} {c.path}" for c, m in ROUTES])
async def test_generated_bodies_never_fail_a_rest_route_nor_write_half(
    api: Api, world: list[str], collection: Collection, method: str
) -> None:
    ids = world  # the name `check` has always used: its source seeds the derandomized examples
    loop = asyncio.get_running_loop()

    @fuzzing(examples=15)
    @given(body=_body(collection, method, [*ids, str(uuid.uuid4())]))
    def check(body: Any) -> None:
        asyncio.run_coroutine_threadsafe(_attempt(api, collection, method, body), loop).result(timeout=60)

    await asyncio.to_thread(check)
