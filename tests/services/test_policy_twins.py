"""`row_filter` (SQL) and `row_visible` (in memory) give the same answers for every
kind of principal, on both databases."""

from __future__ import annotations

import itertools
import uuid

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from smooth_gql.auth import policy
from smooth_gql.auth.principal import Principal, PrincipalKind, anonymous, invalid
from smooth_gql.db import models
from smooth_gql.db.types import utcnow
from smooth_gql.enums import EntityType, Operation

CHANGES = models.table_of(models.ChangeLog)


async def test_the_sql_and_in_memory_filters_agree(engine: AsyncEngine) -> None:
    owners = [str(uuid.uuid4()), str(uuid.uuid4())]
    now = utcnow()
    rows = [
        {
            "entity_type": kind.value,
            "entity_id": str(uuid.uuid4()),
            "operation": Operation.CREATED.value,
            "version": 1,
            "owner_id": owner,
            "tags": tags,
            "machine_id": machine,
            "changed_at": now,
            "changed_by": owner,
        }
        for kind, owner, tags, machine in itertools.product(
            EntityType, owners, ([], ["a"], ["a", "b"], ["c"]), (None, "m1", "m2")
        )
    ]
    async with engine.begin() as conn:
        await conn.execute(insert(CHANGES), rows)
    mine = owners[0]
    principals = [
        anonymous(),
        invalid("expired"),
        Principal(mine, PrincipalKind.SESSION),
        Principal(str(uuid.uuid4()), PrincipalKind.SESSION, is_admin=True),
        Principal(mine, PrincipalKind.API_KEY, scopes=frozenset({"read"}), tags=frozenset({"a"})),
        Principal(mine, PrincipalKind.API_KEY, scopes=frozenset({"read"}), tags=frozenset({"b", "c"})),
        Principal(mine, PrincipalKind.API_KEY, scopes=frozenset({"read"}), machine_id="m1"),
        Principal(
            mine, PrincipalKind.API_KEY, scopes=frozenset({"read"}), tags=frozenset({"a"}), machine_id="m2"
        ),
    ]
    answers: set[frozenset[int]] = set()
    async with engine.connect() as conn:
        stored = [dict(r) for r in (await conn.execute(select(CHANGES))).mappings()]
        for principal, all_tenants in itertools.product(principals, (False, True)):
            condition = policy.row_filter(principal, CHANGES, all_tenants=all_tenants)
            by_sql = set((await conn.execute(select(CHANGES.c.seq).where(condition))).scalars())
            in_memory = {
                r["seq"] for r in stored if policy.row_visible(principal, r, all_tenants=all_tenants)
            }
            assert by_sql == in_memory, (principal, all_tenants)
            answers.add(frozenset(by_sql))
    assert len(answers) >= 7  # the principals really see different slices
