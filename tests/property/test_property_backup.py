"""Generated restores of real backups, through GraphQL importBackup and REST /backup/import.

A shop with data of every kind is exported (a user backup and an admin's full
one); each example restores that document changed in one to three ways: a
row dropped, duplicated or moved, a field removed, nulled, swapped with
another or replaced by a hostile value, a list cut short, the metadata
altered, or (REST) the file cut off mid-byte. Unchanged documents must
restore; a duplicated id must be refused; the rest may go either way, but:

* never INTERNAL, never a 500;
* a refused restore leaves every table exactly as it was (users, sessions,
  keys, tool rows, joins, history, the audit and change logs);
* an accepted restore applied all of the document: `restoredCount` is the
  number of rows it holds, and every table (a user restore: every one of the
  importer's tables) now holds exactly as many rows as its list.

After an accepted restore the shop is put back (the console's restore path
for a full one), so every example starts from the same data.
"""

from __future__ import annotations

import asyncio
import copy
import json
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import text
from test_property_mutations import JSON_VALUES, NASTY_TEXT, fuzzing

from conftest import PostgresReset
from smooth_gql.auth.principal import local_admin
from smooth_gql.backup import service
from smooth_gql.backup.entity_lists import ENTITY_LISTS
from smooth_gql.backup.table_lists import (
    API_KEYS,
    AUDIT_LOG,
    JOIN_LISTS,
    TOOL_SET_VERSIONS,
    USERS,
)
from smooth_gql.db.engine import create_engine, session_factory
from smooth_gql.runtime import Runtime
from support import shop_image
from support.auth import PASSWORD, AuthApi, Creds, auth_app
from support.backup import state
from support.shop_image import ShopImages

EXAMPLES = 25
EXPORT = "query($s: BackupScope!) { exportBackup(scope: $s) }"
IMPORT = "mutation($d: JSON!) { importBackup(document: $d) { success restoredCount backupType } }"
# The lists a restore writes, and the table each fills.
USER_LISTS = {el.key: el.table.name for el in (*ENTITY_LISTS, *JOIN_LISTS, TOOL_SET_VERSIONS)}
FULL_LISTS = {**USER_LISTS, **{el.key: el.table.name for el in (USERS, API_KEYS, AUDIT_LOG)}}

# --- changes to a document -------------------------------------------------------------------

Change = Callable[[dict[str, Any]], None]


@dataclass(frozen=True)
class Spoiled:
    document: Any
    changes: tuple[str, ...]
    valid: bool | None  # True: unchanged; False: certainly refused; None: either, judged by effect


def _rows(document: dict[str, Any]) -> list[tuple[str, int]]:
    return [
        (key, i)
        for key, rows in sorted(document["entities"].items())
        if isinstance(rows, list)
        for i in range(len(rows))
        if isinstance(rows[i], dict)
    ]


@st.composite
def _change(draw: st.DrawFn, document: dict[str, Any]) -> tuple[str, bool | None]:
    """Apply one change to `document` in place; say what it was and whether it must be refused."""
    rows = _rows(document)
    kinds = ["metadata", "cut list"] + (
        ["drop row", "duplicate row", "move row", "drop field", "null field", "swap fields", "retype field"]
        if rows
        else []
    )
    kind = draw(st.sampled_from(kinds))
    entities = document["entities"]
    if kind == "metadata":
        meta = document["metadata"]
        name, value = draw(
            st.sampled_from(
                [
                    ("version", "1.0.0"),
                    ("version", ""),
                    ("version", 0),
                    ("backup_type", "other"),
                    ("backup_type", None),
                    ("schema_revision", "not-a-revision"),
                    ("counts", {"tool_items": 10**9}),
                    ("change_log_position", -5),
                    ("change_log_position", "x"),
                    ("user_id", "00000000-0000-4000-8000-00000000ffff"),
                    ("timestamp", "yesterday"),
                ]
            )
        )
        meta[name] = value
        return f"metadata {name}={value!r}", None
    if kind == "cut list":
        key = draw(st.sampled_from(sorted(entities)))
        if isinstance(entities[key], list):
            entities[key] = entities[key][: draw(st.integers(0, len(entities[key])))]
        return f"cut {key}", None
    key, i = draw(st.sampled_from(rows))
    row = entities[key][i]
    if kind == "drop row":
        del entities[key][i]
        return f"drop {key}[{i}]", None
    if kind == "duplicate row":
        entities[key].append(copy.deepcopy(row))
        # A second row with the same id (component rows of a user backup are renumbered).
        return f"duplicate {key}[{i}]", False if "id" in row and key != "assembly_components" else None
    if kind == "move row":
        other = draw(st.sampled_from(sorted(k for k in entities if k != key)))
        if isinstance(entities[other], list):
            entities[other].append(entities[key].pop(i))
        return f"move {key}[{i}] to {other}", None
    if not row:
        return "nothing", None
    name = draw(st.sampled_from(sorted(row)))
    if kind == "drop field":
        del row[name]
    elif kind == "null field":
        row[name] = None
    elif kind == "swap fields":
        other = draw(st.sampled_from(sorted(row)))
        row[name], row[other] = row[other], row[name]
        name = f"{name}<->{other}"
    else:
        row[name] = draw(NASTY_TEXT | JSON_VALUES | st.sampled_from(["2026-02-30", "-1", "1e400"]))
    return f"{kind} {key}[{i}].{name}", None


@st.composite
def spoiled(draw: st.DrawFn, pristine: dict[str, Any]) -> Spoiled:
    document = copy.deepcopy(pristine)
    changes: list[str] = []
    valid: bool | None = True
    for _ in range(draw(st.sampled_from([0, 0, 1, 1, 1, 2, 3]))):
        what, must = draw(_change(document))
        changes.append(what)
        valid = False if must is False or valid is False else None
    return Spoiled(document, tuple(changes), valid)


# --- the shop ----------------------------------------------------------------------------------


@dataclass
class Backups:
    auth: AuthApi
    runtime: Runtime
    admin: Creds
    user: Creds
    user_doc: dict[str, Any]
    full_doc: dict[str, Any]
    loop: asyncio.AbstractEventLoop
    outcomes: Counter[str] = field(default_factory=Counter)

    def run(self, work: Any) -> None:
        """Hypothesis runs in a worker thread; the app lives on the test's loop."""
        self.outcomes[asyncio.run_coroutine_threadsafe(work, self.loop).result(timeout=120)] += 1

    async def export(self, creds: Creds, scope: str) -> dict[str, Any]:
        return (await self.auth.ok(EXPORT, {"s": scope}, creds))["exportBackup"]  # type: ignore[no-any-return]

    async def reset(self, full: bool) -> None:
        """Back to the shop as exported: a full restore by the console (the admin's own session
        may be gone with a spoiled document), then fresh sessions."""
        if full:
            await service.import_backup(self.runtime, local_admin(), copy.deepcopy(self.full_doc))
            self.admin = await self.auth.login("admin@example.com", PASSWORD)
            self.user = await self.auth.login("user@example.com", PASSWORD)
        else:
            await self.auth.ok(IMPORT, {"d": self.user_doc}, self.user)


shop_images = shop_image.shop_images  # the module's shop, built once per backend (a fixture)


@pytest.fixture
async def backups(
    database_url: str, reset: PostgresReset | None, shop_images: ShopImages
) -> AsyncIterator[Backups]:
    """The shop (built once per module and backend, copied for each test) and its two backups."""
    shop = await shop_images.copy_into(database_url, reset)
    engine = create_engine(database_url)
    async with auth_app(engine, database_url, login_max_failures=100_000) as auth:
        runtime = Runtime(session_factory(engine), auth.api.settings)
        made = Backups(auth, runtime, shop.admin, shop.user, {}, {}, asyncio.get_running_loop())
        made.user_doc = await made.export(shop.user, "USER")
        made.full_doc = await made.export(shop.admin, "ALL")
        yield made
    await engine.dispose()


def _codes(body: dict[str, Any]) -> list[str | None]:
    return [e.get("extensions", {}).get("code") for e in body.get("errors") or []]


async def _graphql_restore(b: Backups, creds: Creds, document: Any) -> int | None:
    body = {"query": IMPORT, "variables": {"d": document}}
    try:
        response = await b.auth.client.post(
            "/graphql",
            content=json.dumps(body),  # non-ASCII escaped: a lone surrogate goes out as JSON allows
            headers={**creds.as_headers(), "content-type": "application/json"},
        )
    finally:
        b.auth.client.cookies.clear()
    assert response.status_code == 200, response.text[:500]
    answer = response.json()
    if answer.get("errors"):
        assert set(_codes(answer)) <= {"BAD_USER_INPUT", "FORBIDDEN"}, answer
        return None
    return int(answer["data"]["importBackup"]["restoredCount"])


async def _rest_restore(b: Backups, creds: Creds, content: bytes) -> int | None:
    try:
        files = {"file": ("smooth-backup.json", content, "application/json")}
        response = await b.auth.client.post("/api/v1/backup/import", files=files, headers=creds.as_headers())
    finally:
        b.auth.client.cookies.clear()
    if response.status_code != 200:
        assert response.status_code in (400, 403, 413, 422), (response.status_code, response.text[:500])
        assert isinstance(response.json()["detail"], str | list), response.text
        return None
    answer = response.json()
    assert answer["success"] is True, answer
    return int(answer["restored_count"])


async def _counts(b: Backups, lists: dict[str, str], *, full: bool) -> dict[str, int]:
    """Rows per list as stored: every row, or (a user restore) the importer's rows."""
    if full:  # in one statement: a statement per table took a connection each (~120 ms in all)
        counted = ", ".join(f'(SELECT count(*) FROM "{table}")' for table in lists.values())
        async with b.auth.api.engine.connect() as conn:
            row = (await conn.execute(text(f"SELECT {counted}"))).one()
        return {key: int(n) for key, n in zip(lists, row, strict=True)}
    again = await b.export(b.user, "USER")
    return {key: len(again["entities"][key]) for key in lists}


def _listed(document: Any, key: str) -> int:
    rows = document["entities"].get(key)
    return len(rows) if isinstance(rows, list) else 0


async def _attempt(b: Backups, door: str, full: bool, spoil: Spoiled, cut: int | None) -> str:
    creds = b.admin if full else b.user
    lists = FULL_LISTS if full else USER_LISTS
    before = await state(b.auth.api.engine)
    if door == "rest":
        content = json.dumps(spoil.document).encode()
        if cut is not None:
            content = content[: cut % max(len(content), 1)]
        restored = await _rest_restore(b, creds, content)
    else:
        restored = await _graphql_restore(b, creds, spoil.document)
    if restored is None:
        assert await state(b.auth.api.engine) == before, (
            "a refused restore changed the database",
            spoil.changes,
        )
        assert spoil.valid is not True or cut is not None, spoil.changes
        return "refused"
    assert spoil.valid is not False and cut is None, spoil.changes
    expected = {key: _listed(spoil.document, key) for key in lists}
    assert restored == sum(expected.values()), (spoil.changes, restored, expected)
    stored = await _counts(b, lists, full=full)
    if full:  # the restore records itself in the restored audit log when its actor is in it
        assert stored.pop("audit_log") - expected.pop("audit_log") in (0, 1), spoil.changes
    assert stored == expected, (spoil.changes, stored, expected)
    await b.reset(full)
    return "accepted"


@pytest.mark.parametrize("door", ["graphql", "rest"])
@pytest.mark.parametrize("scope", ["user", "full"])
async def test_a_restore_applies_whole_or_changes_nothing(backups: Backups, door: str, scope: str) -> None:
    full = scope == "full"
    pristine = backups.full_doc if full else backups.user_doc

    @fuzzing(examples=EXAMPLES)
    @given(spoil=spoiled(pristine), cut=st.none() | st.none() | st.none() | st.integers(0, 10**6))
    def check(spoil: Spoiled, cut: int | None) -> None:
        backups.run(_attempt(backups, door, full, spoil, cut if door == "rest" else None))

    await asyncio.to_thread(check)
    # The generator reached both ends: whole restores and refusals.
    assert backups.outcomes["accepted"] >= 5 and backups.outcomes["refused"] >= 5, backups.outcomes
