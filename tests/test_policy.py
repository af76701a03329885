"""The access policy's SQL filter and its in-memory twin give the same answers.

Queries filter in SQL (`policy.row_filter`); the change feed filters rows from
its shared buffer in memory (`policy.row_visible`). A follower must see exactly
what a query would show, so every principal below asks both about the same
change-log rows and the answers must agree row for row.
"""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from smooth_gql.auth import policy
from smooth_gql.auth.principal import LOCAL_ADMIN_ID, Principal, PrincipalKind, local_admin
from smooth_gql.db import models

CHANGES = models.table_of(models.ChangeLog)
ALICE, BOB = str(uuid.uuid4()), str(uuid.uuid4())

PRINCIPALS = {
    "local admin": local_admin(),
    "alice": Principal(user_id=ALICE, kind=PrincipalKind.SESSION),
    "bob's read key": Principal(user_id=BOB, kind=PrincipalKind.API_KEY, scopes=frozenset({"read"})),
    "admin alice": Principal(user_id=ALICE, kind=PrincipalKind.SESSION, is_admin=True),
}


async def _log_rows(engine: AsyncEngine) -> list[dict[str, object]]:
    owners = [LOCAL_ADMIN_ID, ALICE, BOB]
    tags = [[], ["mill-1"], ["lathe", "mill-1"]]
    machines = [None, "mill-1", "lathe-2"]
    rows = [
        {
            "entity_type": kind,
            "entity_id": str(uuid.uuid4()),
            "operation": "CREATED",
            "version": 1,
            "owner_id": owner,
            "tags": tag_list,
            "machine_id": machine,
            "changed_at": datetime.now(UTC),
            "changed_by": owner,
        }
        for owner, tag_list, machine, kind in itertools.product(
            owners, tags, machines, ["TOOL_ITEM", "TOOL_PRESET", "TOOL_SET"]
        )
    ]
    async with engine.begin() as conn:
        await conn.execute(insert(CHANGES), rows)
    async with engine.connect() as conn:
        return [dict(r) for r in (await conn.execute(select(CHANGES).order_by(CHANGES.c.seq))).mappings()]


@pytest.mark.parametrize("all_tenants", [False, True])
@pytest.mark.parametrize("who", list(PRINCIPALS))
async def test_row_filter_and_row_visible_agree_on_every_row(
    engine: AsyncEngine, who: str, all_tenants: bool
) -> None:
    rows = await _log_rows(engine)
    principal = PRINCIPALS[who]
    async with engine.connect() as conn:
        in_sql = {
            seq
            for (seq,) in await conn.execute(
                select(CHANGES.c.seq).where(policy.row_filter(principal, CHANGES, all_tenants=all_tenants))
            )
        }
    in_memory = {r["seq"] for r in rows if policy.row_visible(principal, r, all_tenants=all_tenants)}
    assert in_sql == in_memory
    assert 0 < len(in_sql) <= len(rows)  # each principal sees something, so agreement is not vacuous
