"""A user row written straight into the database: another tenant, without a login."""

from __future__ import annotations

import uuid

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from smooth_gql.auth.principal import Principal, PrincipalKind
from smooth_gql.db import models
from smooth_gql.db.types import utcnow


async def insert_user(engine: AsyncEngine, user_id: str | None = None, email: str | None = None) -> str:
    """An active, non-admin user with no password (nobody logs in as it); its id."""
    user_id = user_id or str(uuid.uuid4())
    now = utcnow()
    async with engine.begin() as conn:
        await conn.execute(
            insert(models.table_of(models.User)).values(
                id=user_id,
                email=email or f"{user_id}@shop.example",
                password_hash=None,
                is_admin=False,
                is_active=True,
                created_at=now,
                updated_at=now,
                version=1,
            )
        )
    return user_id


async def user_principal(engine: AsyncEngine) -> Principal:
    """A new user, as a session of theirs would act."""
    return Principal(user_id=await insert_user(engine), kind=PrincipalKind.SESSION)
