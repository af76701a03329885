"""Budgets hold across workers on PostgreSQL (issue 15, part 4): `smooth-gql serve --workers 2`
on one database, one caller's burst of requests over fresh connections (the kernel hands them
to either worker), one budget between them. The windows are the database's `rate_windows` rows;
a worker counting on its own would admit up to twice the budget.

The servers run on the real clock, so the burst may straddle a minute (a second or so out of
sixty): then each minute's row must hold the budget, and the admitted requests must be exactly
what the rows hold.
"""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest
from sqlalchemy import text

from conftest import Api
from support.serve_process import serve

POSTGRES_ONLY = pytest.mark.parametrize(
    "database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
QUERY = "{ toolItems(first: 1) { totalCount } }"
BUDGET = 5  # points per minute
BURST = 12


@POSTGRES_ONLY
async def test_two_workers_share_one_budget(api: Api, database_url: str) -> None:
    env = {"SMOOTH_POINTS_PER_MINUTE": str(BUDGET)}
    with serve(database_url, "--workers", "2", env=env) as server:
        limits = httpx.Limits(
            max_keepalive_connections=0
        )  # a new connection, maybe another worker, each time
        async with httpx.AsyncClient(timeout=30, limits=limits) as client:
            await server.wait_ready(client)
            url = f"{server.base_url}/graphql"
            started = time.time()
            responses = await asyncio.gather(*(client.post(url, json={"query": QUERY}) for _ in range(BURST)))
            ended = time.time()

    served = [r for r in responses if r.status_code == 200]
    refused = [r for r in responses if r.status_code == 429]
    assert len(served) + len(refused) == BURST, [r.status_code for r in responses]
    cost = served[0].json()["extensions"]["cost"]["requested"]
    assert cost == 1
    assert all(r.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED" for r in refused)
    async with api.engine.connect() as conn:
        rows = (
            await conn.execute(
                text("SELECT minute, points FROM rate_windows WHERE caller = 'address:127.0.0.1'")
            )
        ).all()
    assert all(points <= BUDGET for _, points in rows), rows
    assert sum(points for _, points in rows) == len(served) * cost
    if int(started // 60) == int(ended // 60):  # the usual case: one minute, one budget
        assert len(served) == BUDGET // cost and len(rows) == 1, rows
