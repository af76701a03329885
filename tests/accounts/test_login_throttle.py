"""Failed logins are counted in the database, so every worker enforces one budget.

Two app instances on one database stand for two workers (`serve --workers 2`)
or two servers: each has its own memory, so a count kept there would give an
attacker one budget per worker.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from smooth_gql.db.types import utcnow
from smooth_gql.services.login_throttle import FAILURES, key_of
from support.auth import LOGIN, PASSWORD, AuthApi, auth_app

EMAIL = "ann@shop.example"


async def _code(auth: AuthApi, password: str) -> str:
    error = await auth.error(LOGIN, {"email": EMAIL, "password": password})
    return str(error["extensions"]["code"])


async def test_failures_through_one_worker_count_in_another(engine: AsyncEngine, database_url: str) -> None:
    async with (
        auth_app(engine, database_url, login_max_failures=3) as one,
        auth_app(engine, database_url, login_max_failures=3) as other,
    ):
        await one.register(EMAIL)
        assert [await _code(worker, "wrong guess") for worker in (one, other, one)] == ["UNAUTHENTICATED"] * 3
        # The right password, through a worker that saw only one of the three failures.
        assert await _code(other, PASSWORD) == "RATE_LIMITED"
        assert await _code(one, PASSWORD) == "RATE_LIMITED"


async def test_nothing_typed_is_stored_and_old_failures_neither_count_nor_stay(
    engine: AsyncEngine, database_url: str
) -> None:
    async with auth_app(engine, database_url, login_max_failures=2, login_window_seconds=60) as auth:
        await auth.register(EMAIL)
        long_ago = utcnow() - timedelta(seconds=120)
        async with engine.begin() as connection:
            await connection.execute(
                insert(FAILURES), [{"key": key_of("account", EMAIL), "failed_at": long_ago}] * 5
            )
        typed = "not-an-email-but-a-password"
        assert await _code(auth, "wrong guess") == "UNAUTHENTICATED"  # five old failures do not count
        await auth.error(LOGIN, {"email": typed, "password": "x"})
        async with engine.connect() as connection:
            keys = list((await connection.execute(select(FAILURES.c.key, FAILURES.c.failed_at))).all())
        assert all(at > long_ago for _, at in keys)  # the old ones were pruned on the next failure
        assert not any(typed in key or EMAIL in key for key, _ in keys)

        # A success clears the account's count; the address keeps its own, larger budget.
        await auth.login(EMAIL)
        async with engine.connect() as connection:
            left = await connection.execute(
                select(func.count()).select_from(FAILURES).where(FAILURES.c.key == key_of("account", EMAIL))
            )
        assert left.scalar_one() == 0
